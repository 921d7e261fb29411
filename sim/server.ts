// The in-process server of the simulation: server-mock/core behind the simulated network,
// with the server faults of DESIGN §5. Commits are synchronous, so the core's state is the
// durable state; a crash loses only what is in flight, a rollback restores an older snapshot.

import { entityKey, type PullQuery, type PushItemResult, type PushRequest, type PullResponse, type PushResponse } from '../engine/protocol.ts';
import type { TransportOutcome } from '../engine/ports.ts';
import { ServerCore, type ServerState, type AppliedChange, type Reply } from '../server-mock/core/index.ts';
import type { Rng } from './rng.ts';
import { spaceFromLog } from '../server-mock/core/state.ts';
import type { ServerBug } from './variants.ts';

/** With the ack-before-durable bug, how often (simulated) the server's writes reach the disk. */
const LAZY_FLUSH_MS = 3_000;

export interface ServerFaultState {
  errorPerMille: number;
  /** Items refused with a permanent item error (forbidden). */
  rejectPerMille: number;
  /** Items refused with a retryable item error (busy), the rest of the batch applied. */
  busyPerMille: number;
  retryAfterMs: number | null;
  itemsMax413: number | null;
  commitThenFailPerMille: number;
  slowMs: number;
}

export interface ServerAnswer<T> {
  readonly outcome: TransportOutcome<T>;
  readonly applied: readonly AppliedChange[];
  /** Extra delay before the answer leaves (slow-response fault). */
  readonly delayMs: number;
  readonly detail: string;
}

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
/** The applies of an answer that applied nothing: one shared array (a pull is most requests). */
const NONE_APPLIED: readonly AppliedChange[] = Object.freeze([]);

function outcomeOf<T>(reply: Reply<unknown>): TransportOutcome<T> {
  if (reply.status === 200) return { kind: 'ok', body: reply.body as T };
  return { kind: 'http', status: reply.status, retryAfterMs: null, body: reply.body as never };
}

export class SimServer {
  core: ServerCore;
  up = true;
  /** Bumped by failover and restart: answers of an older instance are lost in flight. */
  instance = 1;
  private epochCount = 1;
  readonly faults: ServerFaultState = { errorPerMille: 0, rejectPerMille: 0, busyPerMille: 0, retryAfterMs: null, itemsMax413: null, commitThenFailPerMille: 0, slowMs: 0 };

  /** ack-before-durable: per user, how much of the log had reached the disk at the last flush. */
  private flushedLogLength = new Map<string, number>();
  private flushedAt = 0;

  constructor(
    private readonly rng: Rng,
    tokenRandom: Rng,
    private readonly bugs: readonly ServerBug[] = [],
  ) {
    this.core = ServerCore.fresh({ random: () => tokenRandom.float(), tokenLifetimeMs: TOKEN_LIFETIME_MS }, 'e1');
  }

  issueToken(user: string, nowMs: number): string {
    const reply = this.core.issueToken({ user }, nowMs);
    if (reply.status !== 200 || !('token' in reply.body)) throw new Error(`sim server refused a token for ${user}: ${JSON.stringify(reply.body)}`);
    return reply.body.token;
  }

  push(token: string, request: PushRequest, nowMs: number): ServerAnswer<PushResponse> {
    const f = this.faults;
    const gate = this.admit(token, nowMs);
    if (typeof gate !== 'string') return gate;
    if (f.itemsMax413 !== null && request.items.length > f.itemsMax413) return this.httpError(413, null, NONE_APPLIED);
    this.breakBeforePush(gate, request, nowMs);
    const { reply, applied } = f.rejectPerMille > 0 || f.busyPerMille > 0 ? this.pushWithRefusals(gate, request, nowMs) : this.core.push(gate, request, nowMs);
    if (f.commitThenFailPerMille > 0 && this.rng.chance(f.commitThenFailPerMille)) return { ...this.httpError(500, null, applied), detail: 'commit-then-fail' };
    return { outcome: outcomeOf(reply), applied, delayMs: f.slowMs, detail: String(reply.status) };
  }

  pull(token: string, query: PullQuery, nowMs: number): ServerAnswer<PullResponse> {
    const gate = this.admit(token, nowMs);
    if (typeof gate !== 'string') return gate;
    return { outcome: outcomeOf(this.core.pull(gate, query, nowMs)), applied: NONE_APPLIED, delayMs: this.faults.slowMs, detail: '200' };
  }

  /** What every request meets first: the token check, then the 429 and 5xx faults. The user, or the refusal. */
  private admit(token: string, nowMs: number): string | ServerAnswer<never> {
    const f = this.faults;
    const auth = this.core.authenticateToken(token, nowMs);
    if (!auth.ok) return { outcome: outcomeOf(auth.reply), applied: NONE_APPLIED, delayMs: f.slowMs, detail: '401' };
    if (f.retryAfterMs !== null) return this.httpError(429, f.retryAfterMs, NONE_APPLIED);
    if (f.errorPerMille > 0 && this.rng.chance(f.errorPerMille)) return this.httpError(503, null, NONE_APPLIED);
    return auth.user;
  }

  private httpError(status: number, retryAfterMs: number | null, applied: readonly AppliedChange[]): ServerAnswer<never> {
    return { outcome: { kind: 'http', status, retryAfterMs, body: null }, applied, delayMs: this.faults.slowMs, detail: String(status) };
  }

  /** The bug zoo's server bugs act on the state just before the (correct) core handles a push. */
  private breakBeforePush(user: string, request: PushRequest, nowMs: number): void {
    if (this.bugs.length === 0) return;
    const space = this.core.state.users.get(user);
    if (this.bugs.includes('ack-before-durable') && nowMs >= this.flushedAt + LAZY_FLUSH_MS) {
      this.flushedAt = nowMs;
      for (const [name, s] of this.core.state.users) this.flushedLogLength.set(name, s.log.length);
    }
    if (space === undefined) return;
    for (const item of request.items) {
      if (this.bugs.includes('no-dedup')) space.results.delete(item.queueId);
      const key = entityKey(item.entityType, item.entityId);
      if (this.bugs.includes('resurrect-tombstones') && space.entities.get(key)?.deleted === true) space.entities.delete(key);
    }
  }

  /**
   * Refuse some items one by one while the rest of the batch goes to the core: for good, as a
   * permission change would (forbidden), or for now, as a row lock that timed out would (busy,
   * retryable). An item is refused before the core sees it, so a replay of an applied one may be
   * told busy too; its next try is answered from the idempotency table.
   */
  private pushWithRefusals(user: string, request: PushRequest, nowMs: number): { reply: Reply<unknown>; applied: readonly AppliedChange[] } {
    const f = this.faults;
    const refused = new Map<string, PushItemResult>();
    for (const item of request.items) {
      if (f.rejectPerMille > 0 && this.rng.chance(f.rejectPerMille)) {
        refused.set(item.queueId, { queueId: item.queueId, status: 'error', code: 'forbidden', retryable: false, message: `no permission to write ${item.entityType} ${item.entityId}` });
      } else if (f.busyPerMille > 0 && this.rng.chance(f.busyPerMille)) {
        refused.set(item.queueId, { queueId: item.queueId, status: 'error', code: 'busy', retryable: true, message: `${item.entityType} ${item.entityId} is locked by another write; try again` });
      }
    }
    const accepted = request.items.filter((item) => !refused.has(item.queueId));
    const outcome = this.core.push(user, { ...request, items: accepted }, nowMs);
    if (outcome.reply.status !== 200) return outcome;
    const results = new Map((outcome.reply.body as PushResponse).results.map((r) => [r.queueId, r]));
    const merged = request.items.map((item) => results.get(item.queueId) ?? refused.get(item.queueId)!);
    return { reply: { status: 200, body: { epoch: this.core.epoch, results: merged } }, applied: outcome.applied };
  }

  /** Highest change sequence in a user's log (what a caught-up client's cursor reaches). */
  lastSeqOf(user: string): number {
    const log = this.core.state.users.get(user)?.log;
    return log === undefined || log.length === 0 ? 0 : log[log.length - 1]!.seq;
  }

  /**
   * A copy of the durable state. Log entries are immutable, so copying the logs and rebuilding
   * the indexes is enough (and, unlike a JSON round trip, accepts what a buggy variant wrote).
   */
  snapshot(): ServerState {
    const state = this.core.state;
    const users = new Map([...state.users].map(([user, space]) => [user, spaceFromLog(space.log.slice())]));
    return { epoch: state.epoch, seq: state.seq, tokenCount: state.tokenCount, tokens: new Map(state.tokens), users };
  }

  /** Restore an older snapshot under a new epoch (a backup restore). */
  rollback(snapshot: ServerState): void {
    this.epochCount++;
    // The snapshot is this server's own private copy (snapshot()), restored once: no second copy needed.
    snapshot.epoch = `e${this.epochCount}`;
    this.replaceCore(snapshot);
  }

  /** A fresh instance over the same durable state. */
  failover(): void {
    this.replaceCore(this.core.state);
  }

  crash(): void {
    this.up = false;
    this.instance++;
    if (this.bugs.includes('ack-before-durable')) this.loseUnflushedWrites();
  }

  /** What was acked but not flushed is gone after the crash, and the epoch stays: a silent loss. */
  private loseUnflushedWrites(): void {
    const users = this.core.state.users;
    for (const [user, space] of [...users]) {
      const kept = this.flushedLogLength.get(user) ?? 0;
      if (kept < space.log.length) users.set(user, spaceFromLog(space.log.slice(0, kept)));
    }
  }

  restart(): void {
    this.up = true;
  }

  /** Every issued token expires now. */
  expireTokens(nowMs: number): void {
    const tokens = this.core.state.tokens;
    for (const [token, record] of tokens) tokens.set(token, { ...record, expiresAt: Math.min(record.expiresAt, nowMs) });
  }

  private replaceCore(state: ServerState): void {
    this.core = new ServerCore(state, this.core.options);
    this.instance++;
  }
}

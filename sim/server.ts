// The in-process server of the simulation: server-mock/core behind the simulated network,
// with the server faults of DESIGN §5. Commits are synchronous, so the core's state is the
// durable state; a crash loses only what is in flight, a rollback restores an older snapshot.

import type { PullQuery, PushRequest, PullResponse, PushResponse } from '../engine/protocol.ts';
import type { TransportOutcome } from '../engine/ports.ts';
import { ServerCore, cloneServerState, restoreServerState, type ServerState, type AppliedChange, type Reply } from '../server-mock/core/index.ts';
import type { Rng } from './rng.ts';

export interface ServerFaultState {
  errorPerMille: number;
  /** Items refused with a permanent item error (forbidden). */
  rejectPerMille: number;
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
  readonly faults: ServerFaultState = { errorPerMille: 0, rejectPerMille: 0, retryAfterMs: null, itemsMax413: null, commitThenFailPerMille: 0, slowMs: 0 };

  constructor(
    private readonly rng: Rng,
    tokenRandom: Rng,
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
    const auth = this.core.authenticate(`Bearer ${token}`, nowMs);
    if (!auth.ok) return { outcome: outcomeOf(auth.reply), applied: [], delayMs: f.slowMs, detail: '401' };
    if (f.retryAfterMs !== null) {
      return { outcome: { kind: 'http', status: 429, retryAfterMs: f.retryAfterMs, body: null }, applied: [], delayMs: f.slowMs, detail: '429' };
    }
    if (f.errorPerMille > 0 && this.rng.chance(f.errorPerMille)) {
      return { outcome: { kind: 'http', status: 503, retryAfterMs: null, body: null }, applied: [], delayMs: f.slowMs, detail: '503' };
    }
    if (f.itemsMax413 !== null && request.items.length > f.itemsMax413) {
      return { outcome: { kind: 'http', status: 413, retryAfterMs: null, body: null }, applied: [], delayMs: f.slowMs, detail: '413' };
    }
    const { reply, applied } = f.rejectPerMille > 0 ? this.pushWithRejections(auth.user, request, nowMs) : this.core.push(auth.user, request, nowMs);
    if (f.commitThenFailPerMille > 0 && this.rng.chance(f.commitThenFailPerMille)) {
      return { outcome: { kind: 'http', status: 500, retryAfterMs: null, body: null }, applied, delayMs: f.slowMs, detail: 'commit-then-fail' };
    }
    return { outcome: outcomeOf(reply), applied, delayMs: f.slowMs, detail: String(reply.status) };
  }

  pull(token: string, query: PullQuery, nowMs: number): ServerAnswer<PullResponse> {
    const f = this.faults;
    const auth = this.core.authenticate(`Bearer ${token}`, nowMs);
    if (!auth.ok) return { outcome: outcomeOf(auth.reply), applied: [], delayMs: f.slowMs, detail: '401' };
    if (f.retryAfterMs !== null) {
      return { outcome: { kind: 'http', status: 429, retryAfterMs: f.retryAfterMs, body: null }, applied: [], delayMs: f.slowMs, detail: '429' };
    }
    if (f.errorPerMille > 0 && this.rng.chance(f.errorPerMille)) {
      return { outcome: { kind: 'http', status: 503, retryAfterMs: null, body: null }, applied: [], delayMs: f.slowMs, detail: '503' };
    }
    return { outcome: outcomeOf(this.core.pull(auth.user, query, nowMs)), applied: [], delayMs: f.slowMs, detail: '200' };
  }

  /** Refuse some items for good (as a permission change would); the rest go to the core. */
  private pushWithRejections(user: string, request: PushRequest, nowMs: number): { reply: Reply<unknown>; applied: readonly AppliedChange[] } {
    const rejected = new Set<string>();
    for (const item of request.items) if (this.rng.chance(this.faults.rejectPerMille)) rejected.add(item.queueId);
    const accepted = request.items.filter((item) => !rejected.has(item.queueId));
    const outcome = this.core.push(user, { ...request, items: accepted }, nowMs);
    if (outcome.reply.status !== 200) return outcome;
    const results = new Map((outcome.reply.body as PushResponse).results.map((r) => [r.queueId, r]));
    const merged = request.items.map(
      (item) => results.get(item.queueId) ?? { queueId: item.queueId, status: 'error' as const, code: 'forbidden', retryable: false, message: `no permission to write ${item.entityType} ${item.entityId}` },
    );
    return { reply: { status: 200, body: { epoch: this.core.epoch, results: merged } }, applied: outcome.applied };
  }

  /** Highest change sequence in a user's log (what a caught-up client's cursor reaches). */
  lastSeqOf(user: string): number {
    const log = this.core.state.users.get(user)?.log;
    return log === undefined || log.length === 0 ? 0 : log[log.length - 1]!.seq;
  }

  snapshot(): ServerState {
    return cloneServerState(this.core.state);
  }

  /** Restore an older snapshot under a new epoch (a backup restore). */
  rollback(snapshot: ServerState): void {
    this.epochCount++;
    this.replaceCore(restoreServerState(snapshot, `e${this.epochCount}`));
  }

  /** A fresh instance over the same durable state. */
  failover(): void {
    this.replaceCore(this.core.state);
  }

  crash(): void {
    this.up = false;
    this.instance++;
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

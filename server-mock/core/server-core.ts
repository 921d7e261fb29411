// ServerCore: the server side of the wire protocol (DESIGN §3, versions in engine/protocol.ts),
// pure and synchronous over a ServerState. Time arrives as nowMs, randomness through
// options.random; no I/O. The simulator calls it in-process; the express server wraps it; the
// lowdb store persists `state`.
//
// Idempotency: only ok results are stored (keyed by (user, queueId), derived from the log).
// A replayed queueId with a stored ok gets that result plus `replayed: true` and changes
// nothing, whatever the replayed item now says. Conflicts and invalid_item errors are NOT
// stored: a client resolves a conflict and re-sends the same queueId with a new baseRevision,
// which must be evaluated afresh; an invalid item evaluates the same way every time anyway.
// Within one push, a repeated queueId gets the first occurrence's result (ok as a replay).
//
// Versions: every push and pull first passes the version gate (version.ts); a refused one is a
// 426 that touches nothing. Versions 1 and 2 are applied by the same rules (see protocol.ts),
// so clients of both can work on one entity at once. The accepted range can change while the
// server runs (setProtocolVersions), as a rollout raises its minimum.

import type { ErrorBody, ProtocolVersionRange, PullResponse, PushItemResult, PushResponse, TokenResponse } from '../../engine/protocol.ts';
import { applyItem, type AppliedChange } from './apply.ts';
import { checkEnvelope, checkItem, type RawItem } from './check.ts';
import { buildServerCoreOptions, checkProtocolVersionRange, type ServerCoreOptions, type ServerCoreOptionsInput } from './options.ts';
import { checkPullQuery, pullPage } from './pull.ts';
import { checkProtocolVersion } from './version.ts';
import type { Reply } from './reply.ts';
import { freshServerState, type ServerEntity, type ServerState } from './state.ts';
import { authenticate, authenticateToken, issueToken, pruneTokens, refreshToken, type AuthResult } from './tokens.ts';
import { assert, isName, isPlainObject } from './values.ts';

const TOKEN_PRUNE_SIZE_MIN = 1024;
const NO_ENTITIES: ReadonlyMap<string, ServerEntity> = new Map();

export interface PushOutcome {
  readonly reply: Reply<PushResponse | ErrorBody>;
  /** Changes this call applied, in order; empty for replays, conflicts, errors and 4xx. */
  readonly applied: AppliedChange[];
}

function asReplay(result: PushItemResult): PushItemResult {
  return result.status === 'ok' && result.replayed !== true ? { ...result, replayed: true } : result;
}

function invalidItem(queueId: string, message: string): PushItemResult {
  return { queueId, status: 'error', code: 'invalid_item', retryable: false, message };
}

// Caller bugs, so they throw (STYLE §3). Plain ifs: the message is built only on failure.
function assertTime(nowMs: number): void {
  if (!Number.isFinite(nowMs)) throw new Error(`assertion failed: nowMs should be a finite number, got ${String(nowMs)}`);
}

function assertUser(user: string): void {
  if (!isName(user)) throw new Error(`assertion failed: user should be a non-empty string, got ${String(user)}`);
}

/** A pull's query as it arrives: values unchecked (URL strings or numbers). */
export interface PullQueryInput {
  readonly cursor: unknown;
  readonly limit: unknown;
  /** Absent means protocol 1. */
  readonly protocolVersion?: unknown;
}

export class ServerCore {
  #options: ServerCoreOptions;
  #state: ServerState;
  /** Token map size at which to drop dead tokens next (doubles, so pruning is amortized O(1)). */
  #tokenPruneAt = TOKEN_PRUNE_SIZE_MIN;

  constructor(state: ServerState, options: ServerCoreOptionsInput) {
    assert(isName(state.epoch), `state.epoch should be a non-empty string, got ${String(state.epoch)}`);
    this.#options = buildServerCoreOptions(options);
    this.#state = state;
  }

  get options(): ServerCoreOptions {
    return this.#options;
  }

  /**
   * Change the accepted protocol versions from the next request on (a rollout step). Requests
   * already answered stay answered; the state is untouched. Throws on a bad range, naming it.
   */
  setProtocolVersions(range: ProtocolVersionRange): void {
    this.#options = Object.freeze({ ...this.#options, protocolVersions: checkProtocolVersionRange(range) });
  }

  static fresh(options: ServerCoreOptionsInput, epoch = 'e1'): ServerCore {
    return new ServerCore(freshServerState(epoch), options);
  }

  get epoch(): string {
    return this.#state.epoch;
  }

  /** The live state (not a copy): persist it, snapshot it with cloneServerState. */
  get state(): ServerState {
    return this.#state;
  }

  issueToken(body: unknown, nowMs: number): Reply<TokenResponse | ErrorBody> {
    assertTime(nowMs);
    const tokens = this.#state.tokens;
    if (tokens.size >= this.#tokenPruneAt) {
      pruneTokens(this.#state, this.options, nowMs);
      this.#tokenPruneAt = Math.max(TOKEN_PRUNE_SIZE_MIN, 2 * tokens.size);
    }
    return issueToken(this.#state, this.options, body, nowMs);
  }

  refreshToken(authorization: string | undefined, nowMs: number): Reply<TokenResponse | ErrorBody> {
    assertTime(nowMs);
    return refreshToken(this.#state, this.options, authorization, nowMs);
  }

  authenticate(authorization: string | undefined, nowMs: number): AuthResult {
    assertTime(nowMs);
    return authenticate(this.#state, authorization, nowMs);
  }

  /** authenticate for an in-process caller that holds the bare token. */
  authenticateToken(token: string, nowMs: number): AuthResult {
    assertTime(nowMs);
    return authenticateToken(this.#state, token, nowMs);
  }

  /** `user` comes from authenticate. Items are independent: one's conflict or error stops no other. */
  push(user: string, body: unknown, nowMs: number): PushOutcome {
    assertTime(nowMs);
    assertUser(user);
    // The version before the envelope: another version's envelope may look different.
    if (isPlainObject(body)) {
      const version = checkProtocolVersion(body['protocolVersion'], this.#options.protocolVersions, 'protocolVersion');
      if (!version.ok) return { reply: withServerTime(version.reply, nowMs), applied: [] };
    }
    const envelope = checkEnvelope(body, this.#options.batchItemsMax);
    if (!envelope.ok) return { reply: envelope.reply, applied: [] };
    const results: PushItemResult[] = [];
    const applied: AppliedChange[] = [];
    // An item repeated within the request is a replay of its first result (one item cannot repeat: no Map).
    const firstResults = envelope.items.length > 1 ? new Map<string, PushItemResult>() : null;
    for (let index = 0; index < envelope.items.length; index++) {
      const item = envelope.items[index] as RawItem;
      const first = firstResults?.get(item.queueId);
      if (first !== undefined) {
        results.push(asReplay(first));
        continue;
      }
      const result = this.#pushItem(user, envelope.clientId, item, index, nowMs, applied);
      firstResults?.set(item.queueId, result);
      results.push(result);
    }
    return { reply: { status: 200, body: { epoch: this.#state.epoch, results } }, applied };
  }

  #pushItem(user: string, clientId: string, raw: RawItem, index: number, nowMs: number, applied: AppliedChange[]): PushItemResult {
    // The idempotency key wins over the content: a stored queueId is a replay, even if altered.
    const stored = this.#state.users.get(user)?.results.get(raw.queueId);
    if (stored !== undefined) return asReplay(stored);
    const item = checkItem(raw, index);
    if (typeof item === 'string') return invalidItem(raw.queueId, item);
    const outcome = applyItem(this.#state, user, clientId, item, nowMs);
    if (outcome.applied !== null) applied.push(outcome.applied);
    return outcome.result;
  }

  /**
   * `versionField` names the version in a 400 or 426 (the HTTP layer passes its query
   * parameter `v`); a string version is read as a URL parameter.
   */
  pull(user: string, query: PullQueryInput, nowMs: number, versionField = 'protocolVersion'): Reply<PullResponse | ErrorBody> {
    assertTime(nowMs);
    assertUser(user);
    const version = checkProtocolVersion(query.protocolVersion, this.#options.protocolVersions, versionField, true);
    if (!version.ok) return withServerTime(version.reply, nowMs);
    const checked = checkPullQuery(query);
    if (!checked.ok) return checked.reply;
    const limit = Math.min(checked.limit, this.#options.pullLimitMax);
    return { status: 200, body: pullPage(this.#state.users.get(user), this.#state.epoch, checked.cursor, limit, nowMs) };
  }

  /** Final state of a user's entities (tombstones included), keyed by entityKey(type, id). */
  entities(user: string): ReadonlyMap<string, ServerEntity> {
    return this.#state.users.get(user)?.entities ?? NO_ENTITIES;
  }

  /** Changes in the state: one log entry per applied change, across users. */
  appliedCount(): number {
    let count = 0;
    for (const space of this.#state.users.values()) count += space.log.length;
    return count;
  }
}

/** A refused version's answer carries the server's clock, as a successful pull does (ErrorBody.serverTime). */
function withServerTime(reply: Reply<ErrorBody>, nowMs: number): Reply<ErrorBody> {
  return reply.status === 426 ? { ...reply, body: { ...reply.body, serverTime: nowMs } } : reply;
}

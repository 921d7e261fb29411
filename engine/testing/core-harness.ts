// CoreHarness: drives one SyncCore by hand for unit tests. It owns the client clock, the
// committed store (commit effects applied in order, so `crash()` rebuilds a core from exactly
// what was durable), the armed timers, and the push/pull request in flight for a test to answer.
// Also small builders for server answers. Test-only: nothing in the engine imports this file.

import { buildEngineOptions, type EngineOptions } from '../options.ts';
import { emptySnapshot, type BoxName, type QueueItem, type StoreSnapshot, type WriteOp } from '../model.ts';
import type { Action, Change, Fields, PullResponse, PushItem, PushItemResult, PushRequest, PushResponse, ServerEntityState } from '../protocol.ts';
import type { TransportOutcome } from '../ports.ts';
import type { SyncEvent } from '../events.ts';
import { SyncCore } from '../core/sync-core.ts';
import type { CoreEffect, CoreInput, OpReply, TimerName } from '../core/types.ts';
import { CORRECT_VARIANT, type CoreVariant } from '../core/variant.ts';
import { seededRandom } from '../adapters/seeded-random.ts';

/** An input without its clock reading: the harness stamps it. */
export type HarnessInput = CoreInput extends infer I ? (I extends { now: number } ? Omit<I, 'now'> : never) : never;

export type PushEffect = Extract<CoreEffect, { type: 'push' }>;
export type PullEffect = Extract<CoreEffect, { type: 'pull' }>;

export interface HarnessSetup {
  readonly now?: number;
  readonly online?: boolean;
  readonly seed?: number;
  readonly snapshot?: StoreSnapshot;
  /** A broken variant from the bug zoo, to check that a test catches it. */
  readonly variant?: CoreVariant;
  /** Give the core a monotonic clock too (as the real adapter does), so it notices a stepClock at once. */
  readonly monotonic?: boolean;
}

/** Defaults that keep tests short: no background interval, a 1 s backoff base. */
export const HARNESS_OPTIONS: Partial<EngineOptions> = { syncIntervalMs: 0, backoffBaseMs: 1000, backoffCapMs: 60_000 };

export const EPOCH = 'E1';
const STEPS_PER_ADVANCE_MAX = 10_000;

type Boxes = { [B in BoxName]: Map<string, unknown> };

export class CoreHarness {
  readonly options: EngineOptions;
  now: number;
  core: SyncCore;
  /** What is durable: every commit effect applied so far. */
  readonly store: Boxes;
  /** Every effect since the harness was made, in order (across crashes). */
  readonly log: CoreEffect[] = [];
  /** Armed timers: due time on the client clock. */
  readonly timers = new Map<TimerName, number>();
  /** The push the core waits on (cleared when answered, or when the core gave it up). */
  push: PushEffect | null = null;
  pull: PullEffect | null = null;
  private readonly seed: number;
  private readonly variant: CoreVariant;
  private opIdNext = 1;
  /** Client clock minus the monotonic clock (null: no monotonic clock); only stepClock changes it. */
  private wallMinusMonotonicMs: number | null;

  constructor(options: Partial<EngineOptions> = {}, setup: HarnessSetup = {}) {
    this.options = buildEngineOptions({ clientId: 'me', ...HARNESS_OPTIONS, ...options });
    this.now = setup.now ?? 1_000_000;
    this.seed = setup.seed ?? 1;
    this.variant = setup.variant ?? CORRECT_VARIANT;
    this.wallMinusMonotonicMs = setup.monotonic === true ? this.now : null;
    this.store = copyBoxes(setup.snapshot ?? emptySnapshot());
    this.core = this.build();
  }

  /** A harness whose core has started (online unless told otherwise). */
  static started(options: Partial<EngineOptions> = {}, setup: HarnessSetup = {}): CoreHarness {
    const harness = new CoreHarness(options, setup);
    harness.step({ type: 'start', online: setup.online ?? true });
    return harness;
  }

  /**
   * Feed one input at the current time. With `keepCommits`, only that many of its commit
   * effects become durable and the process crashes right after (the core is rebuilt, not started).
   */
  step(input: HarnessInput, crash?: { keepCommits: number }): CoreEffect[] {
    const monotonicMs = this.wallMinusMonotonicMs === null ? undefined : this.now - this.wallMinusMonotonicMs;
    const effects = this.core.step({ ...input, now: this.now } as CoreInput, monotonicMs);
    this.log.push(...effects);
    let commits = 0;
    for (const effect of effects) {
      if (effect.type === 'commit' && (crash === undefined || commits++ < crash.keepCommits)) this.apply(effect.ops);
      if (crash !== undefined) continue;
      if (effect.type === 'arm') this.timers.set(effect.timer, this.now + effect.delayMs);
      else if (effect.type === 'disarm') this.timers.delete(effect.timer);
      else if (effect.type === 'push') this.push = effect;
      else if (effect.type === 'pull') this.pull = effect;
    }
    if (crash !== undefined) this.crash();
    else if (this.core.status().inFlight === 0) this.push = null;
    return effects;
  }

  write(action: Action, entityId: string, fields: Fields = {}, entityType = 'todo'): CoreEffect[] {
    return this.step({ type: 'write', opId: this.opIdNext++, action, entityType, entityId, fields });
  }

  /** The reply a write or resolution got in `effects`. */
  static reply(effects: readonly CoreEffect[]): OpReply {
    const reply = effects.find((e) => e.type === 'reply');
    if (reply === undefined) throw new Error('no reply among the effects');
    return reply.reply;
  }

  resolve(conflictId: string, resolution: Extract<HarnessInput, { type: 'resolve-conflict' }>['resolution']): CoreEffect[] {
    return this.step({ type: 'resolve-conflict', opId: this.opIdNext++, conflictId, resolution });
  }

  /** Answer the push in flight. */
  answerPush(outcome: TransportOutcome<PushResponse>): CoreEffect[] {
    const push = this.push;
    if (push === null) throw new Error('no push in flight to answer');
    this.push = null;
    return this.step({ type: 'push-result', requestId: push.requestId, outcome });
  }

  answerPull(outcome: TransportOutcome<PullResponse>): CoreEffect[] {
    const pull = this.pull;
    if (pull === null) throw new Error('no pull in flight to answer');
    this.pull = null;
    return this.step({ type: 'pull-result', requestId: pull.requestId, outcome });
  }

  /** Answer the pull in flight, if any, with an empty page at its own cursor. */
  answerPullEmpty(epoch = EPOCH): CoreEffect[] {
    if (this.pull === null) return [];
    return this.answerPull(ok(pullPage([], this.pull.query.cursor, { epoch })));
  }

  /** Move the clock forward, firing due timers in due order at their due time. */
  advance(ms: number): CoreEffect[] {
    const until = this.now + ms;
    const effects: CoreEffect[] = [];
    for (let steps = 0; ; steps++) {
      if (steps > STEPS_PER_ADVANCE_MAX) throw new Error(`advance: more than ${STEPS_PER_ADVANCE_MAX} timer firings (a timer loop?)`);
      const due = this.nextDue(until);
      if (due === null) break;
      this.now = Math.max(this.now, due.at);
      effects.push(...this.fire(due.timer));
    }
    this.now = until;
    return effects;
  }

  /**
   * Step the client's clock by deltaMs (no input: the core sees it with its next one). Armed
   * timers measure elapsed time, so they still fire after the same wait.
   */
  stepClock(deltaMs: number): void {
    this.now += deltaMs;
    if (this.wallMinusMonotonicMs !== null) this.wallMinusMonotonicMs += deltaMs;
    for (const [timer, due] of this.timers) this.timers.set(timer, due + deltaMs);
  }

  /** Fire one armed timer now (the clock is not moved). */
  fire(timer: TimerName): CoreEffect[] {
    this.timers.delete(timer);
    if (timer === 'pull-timeout') this.pull = null;
    return this.step({ type: 'timer', timer });
  }

  /** Lose every volatile state: a new core over what was committed (not started yet). */
  crash(): void {
    this.timers.clear();
    this.push = null;
    this.pull = null;
    this.core = this.build();
  }

  /** Crash, then start the new core. */
  restart(online = true): CoreEffect[] {
    this.crash();
    return this.step({ type: 'start', online });
  }

  /** The queue as the core holds it, in queue order. */
  queue(): QueueItem[] {
    return [...this.core.queueItems()];
  }

  snapshot(): StoreSnapshot {
    return copyBoxes(this.store);
  }

  private nextDue(until: number): { timer: TimerName; at: number } | null {
    let best: { timer: TimerName; at: number } | null = null;
    for (const [timer, at] of this.timers) if (at <= until && (best === null || at < best.at)) best = { timer, at };
    return best;
  }

  private apply(ops: readonly WriteOp[]): void {
    for (const op of ops) {
      if (op.value === undefined) this.store[op.box].delete(op.key);
      else this.store[op.box].set(op.key, op.value);
    }
  }

  private build(): SyncCore {
    return new SyncCore(this.options, copyBoxes(this.store), seededRandom(this.seed), this.variant);
  }
}

function copyBoxes(snapshot: StoreSnapshot): Boxes {
  const boxes = emptySnapshot() as Boxes;
  for (const name of Object.keys(boxes) as BoxName[]) for (const [key, value] of snapshot[name]) boxes[name].set(key, value);
  return boxes;
}

// ---- Picking effects apart ----

export function commitsOf(effects: readonly CoreEffect[]): Extract<CoreEffect, { type: 'commit' }>[] {
  return effects.filter((e): e is Extract<CoreEffect, { type: 'commit' }> => e.type === 'commit');
}

export function pushesOf(effects: readonly CoreEffect[]): PushEffect[] {
  return effects.filter((e): e is PushEffect => e.type === 'push');
}

export function pullsOf(effects: readonly CoreEffect[]): PullEffect[] {
  return effects.filter((e): e is PullEffect => e.type === 'pull');
}

/** Every event the effects report: those travelling with commits and those standing alone. */
export function eventsOf(effects: readonly CoreEffect[]): SyncEvent[] {
  return effects.flatMap((e) => (e.type === 'commit' ? e.events : e.type === 'event' ? [e.event] : []));
}

export function eventsOfType<T extends SyncEvent['type']>(effects: readonly CoreEffect[], type: T): Extract<SyncEvent, { type: T }>[] {
  return eventsOf(effects).filter((e): e is Extract<SyncEvent, { type: T }> => e.type === type);
}

// ---- Building server answers ----

export function ok<T>(body: T): TransportOutcome<T> {
  return { kind: 'ok', body };
}

export function http(status: number, retryAfterMs: number | null = null): TransportOutcome<never> {
  return { kind: 'http', status, retryAfterMs, body: null };
}

export const timedOut: TransportOutcome<never> = { kind: 'unknown', reason: 'timeout' };
export const unsent: TransportOutcome<never> = { kind: 'unsent', reason: 'offline' };

export function acked(item: PushItem, revision: number, serverTime = 0): PushItemResult {
  return { queueId: item.queueId, status: 'ok', revision, serverTime };
}

export function conflicted(item: PushItem, server: ServerEntityState): PushItemResult {
  return { queueId: item.queueId, status: 'conflict', server };
}

export function failed(item: PushItem, code: string, retryable: boolean): PushItemResult {
  return { queueId: item.queueId, status: 'error', code, retryable, message: `${code} (test)` };
}

export function pushAnswer(results: readonly PushItemResult[], epoch = EPOCH): TransportOutcome<PushResponse> {
  return ok({ epoch, results });
}

/** Every item of `request` acked, item i at `revisionOf(item)`. */
export function ackAll(request: PushRequest, revisionOf: (item: PushItem) => number = () => 1, epoch = EPOCH): TransportOutcome<PushResponse> {
  return pushAnswer(request.items.map((item) => acked(item, revisionOf(item))), epoch);
}

export function serverState(revision: number, fields: Fields, extra: Partial<ServerEntityState> = {}): ServerEntityState {
  return { revision, deleted: false, fields, updatedAt: 0, ...extra };
}

export function change(entityId: string, revision: number, fields: Fields, extra: Partial<Change> = {}): Change {
  return { entityType: 'todo', entityId, revision, deleted: false, fields, updatedAt: 0, origin: { clientId: 'other', queueId: `other:${entityId}:${revision}` }, ...extra };
}

export function pullPage(changes: readonly Change[], cursor: number, page: { epoch?: string; hasMore?: boolean } = {}): PullResponse {
  return { epoch: page.epoch ?? EPOCH, changes, cursor, hasMore: page.hasMore ?? false };
}

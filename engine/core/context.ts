// What the core's handlers share: options, the image, the effect buffer, volatile state
// (lost on a crash by design) and the variant hooks. Also the helpers every handler uses.

import type { Change, Fields, ProtocolVersionRange, ServerEntityState } from '../protocol.ts';
import { entityKey } from '../protocol.ts';
import type { EngineOptions } from '../options.ts';
import type { RandomPort } from '../ports.ts';
import { itemWith, type EntityRecord, type QueueItem } from '../model.ts';
import type { SyncEvent } from '../events.ts';
import { perTimer, TIMER_NAMES, type CoreEffect, type OpReply, type PerTimer, type TimerName } from './types.ts';
import type { CoreVariant } from './variant.ts';
import { Image } from './image.ts';
import { viewOf } from './view.ts';
import { hlcReceive, hlcTick, decodeStamp, encodeStamp } from '../policy/hlc.ts';

export class Effects {
  list: CoreEffect[] = [];
  /** Events wait for the next commit and travel with it: an event describes a change only once it is durable. */
  private events: SyncEvent[] = [];
  /** Client-clock time of the input being handled. */
  now = 0;
  /** When each armed timer should fire, on the client's clock (to notice clock steps); null when not armed. */
  readonly dueAt: PerTimer<number | null> = perTimer(null);

  constructor(
    private readonly image: Image,
    /** Guard every commit with the store head (false only for the zoo's unguardedCommits). */
    private readonly guarded: boolean,
  ) {}

  /** Close the current transaction: emit a commit of every write since the last one. */
  commit(): void {
    const image = this.image;
    if (!image.hasWrites) {
      this.flushEvents();
      return;
    }
    const head = this.guarded ? image.head : undefined;
    if (this.guarded) image.advanceHead();
    this.list.push({ type: 'commit', ops: image.takeTx(), events: this.events, head });
    this.events = [];
  }
  event(event: SyncEvent): void {
    this.events.push(event);
  }
  /** Events of no commit (a request sent, an empty pull) stand on their own. */
  private flushEvents(): void {
    if (this.events.length === 0) return;
    for (const event of this.events) this.list.push({ type: 'event', event });
    this.events = [];
  }
  reply(opId: number, reply: OpReply): void {
    this.list.push({ type: 'reply', opId, reply });
  }
  arm(timer: TimerName, delayMs: number): void {
    const delay = Math.max(0, Math.ceil(delayMs));
    this.dueAt[timer] = this.now + delay;
    this.list.push({ type: 'arm', timer, delayMs: delay });
  }
  disarm(timer: TimerName): void {
    this.dueAt[timer] = null;
    this.list.push({ type: 'disarm', timer });
  }
  take(): CoreEffect[] {
    this.flushEvents();
    const list = this.list;
    this.list = [];
    return list;
  }
}

export interface PushInFlight {
  readonly requestId: number;
  readonly queueIds: readonly string[];
  /** Client-clock time the request left (for the skew estimate). */
  readonly sentAt: number;
}

export interface Volatile {
  online: boolean;
  push: PushInFlight | null;
  pullRequestId: number | null;
  pullSentAt: number;
  /** Client-clock time before which no pull goes out (a 429's Retry-After). */
  pullNotBefore: number;
  /** Client-clock time before which no push goes out (a 429's Retry-After holds every item, not only the batch). */
  pushNotBefore: number;
  requestIdNext: number;
  /** Shrinks after 413 or a whole-request 4xx to isolate the item at fault; grows back on success. */
  batchItemsCap: number;
  tokenRefreshing: boolean;
  /** Client-clock time the retry timer is armed for, to avoid re-arming it on every step. */
  retryArmedAt: number | null;
  pullFailures: number;
  successes: number;
  failures: number;
  conflicts: number;
  lastSyncAt: number | null;
  /**
   * While repairing after a rollback: the restored server's state, gathered page by page, and the
   * acks answered meanwhile whose base must be checked against it (pull.ts deferAck).
   */
  repair: { cursor: number; changes: Map<string, Change>; unverifiedAcks: Map<string, UnverifiedAck> } | null;
  /**
   * A pull has answered since this process started. Until then the stored skew estimate is
   * unchecked: a clock stepped while the app was closed reads like time spent down (no monotonic
   * clock survives a restart), so stamps made on it may be minutes off (rolling-upgrade seed 401856).
   */
  contacted: boolean;
  /**
   * Items waiting out a backoff because a whole request failed (no answer, 5xx, 429): the server
   * or the network was the trouble, not the item, so the next pull answered ok ends the wait
   * (resumeHeld, push.ts). A restarted engine cannot tell why an item waits, so it starts with
   * every queued item but those a 429 held (heldAtStart): its first pull answered ok frees them,
   * once (default seed 7851: after a storage-failure restart an item waited out a backoff of
   * hours, doubled through an outage).
   */
  readonly heldForServer: Set<string>;
  /** Conflicts in a row per item, answered since its last other answer (the conflict re-send's backoff, conflict.ts). */
  readonly conflictStreaks: Map<string, number>;
  /** Item errors in a row per item (busy, no result: the server answered for it), since its last other answer (its retry's backoff, push.ts retryLater). */
  readonly itemErrorStreaks: Map<string, number>;
  /** The HLC as stored when this process started: a stamp above it was made since (restampBeforeContact). */
  readonly openedHlc: { readonly wallMs: number; readonly counter: number };
  /** Set when the server refused our protocol version: no push or pull until a restart (version.ts). */
  upgradeRequired: { readonly at: number; readonly accepted: ProtocolVersionRange | null; readonly message: string } | null;
}

/** An update acked while a repair gathers, on a base revision read in the old epoch. */
export interface UnverifiedAck {
  readonly item: QueueItem;
  readonly baseFields: Fields;
  /** What the ack confirms if the restored state at the base revision is that base. */
  readonly confirmed: ServerEntityState;
}

export interface Ctx {
  readonly options: EngineOptions;
  readonly image: Image;
  readonly fx: Effects;
  readonly random: RandomPort;
  readonly variant: CoreVariant;
  readonly v: Volatile;
}

/**
 * Re-derive an entity's local view from a (new) server state and its pending ops, and store it.
 * `server` undefined keeps the known server state. `key` is the entity's key, when the caller has it.
 */
export function refreshEntity(
  ctx: Ctx,
  entityType: string,
  entityId: string,
  now: number,
  server?: ServerEntityState | null,
  serverOrigin?: EntityRecord['serverOrigin'],
  key = entityKey(entityType, entityId),
): void {
  const prior = ctx.image.entities.get(key);
  const known = server === undefined ? (prior?.server ?? null) : server;
  const view = viewOf(known, ctx.image.itemsOf(key));
  if (!view.exists) {
    if (prior !== undefined) ctx.image.removeEntity(key);
    return;
  }
  const record: EntityRecord = {
    entityType,
    entityId,
    fields: view.fields,
    deleted: view.deleted,
    server: known,
    serverOrigin: serverOrigin === undefined ? (prior?.serverOrigin ?? null) : serverOrigin,
    updatedAt: prior?.updatedAt ?? now,
  };
  ctx.image.putEntityAt(key, record);
}

/** A fresh HLC stamp for a local write (lww-hlc only; null otherwise). */
export function nextStamp(ctx: Ctx, now: number): string | null {
  if (ctx.options.conflictPolicy !== 'lww-hlc') return null;
  const meta = ctx.image.meta;
  const hlc = hlcTick({ wallMs: meta.hlcWallMs, counter: meta.hlcCounter }, now + meta.clockOffsetMs);
  ctx.image.updateMeta({ hlcWallMs: hlc.wallMs, hlcCounter: hlc.counter });
  return encodeStamp(hlc, meta.clientId);
}

/** A remote stamp further ahead of our corrected clock than this is from a bad clock: not adopted. */
export const HLC_MAX_OFFSET_MS = 10_000;

/**
 * Fold an observed stamp into the HLC, so later local writes order after it. Like CockroachDB's
 * max-offset rule, a stamp from too far in the future is not adopted: one bad clock must not
 * drag every client's stamps ahead of true time.
 */
export function observeStamp(ctx: Ctx, stamp: string | undefined, now: number): void {
  if (ctx.options.conflictPolicy !== 'lww-hlc' || stamp === undefined) return;
  const remote = decodeStamp(stamp);
  if (remote === null) return;
  const meta = ctx.image.meta;
  const physical = now + meta.clockOffsetMs;
  if (remote.wallMs > physical + HLC_MAX_OFFSET_MS) return;
  const hlc = hlcReceive({ wallMs: meta.hlcWallMs, counter: meta.hlcCounter }, remote, physical);
  if (hlc.wallMs !== meta.hlcWallMs || hlc.counter !== meta.hlcCounter) ctx.image.updateMeta({ hlcWallMs: hlc.wallMs, hlcCounter: hlc.counter });
}

/**
 * A timer firing further than this from its due time on the client's clock means the clock
 * stepped. A smaller step is taken for elapsed time (and a deadline kept on that clock moves by it).
 */
export const CLOCK_STEP_TOLERANCE_MS = 2_000;

/**
 * Learn the client's skew from a server time (NTP-style: the server answered around the
 * midpoint of the round trip). Used by the skew-safe LWW stamp.
 */
export function observeServerTime(ctx: Ctx, serverTime: number, sentAt: number, now: number): void {
  // A round trip our clock measured as running backward, or as outlasting the request timeout
  // (the request would have been given up), straddled a clock step not noticed yet (a driver
  // with no monotonic clock notices steps only when a timer fires): its midpoint is off by half
  // the step, so it is no sample. The step is taken in full when a timer notices it.
  const roundTripMs = now - sentAt;
  if (roundTripMs < -CLOCK_STEP_TOLERANCE_MS || roundTripMs > ctx.options.requestTimeoutMs + CLOCK_STEP_TOLERANCE_MS) return;
  const offsetMs = Math.round(serverTime - (sentAt + now) / 2);
  // Latency jitter moves the estimate by a few ms every round trip; writing it each time would
  // cost a commit per pull for nothing the LWW stamp needs.
  if (Math.abs(offsetMs - ctx.image.meta.clockOffsetMs) < OFFSET_NOISE_MS) return;
  if (!ctx.v.contacted) restampBeforeContact(ctx, offsetMs);
  correctClockOffset(ctx, offsetMs, now);
}

/**
 * Before the first contact the skew is unknown, so every stamp so far came from the raw client
 * clock (a client minutes ahead would win LWW against later writes, one behind would lose to
 * earlier ones). No stamp has left yet (maybePush waits for the first contact under lww-hlc), so
 * re-derive them on the corrected clock: the HLC runs again over the unsent ops in the order it
 * stamped them, so our own writes keep their order and later writes still sort after them.
 * Each op's reading is its stamp moved by the correction (a clock step noticed before the
 * contact is already folded into the stamps made after it); a stamp floored at 0, from a clock
 * that read before 0, has lost its reading, so that one is taken from the write time.
 * After a restart (an epoch known: contact made by an earlier process) only the stamps made
 * since the start are in doubt: those before were made on an estimate then checked, so the HLC
 * runs again from where it stood at the start, over the unsent ops stamped above it.
 */
function restampBeforeContact(ctx: Ctx, offsetMs: number): void {
  // offsetMs is the new estimate; the stamps were made on the stored one.
  if (ctx.options.conflictPolicy !== 'lww-hlc') return;
  const { image } = ctx;
  const meta = image.meta;
  const deltaMs = offsetMs - meta.clockOffsetMs;
  const since = meta.epoch === null ? null : ctx.v.openedHlc;
  const sinceStamp = since === null ? null : encodeStamp(since, meta.clientId);
  // With no epoch stored, no process ever made contact, so no item ever left: a restart marks
  // every item sent (image.ts) only because it cannot tell (rolling-upgrade seed 2000980: a
  // contact whose commit failed left the raw stamps for good, and a write made 80 s later lost
  // to one 3 min fast).
  const unsent = [...image.queue.values()].filter((item) => (since === null || !item.sent) && item.stamp !== null && decodeStamp(item.stamp) !== null && (sinceStamp === null || item.stamp > sinceStamp));
  if (since !== null && unsent.length === 0) return;
  unsent.sort((a, b) => (a.stamp! < b.stamp! ? -1 : a.stamp! > b.stamp! ? 1 : 0));
  let hlc = since ?? { wallMs: 0, counter: 0 };
  for (const item of unsent) {
    const old = decodeStamp(item.stamp!)!;
    hlc = hlcTick(hlc, old.wallMs > 0 ? old.wallMs + deltaMs : item.createdAt + offsetMs);
    image.putItem(itemWith(item, { stamp: encodeStamp(hlc, meta.clientId) }));
  }
  const shifted = since ?? { wallMs: meta.hlcWallMs > 0 ? meta.hlcWallMs + deltaMs : 0, counter: meta.hlcCounter };
  const next = hlc.wallMs > shifted.wallMs || (hlc.wallMs === shifted.wallMs && hlc.counter > shifted.counter) ? hlc : shifted;
  image.updateMeta({ hlcWallMs: Math.max(0, next.wallMs), hlcCounter: next.counter });
}

/** Skew estimates closer than this to the current one are noise, not news. */
const OFFSET_NOISE_MS = 250;

/**
 * Adopt a new skew estimate. If stamps were issued from a reading that turned out to be far
 * ahead (a clock step not noticed yet), the HLC's wall is pulled back to the corrected time:
 * otherwise every later write would carry that future time until true time caught up.
 */
export function correctClockOffset(ctx: Ctx, offsetMs: number, now: number): void {
  const meta = ctx.image.meta;
  if (offsetMs === meta.clockOffsetMs) return;
  const physical = now + offsetMs;
  const pullBack = meta.hlcWallMs > physical + HLC_MAX_OFFSET_MS;
  ctx.image.updateMeta(pullBack ? { clockOffsetMs: offsetMs, hlcWallMs: physical, hlcCounter: 0 } : { clockOffsetMs: offsetMs });
}

/**
 * The client's clock jumped by `jumpMs`: every reading kept on that clock moves with it. Deadlines,
 * so a backoff still waits what it waited (a backward step of hours must not hold the queue for
 * hours); and the send times of the requests in flight, so the skew sample their answers give
 * (observeServerTime) is taken on one clock: a round trip straddling the step would otherwise put
 * the midpoint half a step off and undo the correction just made.
 */
export function shiftClockReadings(ctx: Ctx, jumpMs: number): void {
  const { image, v, fx } = ctx;
  v.pullSentAt += jumpMs;
  if (v.push !== null) v.push = { ...v.push, sentAt: v.push.sentAt + jumpMs };
  for (const item of [...image.queue.values()]) image.putItem(itemWith(item, { nextAttemptAt: item.nextAttemptAt + jumpMs }));
  v.pullNotBefore += jumpMs;
  v.pushNotBefore += jumpMs;
  v.retryArmedAt = null;
  for (const timer of TIMER_NAMES) {
    const due = fx.dueAt[timer];
    if (due !== null) fx.dueAt[timer] = due + jumpMs;
  }
}

export function nextRequestId(ctx: Ctx): number {
  return ctx.v.requestIdNext++;
}

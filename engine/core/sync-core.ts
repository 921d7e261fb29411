// SyncCore: the sans-I/O sync engine. One `step(input)` owns the control flow: it takes an
// input stamped with the client's clock and returns the effects to carry out, in order.
// No I/O, no real time, no promises: the simulator drives it synchronously and exactly; the
// Repository drives it over real ports. Reads (get, list, status) come from the image.

import type { EngineOptions } from '../options.ts';
import type { RandomPort } from '../ports.ts';
import type { EntityRecord, StoreSnapshot, ConflictRecord, DeadLetterRecord } from '../model.ts';
import type { SyncStatus } from '../events.ts';
import { entityKey } from '../protocol.ts';
import { unreachable } from '../assert.ts';
import type { CoreEffect, CoreInput, TimerName } from './types.ts';
import { CORRECT_VARIANT, type CoreVariant } from './variant.ts';
import { Image } from './image.ts';
import { CLOCK_STEP_TOLERANCE_MS, correctClockOffset, Effects, shiftClockReadings, type Ctx, type Volatile } from './context.ts';
import { onResolveConflict, onWrite } from './writes.ts';
import { maybePush, onPushResult } from './push.ts';
import { heldAtStart } from './resume.ts';
import { maybePull, onPullResult, resumeRepair } from './pull.ts';

const ATTEMPT_BUCKETS = 8;
export { CLOCK_STEP_TOLERANCE_MS };

export class SyncCore {
  private readonly ctx: Ctx;
  private started = false;

  constructor(options: EngineOptions, snapshot: StoreSnapshot, random: RandomPort, variant: CoreVariant = CORRECT_VARIANT) {
    const image = new Image(snapshot, options.clientId);
    const v: Volatile = {
      online: false,
      push: null,
      pullRequestId: null,
      pullSentAt: 0,
      pullNotBefore: -Infinity,
      pushNotBefore: -Infinity,
      requestIdNext: 1,
      batchItemsCap: options.batchItemsMax,
      tokenRefreshing: false,
      retryArmedAt: null,
      pullFailures: 0,
      successes: 0,
      failures: 0,
      conflicts: 0,
      lastSyncAt: null,
      repair: null,
      upgradeRequired: null,
      contacted: false,
      heldForServer: heldAtStart(image.queue.values()),
      conflictStreaks: new Map(),
      itemErrorStreaks: new Map(),
      openedHlc: { wallMs: image.meta.hlcWallMs, counter: image.meta.hlcCounter },
    };
    this.ctx = { options, image, fx: new Effects(image, !variant.unguardedCommits), random, variant, v };
  }

  get clientId(): string {
    return this.ctx.image.meta.clientId;
  }

  /** Wall clock minus monotonic clock at the last input; a change beyond the tolerance is a clock step. */
  private wallMinusMonotonicMs: number | null = null;

  /**
   * The baseline clock steps are measured against. A driver that rebuilds the core in the same
   * process (after a failed commit) hands the old core's baseline — as of its last durable
   * state — to the new one, so a step noticed but not yet made durable is noticed again rather
   * than forgotten (a monotonic clock does not survive a process restart, so nothing is persisted).
   */
  get clockBaseline(): number | null {
    return this.wallMinusMonotonicMs;
  }

  adoptClockBaseline(baselineMs: number | null): void {
    if (baselineMs === null) return;
    this.wallMinusMonotonicMs = baselineMs;
    this.lastWallMinusMonotonicMs = baselineMs;
  }

  /**
   * Take one input. `monotonicMs` (a clock that never jumps, like performance.now) lets the
   * core notice a wall-clock step at once; without it, steps are noticed when a timer fires late or early.
   */
  step(input: CoreInput, monotonicMs?: number): CoreEffect[] {
    const ctx = this.ctx;
    if (input.type !== 'start' && !this.started) throw new Error(`SyncCore: '${input.type}' before 'start'`);
    ctx.fx.now = input.now;
    if (monotonicMs !== undefined) this.noticeWallJump(input.now, monotonicMs);
    switch (input.type) {
      case 'start':
        this.start(input.now, input.online, input.storageFailures ?? 0);
        break;
      case 'write':
        onWrite(ctx, input);
        maybePush(ctx, input.now);
        break;
      case 'resolve-conflict':
        onResolveConflict(ctx, input);
        maybePush(ctx, input.now);
        break;
      case 'timer':
        this.onTimer(input.timer, input.now);
        break;
      case 'push-result':
        onPushResult(ctx, input.requestId, input.outcome, input.now);
        break;
      case 'pull-result':
        onPullResult(ctx, input.requestId, input.outcome, input.now);
        break;
      case 'connectivity':
        ctx.v.online = input.online;
        if (input.online) this.syncNow(input.now);
        break;
      case 'sync':
        this.syncNow(input.now);
        break;
      case 'token-refreshed':
        ctx.v.tokenRefreshing = false;
        if (input.ok) this.syncNow(input.now);
        else ctx.fx.arm('pull-retry', ctx.options.backoffBaseMs);
        break;
      default:
        unreachable(input, 'input');
    }
    ctx.fx.commit();
    return ctx.fx.take();
  }

  private start(now: number, online: boolean, storageFailures: number): void {
    const ctx = this.ctx;
    this.started = true;
    ctx.v.online = online;
    if (ctx.image.metaIsNew) ctx.image.putMeta(ctx.image.meta); // first start: persist the client id
    resumeRepair(ctx);
    if (ctx.options.syncIntervalMs > 0) ctx.fx.arm('interval', ctx.options.syncIntervalMs);
    if (storageFailures > 0) {
      // Rebuilt after failed commits (quota, I/O): sync again after a backoff, not in a tight loop.
      const delayMs = ctx.variant.nextDelayMs(ctx.options, storageFailures, ctx.random.float());
      ctx.fx.arm('retry', delayMs);
      ctx.fx.arm('pull-retry', delayMs);
      return;
    }
    // A restart must resume the queue by itself (not wait for the next write).
    this.syncNow(now);
  }

  private syncNow(now: number): void {
    maybePull(this.ctx, now);
    maybePush(this.ctx, now);
  }

  private onTimer(timer: TimerName, now: number): void {
    const ctx = this.ctx;
    this.noticeClockStep(timer, now);
    switch (timer) {
      case 'retry':
        ctx.v.retryArmedAt = null;
        maybePush(ctx, now);
        break;
      case 'interval':
        ctx.fx.arm('interval', ctx.options.syncIntervalMs);
        this.syncNow(now);
        break;
      case 'push-timeout':
        if (ctx.v.push !== null) onPushResult(ctx, ctx.v.push.requestId, { kind: 'unknown', reason: 'timeout' }, now);
        break;
      case 'pull-timeout':
        if (ctx.v.pullRequestId !== null) onPullResult(ctx, ctx.v.pullRequestId, { kind: 'unknown', reason: 'timeout' }, now);
        break;
      case 'pull-retry':
        maybePull(ctx, now);
        break;
      default:
        unreachable(timer, 'timer');
    }
  }

  /**
   * Timers measure real elapsed time; the clock may jump. A timer firing far from when the
   * clock said it would means the clock stepped: shift the skew estimate by the jump at once,
   * instead of stamping writes with a wrong time until the next round trip.
   */
  private noticeClockStep(timer: TimerName, now: number): void {
    const { fx } = this.ctx;
    const due = fx.dueAt[timer];
    fx.dueAt[timer] = null;
    if (due === null || this.wallMinusMonotonicMs !== null) return; // the monotonic clock already tells
    const jumpMs = now - due;
    if (Math.abs(jumpMs) > CLOCK_STEP_TOLERANCE_MS) this.onClockStep(jumpMs, now);
  }

  /**
   * The clock moved by jumpMs against true time: the skew estimate moves by all of it. Deadlines
   * and in-flight send times move only by `suddenMs`, the part since the previous input: the drift
   * that built up slowly before it also stretched the delays those deadlines were set with, so
   * shifting them by it too would fire retries early by that much.
   */
  private onClockStep(jumpMs: number, now: number, suddenMs = jumpMs): void {
    correctClockOffset(this.ctx, this.ctx.image.meta.clockOffsetMs - jumpMs, now);
    shiftClockReadings(this.ctx, suddenMs);
  }

  /** Wall minus monotonic clock at the previous input (the baseline may be older: see noticeWallJump). */
  private lastWallMinusMonotonicMs: number | null = null;

  private noticeWallJump(now: number, monotonicMs: number): void {
    const difference = now - monotonicMs;
    const prior = this.wallMinusMonotonicMs;
    const last = this.lastWallMinusMonotonicMs ?? prior;
    this.wallMinusMonotonicMs = difference;
    this.lastWallMinusMonotonicMs = difference;
    if (prior === null || last === null) return;
    const jumpMs = difference - prior;
    if (Math.abs(jumpMs) > CLOCK_STEP_TOLERANCE_MS) this.onClockStep(jumpMs, now, difference - last);
    else this.wallMinusMonotonicMs = prior; // small drift: keep the baseline, so it adds up to a step
  }

  get(entityType: string, entityId: string): EntityRecord | undefined {
    return this.ctx.image.entities.get(entityKey(entityType, entityId));
  }

  /** Live (not deleted) entities, optionally of one type, in storage order. */
  list(entityType?: string): EntityRecord[] {
    const out: EntityRecord[] = [];
    for (const record of this.ctx.image.entities.values()) {
      if (!record.deleted && (entityType === undefined || record.entityType === entityType)) out.push(record);
    }
    return out;
  }

  /** Every entity record, tombstones included. */
  entities(): IterableIterator<EntityRecord> {
    return this.ctx.image.entities.values();
  }

  queueLength(): number {
    return this.ctx.image.queue.size;
  }

  queueItems(): IterableIterator<import('../model.ts').QueueItem> {
    return this.ctx.image.queue.values();
  }

  conflicts(): ConflictRecord[] {
    return [...this.ctx.image.conflicts.values()];
  }

  deadLetters(): DeadLetterRecord[] {
    return [...this.ctx.image.deadLetters.values()];
  }

  /** The store head (model.ts HEAD_KEY) this engine's image reflects: behind the store's when another engine over it committed since. */
  head(): number {
    return this.ctx.image.head;
  }

  cursor(): number {
    return this.ctx.image.meta.cursor;
  }

  epoch(): string | null {
    return this.ctx.image.meta.epoch;
  }

  status(): SyncStatus {
    const { image, v } = this.ctx;
    const histogram = new Array<number>(ATTEMPT_BUCKETS).fill(0);
    for (const item of image.queue.values()) histogram[Math.min(item.attempts, ATTEMPT_BUCKETS - 1)]!++;
    return {
      queueLength: image.queue.size,
      inFlight: v.push?.queueIds.length ?? 0,
      attemptsHistogram: histogram,
      successes: v.successes,
      failures: v.failures,
      conflicts: v.conflicts,
      deadLetters: image.deadLetters.size,
      lastSyncAt: v.lastSyncAt,
      isSyncing: v.push !== null || v.pullRequestId !== null,
      online: v.online,
      protocolVersion: this.ctx.options.protocolVersion,
      upgradeRequired: v.upgradeRequired,
    };
  }
}

// Metrics of one run, computed from its History alone (DESIGN §2: one history feeds checkers,
// metrics, reports and replay). computeMetrics is pure and makes one pass over the events,
// so it stays linear for million-event runs; every series is bounded (≤ TIME_BUCKETS_MAX time
// buckets, fixed histogram edges), so metrics.json stays small whatever the run's size.
// RunMetrics is the JSON shape of metrics.json; bump METRICS_SCHEMA_VERSION when it changes.

import type { ConflictOutcome } from '../engine/events.ts';
import type { History, HistoryEvent } from '../sim/history.ts';
import type { FaultKind } from '../sim/types.ts';

export const METRICS_SCHEMA_VERSION = 1;
/** Most time buckets a timeline may have (charts stay readable, JSON stays small). */
export const TIME_BUCKETS_MAX = 200;
/** Fault periods listed individually; past this they are only counted (byKind stays exact). */
export const FAULT_PERIODS_MAX = 10_000;
/** Attempts histogram: the last bucket holds this many attempts or more. */
export const ATTEMPTS_BUCKETS_MAX = 20;

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
/**
 * Latency histogram edges: roughly logarithmic (1-2-5 steps) on round human units, from 0 to
 * 24 h; fixed, so two runs compare bucket by bucket.
 */
export const LATENCY_EDGES_MS: readonly number[] = Object.freeze([
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND_MS, 2 * SECOND_MS, 5 * SECOND_MS, 10 * SECOND_MS, 20 * SECOND_MS, 30 * SECOND_MS,
  MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 20 * MINUTE_MS, 30 * MINUTE_MS,
  HOUR_MS, 2 * HOUR_MS, 5 * HOUR_MS, 10 * HOUR_MS, 24 * HOUR_MS,
]);

const CONFLICT_OUTCOMES: readonly ConflictOutcome[] = ['local-wins', 'server-wins', 'merged', 'manual'];

/**
 * counts[i] counts values v with edges[i] ≤ v < edges[i + 1]; the last bucket counts
 * v ≥ edges[edges.length - 1]. counts.length === edges.length.
 */
export interface Histogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** One fault from its start event to its stop event (or to the heal / end of the run if it never stopped). */
export interface FaultPeriod {
  /** Index of the fault in the run plan. */
  readonly index: number;
  readonly kind: FaultKind;
  /** Client index for client faults, -1 for server faults. */
  readonly client: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Kind-specific parameter (perMille, retryAfterMs, deltaMs, …), as in the plan. */
  readonly param: number;
}

/** The JSON shape of metrics.json. All times are simulated (true) ms since the run started. */
export interface RunMetrics {
  readonly schemaVersion: typeof METRICS_SCHEMA_VERSION;
  readonly span: {
    /** The run's last instant: max(history.endedAt, last event time). */
    readonly endMs: number;
    /** When the chaos phase ended and every fault was healed (0 if the run never healed). */
    readonly healedAtMs: number;
  };
  /** Series over equal time buckets; index b covers [b·bucketMs, (b+1)·bucketMs). */
  readonly timeline: {
    readonly bucketMs: number;
    readonly startsMs: readonly number[];
    /** Total queue length over all clients after the bucket's last event. */
    readonly queueLast: readonly number[];
    /** Highest total queue length during the bucket (including the level carried in). */
    readonly queueMax: readonly number[];
    /** Server applies in the bucket per second of the bucket's width (the last bucket may be narrower). */
    readonly appliesPerSecond: readonly number[];
  };
  /**
   * Queue length derived from engine events: +1 on enqueued / repair-enqueued (of an id not
   * queued yet), −1 on acked, dead-lettered, a server-wins conflict (the op is dropped),
   * coalesced into nothing, and a conflict resolved by keeping the server's version.
   * endActual is the sum of the clients' final queues; a difference means items vanished
   * without an event (a crash before the enqueue was durable, or a variant that renames items).
   */
  readonly queue: { readonly peak: number; readonly peakAtMs: number; readonly endDerived: number; readonly endActual: number };
  /**
   * Push-to-ack latency per queue item: from its first 'enqueued' (or, if that was not seen,
   * its first 'sent') to its first 'acked'. Percentiles are nearest-rank: pN is the smallest
   * sample with at least N % of samples ≤ it. null when there are no samples.
   */
  readonly latency: {
    readonly samples: number;
    readonly p50Ms: number | null;
    readonly p95Ms: number | null;
    readonly p99Ms: number | null;
    readonly meanMs: number | null;
    readonly maxMs: number | null;
    /** Items started but never acked, dead-lettered, dropped by a conflict or coalesced away. */
    readonly neverAcked: number;
    readonly histogram: Histogram;
  };
  /** Attempts an item needed before its ack (from 'acked' events); the last bucket is ATTEMPTS_BUCKETS_MAX or more. */
  readonly attempts: {
    readonly buckets: readonly { readonly attempts: number; readonly orMore: boolean; readonly count: number }[];
    readonly meanAttempts: number | null;
  };
  readonly retries: {
    /** 'retried' events. */
    readonly retried: number;
    /** retried ÷ distinct items ever sent; null when nothing was sent. */
    readonly retryRate: number | null;
    /** Item sends beyond an item's first. */
    readonly resends: number;
    /** resends ÷ all item sends; null when nothing was sent. */
    readonly resendRate: number | null;
  };
  readonly requests: {
    /** Push requests ('sent' events). */
    readonly pushes: number;
    readonly pushBytes: number;
    /** Pull requests that completed ('pulled') or failed ('request-failed' of kind pull). */
    readonly pulls: number;
    readonly failedByOutcome: Readonly<Record<string, number>>;
    /** Ops put on a queue ('enqueued' events): the denominator of the per-op figures. */
    readonly opsEnqueued: number;
    readonly pushesPerOp: number | null;
    readonly requestsPerOp: number | null;
    readonly pushBytesPerOp: number | null;
  };
  /** Items per push request: sizes[i] = { items, count }, ascending by items. */
  readonly batches: {
    readonly count: number;
    readonly meanItems: number | null;
    readonly maxItems: number;
    readonly sizes: readonly { readonly items: number; readonly count: number }[];
  };
  readonly conflicts: {
    readonly total: number;
    readonly byOutcome: Readonly<Record<ConflictOutcome, number>>;
    /** policy → outcome → count (only policies that saw a conflict). */
    readonly byPolicy: Readonly<Record<string, Readonly<Record<ConflictOutcome, number>>>>;
  };
  readonly deadLetters: { readonly total: number; readonly byCode: Readonly<Record<string, number>> };
  readonly convergence: {
    readonly converged: boolean;
    /** history.endedAt − history.healedAt when converged, else null. */
    readonly convergenceMs: number | null;
  };
  readonly applies: { readonly total: number; readonly peakPerSecond: number };
  /** Acks the server answered from its idempotency record (acked with replayed: true). */
  readonly duplicatesSuppressed: number;
  /** Message fates as the simulated network recorded them (all zero when messages were not recorded). */
  readonly messages: { readonly sent: number; readonly delivered: number; readonly dropped: number; readonly duplicated: number; readonly refused: number };
  readonly ops: { readonly invoked: number; readonly writes: number; readonly reads: number; readonly ok: number; readonly fail: number; readonly info: number };
  readonly crashes: { readonly client: number; readonly restarts: number; readonly serverActions: Readonly<Record<string, number>> };
  readonly faults: {
    readonly total: number;
    readonly byKind: Readonly<Partial<Record<FaultKind, number>>>;
    /** Ordered by start time; at most FAULT_PERIODS_MAX. */
    readonly periods: readonly FaultPeriod[];
    /** Periods left out of `periods` past FAULT_PERIODS_MAX. */
    readonly periodsOmitted: number;
  };
}

export interface MetricsOptions {
  /** Number of time buckets at most, 1..TIME_BUCKETS_MAX (default TIME_BUCKETS_MAX). */
  readonly timeBucketsMax?: number;
}

export function computeMetrics(history: History, options: MetricsOptions = {}): RunMetrics {
  const timeBucketsMax = options.timeBucketsMax ?? TIME_BUCKETS_MAX;
  if (!Number.isInteger(timeBucketsMax) || timeBucketsMax < 1 || timeBucketsMax > TIME_BUCKETS_MAX) {
    throw new Error(`timeBucketsMax should be an integer from 1 to ${TIME_BUCKETS_MAX}, got ${String(timeBucketsMax)}`);
  }
  const events = history.events;
  const lastT = events.length === 0 ? 0 : events[events.length - 1]!.t;
  const endMs = Math.max(history.endedAt, lastT);
  const acc = new Accumulator(endMs, timeBucketsMax);
  for (const event of events) acc.add(event);
  return acc.finish(history, endMs);
}

/** Smallest value of the 1-2-5 series (1, 2, 5, 10, …) that is ≥ value. */
export function niceCeil(value: number): number {
  if (value <= 1) return 1;
  for (let decade = 1; ; decade *= 10) {
    for (const step of [1, 2, 5]) if (step * decade >= value) return step * decade;
  }
}

/** The bucket width (a 1-2-5 value) and count for a span of endMs ms in at most bucketsMax buckets. */
export function timeBuckets(endMs: number, bucketsMax: number): { bucketMs: number; count: number } {
  const bucketMs = niceCeil(Math.max(1, endMs) / bucketsMax);
  return { bucketMs, count: Math.max(1, Math.ceil(endMs / bucketMs)) };
}

/** Index of the histogram bucket holding value: the last edge ≤ value (binary search). */
export function bucketIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  if (value < edges[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Nearest-rank percentile of the first n values of `values` (reordered in place): the
 * smallest value with at least p % of values ≤ it. Quickselect, so expected linear time.
 */
export function percentile(values: Float64Array, n: number, p: number): number | null {
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return select(values, 0, n - 1, rank - 1);
}

/** The k-th smallest (0-based) of values[lo..hi], partitioning in place (Hoare, median of three). */
function select(values: Float64Array, lo: number, hi: number, k: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pivot = medianOfThree(values[lo]!, values[mid]!, values[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[lo]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

function zeroOutcomes(): Record<ConflictOutcome, number> {
  const counts = {} as Record<ConflictOutcome, number>;
  for (const outcome of CONFLICT_OUTCOMES) counts[outcome] = 0;
  return counts;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

type EngineEntry = Extract<HistoryEvent, { type: 'engine' }>;

/** The running state of the single pass. Keys of per-item maps are `${client}|${queueId}`. */
class Accumulator {
  private readonly bucketMs: number;
  private readonly bucketCount: number;
  private readonly queueLast: number[];
  private readonly queueMax: number[];
  private readonly appliesInBucket: number[];
  private bucket = 0;

  private readonly queued = new Set<string>();
  private queuePeak = 0;
  private queuePeakAtMs = 0;

  /** Item → time its latency clock started; deleted when the item leaves the queue. */
  private readonly startedAt = new Map<string, number>();
  private latencies = new Float64Array(1024);
  private latencyCount = 0;
  private readonly latencyCounts: number[] = new Array<number>(LATENCY_EDGES_MS.length).fill(0);

  private readonly attemptsCounts: number[] = new Array<number>(ATTEMPTS_BUCKETS_MAX + 1).fill(0);
  private attemptsSum = 0;
  private ackCount = 0;
  private readonly everSent = new Set<string>();
  private itemSends = 0;
  private retried = 0;

  private pushes = 0;
  private pushBytes = 0;
  private pulls = 0;
  private readonly failedByOutcome: Record<string, number> = {};
  private opsEnqueued = 0;
  private readonly batchSizes = new Map<number, number>();
  private batchItemsMax = 0;

  private readonly conflictsByOutcome = zeroOutcomes();
  private readonly conflictsByPolicy: Record<string, Record<ConflictOutcome, number>> = {};
  private conflicts = 0;
  private readonly deadLettersByCode: Record<string, number> = {};
  private deadLetters = 0;
  private applies = 0;
  private duplicatesSuppressed = 0;
  private readonly messages = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, refused: 0 };
  private readonly ops = { invoked: 0, writes: 0, reads: 0, ok: 0, fail: 0, info: 0 };
  private readonly crashes = { client: 0, restarts: 0, serverActions: {} as Record<string, number> };

  private readonly openFaults = new Map<number, { kind: FaultKind; client: number; startMs: number; param: number }>();
  private readonly faultPeriods: FaultPeriod[] = [];
  private readonly faultsByKind: Partial<Record<FaultKind, number>> = {};
  private faultsTotal = 0;

  constructor(endMs: number, bucketsMax: number) {
    const { bucketMs, count } = timeBuckets(endMs, bucketsMax);
    this.bucketMs = bucketMs;
    this.bucketCount = count;
    this.queueLast = new Array<number>(count).fill(0);
    this.queueMax = new Array<number>(count).fill(0);
    this.appliesInBucket = new Array<number>(count).fill(0);
  }

  add(e: HistoryEvent): void {
    this.advanceTo(e.t);
    switch (e.type) {
      case 'engine':
        this.onEngine(e);
        break;
      case 'apply':
        this.applies++;
        this.appliesInBucket[this.bucket]!++;
        break;
      case 'invoke':
        this.ops.invoked++;
        if (e.action === 'read') this.ops.reads++;
        else this.ops.writes++;
        break;
      case 'complete':
        this.ops[e.outcome]++;
        break;
      case 'message':
        this.messages[e.fate]++;
        break;
      case 'fault':
        this.onFault(e);
        break;
      case 'crash':
        this.crashes.client++;
        break;
      case 'restart':
        this.crashes.restarts++;
        break;
      case 'server':
        bump(this.crashes.serverActions, e.action);
        break;
      case 'phase':
        break;
    }
  }

  /** Moves the current bucket forward to the one holding t, carrying the queue level over empty buckets. */
  private advanceTo(t: number): void {
    const target = Math.min(this.bucketCount - 1, Math.max(0, Math.floor(t / this.bucketMs)));
    while (this.bucket < target) {
      this.bucket++;
      this.queueLast[this.bucket] = this.queueLast[this.bucket - 1]!;
      this.queueMax[this.bucket] = this.queueLast[this.bucket]!;
    }
  }

  private onEngine(e: EngineEntry): void {
    const ev = e.event;
    const key = (queueId: string): string => `${e.client}|${queueId}`;
    switch (ev.type) {
      case 'enqueued':
        this.opsEnqueued++;
        this.startClock(key(ev.queueId), e.t);
        this.enter(key(ev.queueId), e.t);
        break;
      case 'repair-enqueued':
        this.enter(key(ev.queueId), e.t);
        break;
      case 'retried':
        this.retried++;
        this.enter(key(ev.queueId), e.t); // a no-op unless a variant renamed the item
        break;
      case 'sent':
        this.onSent(e.client, ev.queueIds, ev.bytes, e.t);
        break;
      case 'acked':
        this.onAcked(key(ev.queueId), ev.attempts, ev.replayed, e.t);
        break;
      case 'dead-lettered':
        this.deadLetters++;
        bump(this.deadLettersByCode, ev.code);
        this.leave(key(ev.queueId), e.t);
        break;
      case 'conflict':
        this.onConflict(ev.policy, ev.outcome);
        if (ev.outcome === 'server-wins') this.leave(key(ev.queueId), e.t);
        break;
      case 'coalesced':
        if (ev.into === null) this.leave(key(ev.queueId), e.t);
        break;
      case 'conflict-resolved':
        if (ev.resolution === 'keep-server') this.leave(key(ev.queueId), e.t);
        break;
      case 'pulled':
        this.pulls++;
        break;
      case 'request-failed':
        if (ev.kind === 'pull') this.pulls++;
        bump(this.failedByOutcome, ev.outcome);
        break;
      case 'applied':
      case 'epoch-changed':
        break;
    }
  }

  private startClock(key: string, t: number): void {
    if (!this.startedAt.has(key)) this.startedAt.set(key, t);
  }

  private enter(key: string, t: number): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.setLevel(t);
  }

  /** The item left the queue without an ack: its latency clock stops uncounted. */
  private leave(key: string, t: number): void {
    this.startedAt.delete(key);
    if (!this.queued.delete(key)) return;
    this.setLevel(t);
  }

  private setLevel(t: number): void {
    const level = this.queued.size;
    this.queueLast[this.bucket] = level;
    if (level > this.queueMax[this.bucket]!) this.queueMax[this.bucket] = level;
    if (level > this.queuePeak) {
      this.queuePeak = level;
      this.queuePeakAtMs = t;
    }
  }

  private onSent(client: number, queueIds: readonly string[], bytes: number, t: number): void {
    this.pushes++;
    this.pushBytes += bytes;
    const items = queueIds.length;
    this.batchSizes.set(items, (this.batchSizes.get(items) ?? 0) + 1);
    if (items > this.batchItemsMax) this.batchItemsMax = items;
    for (const queueId of queueIds) {
      const key = `${client}|${queueId}`;
      this.itemSends++;
      this.everSent.add(key);
      this.startClock(key, t);
    }
  }

  private onAcked(key: string, attempts: number, replayed: boolean, t: number): void {
    this.ackCount++;
    this.attemptsSum += attempts;
    this.attemptsCounts[Math.min(ATTEMPTS_BUCKETS_MAX, Math.max(1, attempts))]!++;
    if (replayed) this.duplicatesSuppressed++;
    const started = this.startedAt.get(key);
    if (started !== undefined) this.recordLatency(t - started);
    this.leave(key, t);
  }

  private recordLatency(ms: number): void {
    if (this.latencyCount === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.latencyCount++] = ms;
    this.latencyCounts[bucketIndex(LATENCY_EDGES_MS, ms)]!++;
  }

  private onConflict(policy: string, outcome: ConflictOutcome): void {
    this.conflicts++;
    this.conflictsByOutcome[outcome]++;
    const byPolicy = (this.conflictsByPolicy[policy] ??= zeroOutcomes());
    byPolicy[outcome]++;
  }

  private onFault(e: Extract<HistoryEvent, { type: 'fault' }>): void {
    if (e.phase === 'start') {
      this.faultsTotal++;
      this.faultsByKind[e.fault.kind] = (this.faultsByKind[e.fault.kind] ?? 0) + 1;
      this.openFaults.set(e.index, { kind: e.fault.kind, client: e.fault.client, startMs: e.t, param: e.fault.param });
      return;
    }
    this.closeFault(e.index, e.t);
  }

  private closeFault(index: number, endMs: number): void {
    const open = this.openFaults.get(index);
    if (open === undefined) return;
    this.openFaults.delete(index);
    this.faultPeriods.push({ index, kind: open.kind, client: open.client, startMs: open.startMs, endMs, param: open.param });
  }

  finish(history: History, endMs: number): RunMetrics {
    // Faults that never stopped ended at the heal (nemesis.heal ends them all), or with the run.
    for (const [index, open] of [...this.openFaults]) {
      this.closeFault(index, history.healedAt >= open.startMs && history.healedAt > 0 ? history.healedAt : endMs);
    }
    this.faultPeriods.sort((a, b) => a.startMs - b.startMs || a.index - b.index);
    const periods = this.faultPeriods.slice(0, FAULT_PERIODS_MAX);
    const timeline = this.finishTimeline(endMs);
    return {
      schemaVersion: METRICS_SCHEMA_VERSION,
      span: { endMs, healedAtMs: history.healedAt },
      timeline,
      queue: {
        peak: this.queuePeak,
        peakAtMs: this.queuePeakAtMs,
        endDerived: this.queued.size,
        endActual: history.clients.reduce((n, c) => n + c.queue.length, 0),
      },
      latency: this.finishLatency(),
      attempts: this.finishAttempts(),
      retries: {
        retried: this.retried,
        retryRate: ratio(this.retried, this.everSent.size),
        resends: this.itemSends - this.everSent.size,
        resendRate: ratio(this.itemSends - this.everSent.size, this.itemSends),
      },
      requests: {
        pushes: this.pushes,
        pushBytes: this.pushBytes,
        pulls: this.pulls,
        failedByOutcome: this.failedByOutcome,
        opsEnqueued: this.opsEnqueued,
        pushesPerOp: ratio(this.pushes, this.opsEnqueued),
        requestsPerOp: ratio(this.pushes + this.pulls, this.opsEnqueued),
        pushBytesPerOp: ratio(this.pushBytes, this.opsEnqueued),
      },
      batches: this.finishBatches(),
      conflicts: { total: this.conflicts, byOutcome: this.conflictsByOutcome, byPolicy: this.conflictsByPolicy },
      deadLetters: { total: this.deadLetters, byCode: this.deadLettersByCode },
      convergence: { converged: history.converged, convergenceMs: history.converged ? history.endedAt - history.healedAt : null },
      applies: { total: this.applies, peakPerSecond: timeline.appliesPerSecond.reduce((max, rate) => Math.max(max, rate), 0) },
      duplicatesSuppressed: this.duplicatesSuppressed,
      messages: this.messages,
      ops: this.ops,
      crashes: this.crashes,
      faults: { total: this.faultsTotal, byKind: this.faultsByKind, periods, periodsOmitted: this.faultPeriods.length - periods.length },
    };
  }

  private finishTimeline(endMs: number): RunMetrics['timeline'] {
    // Buckets after the last event carry the last queue level.
    this.advanceTo(endMs);
    const bucketMs = this.bucketMs;
    const startsMs = this.queueLast.map((_, b) => b * bucketMs);
    const appliesPerSecond = this.appliesInBucket.map((count, b) => {
      const widthMs = Math.min(bucketMs, endMs - b * bucketMs);
      return count === 0 ? 0 : (count * 1000) / (widthMs > 0 ? widthMs : bucketMs);
    });
    return { bucketMs, startsMs, queueLast: this.queueLast, queueMax: this.queueMax, appliesPerSecond };
  }

  private finishLatency(): RunMetrics['latency'] {
    const n = this.latencyCount;
    const values = this.latencies;
    let sum = 0;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      sum += values[i]!;
      if (values[i]! > max) max = values[i]!;
    }
    return {
      samples: n,
      p50Ms: percentile(values, n, 50),
      p95Ms: percentile(values, n, 95),
      p99Ms: percentile(values, n, 99),
      meanMs: ratio(sum, n),
      maxMs: n === 0 ? null : max,
      neverAcked: this.startedAt.size,
      histogram: { edges: LATENCY_EDGES_MS, counts: this.latencyCounts },
    };
  }

  private finishAttempts(): RunMetrics['attempts'] {
    let highest = 0;
    this.attemptsCounts.forEach((count, attempts) => {
      if (count > 0) highest = attempts;
    });
    const buckets: { attempts: number; orMore: boolean; count: number }[] = [];
    for (let attempts = 1; attempts <= Math.max(1, highest); attempts++) {
      buckets.push({ attempts, orMore: attempts === ATTEMPTS_BUCKETS_MAX, count: this.attemptsCounts[attempts]! });
    }
    return { buckets, meanAttempts: ratio(this.attemptsSum, this.ackCount) };
  }

  private finishBatches(): RunMetrics['batches'] {
    const sizes = [...this.batchSizes].sort((a, b) => a[0] - b[0]).map(([items, count]) => ({ items, count }));
    let itemsTotal = 0;
    for (const { items, count } of sizes) itemsTotal += items * count;
    return { count: this.pushes, meanItems: ratio(itemsTotal, this.pushes), maxItems: this.batchItemsMax, sizes };
  }
}

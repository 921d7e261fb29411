// The JSON shape of metrics.json (RunMetrics and its parts) and the fixed bounds that keep it
// small whatever the run's size: at most TIME_BUCKETS_MAX time buckets, fixed latency histogram
// edges, at most FAULT_PERIODS_MAX listed fault periods. computeMetrics (metrics.ts) fills it.
// Bump METRICS_SCHEMA_VERSION when the shape changes.

import type { ConflictOutcome } from '../engine/events.ts';
import type { DownCause } from '../sim/history.ts';
import type { FaultKind } from '../sim/types.ts';

export const METRICS_SCHEMA_VERSION = 2;
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
  /** Client engines that went down, by cause (sim/history.ts DownCause: 'crash' alone counts real crashes), restarts, and server actions. */
  readonly crashes: { readonly byCause: Readonly<Record<DownCause, number>>; readonly restarts: number; readonly serverActions: Readonly<Record<string, number>> };
  readonly faults: {
    readonly total: number;
    readonly byKind: Readonly<Partial<Record<FaultKind, number>>>;
    /** Ordered by start time; at most FAULT_PERIODS_MAX. */
    readonly periods: readonly FaultPeriod[];
    /** Periods left out of `periods` past FAULT_PERIODS_MAX. */
    readonly periodsOmitted: number;
  };
}

// The single pass of computeMetrics (metrics.ts): Accumulator takes a run's history events one
// by one, in order, keeping running counts, the derived queue level per time bucket and the
// push-to-ack latency samples, then finish() builds the RunMetrics. Linear in the number of
// events; every series it keeps is bounded except the latency samples (one number per ack).

import type { ConflictOutcome } from '../engine/events.ts';
import type { History, HistoryEvent } from '../sim/history.ts';
import { downCounts } from '../sim/summary.ts';
import type { FaultKind } from '../sim/types.ts';
import { bucketIndex, percentile, timeBuckets } from './metrics-math.ts';
import { ATTEMPTS_BUCKETS_MAX, FAULT_PERIODS_MAX, LATENCY_EDGES_MS, METRICS_SCHEMA_VERSION, type FaultPeriod, type RunMetrics } from './metrics-schema.ts';

const CONFLICT_OUTCOMES: readonly ConflictOutcome[] = ['local-wins', 'server-wins', 'merged', 'manual'];

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
export class Accumulator {
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
  private readonly crashes = { byCause: downCounts(), restarts: 0, serverActions: {} as Record<string, number> };

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
        this.crashes.byCause[e.cause]++;
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

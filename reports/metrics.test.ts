// computeMetrics over small hand-built histories whose answers are worked out by hand (or by
// a separate, naive computation in the test), plus one real simulation cross-checked against
// sim/summary's independent counts.

import { describe, expect, it } from 'vitest';
import type { ConflictOutcome, SyncEvent } from '../engine/events.ts';
import { buildSimConfig } from '../sim/config.ts';
import { splitRecords, type History, type HistoryEvent } from '../sim/history.ts';
import { runSimulation } from '../sim/runner.ts';
import { summarize } from '../sim/summary.ts';
import type { Fault, FaultKind } from '../sim/types.ts';
import { bucketIndex, percentile } from './metrics-math.ts';
import { ATTEMPTS_BUCKETS_MAX, LATENCY_EDGES_MS, TIME_BUCKETS_MAX } from './metrics-schema.ts';
import { computeMetrics } from './metrics.ts';

// ---- builders -------------------------------------------------------------------------------

function history(events: HistoryEvent[], opts: Partial<Pick<History, 'healedAt' | 'endedAt' | 'converged'>> = {}): History {
  return { ...splitRecords(events), healedAt: opts.healedAt ?? 0, endedAt: opts.endedAt ?? (events.at(-1)?.t ?? 0), converged: opts.converged ?? false, clients: [], server: null, traceHash: 'test' };
}

function engine(t: number, client: number, event: SyncEvent): HistoryEvent {
  return { t, type: 'engine', client, clientTime: t, event };
}

const enq = (t: number, client: number, queueId: string): HistoryEvent =>
  engine(t, client, { type: 'enqueued', at: t, queueId, entityType: 'note', entityId: `n-${queueId}`, action: 'create', payload: {} });
const sent = (t: number, client: number, queueIds: string[], bytes = 100, requestId = 1): HistoryEvent =>
  engine(t, client, { type: 'sent', at: t, requestId, queueIds, bytes });
const ack = (t: number, client: number, queueId: string, attempts = 1, replayed = false): HistoryEvent =>
  engine(t, client, { type: 'acked', at: t, queueId, revision: 1, replayed, attempts });
const dead = (t: number, client: number, queueId: string, code = 'forbidden'): HistoryEvent =>
  engine(t, client, { type: 'dead-lettered', at: t, queueId, code, message: 'no' });
const retried = (t: number, client: number, queueId: string, attempts: number): HistoryEvent =>
  engine(t, client, { type: 'retried', at: t, queueId, attempts, delayMs: 1000, reason: 'http 503' });
const coalescedAway = (t: number, client: number, queueId: string): HistoryEvent =>
  engine(t, client, { type: 'coalesced', at: t, queueId, into: null });
const repair = (t: number, client: number, queueId: string): HistoryEvent =>
  engine(t, client, { type: 'repair-enqueued', at: t, queueId, entityType: 'note', entityId: 'n', reuploads: 'c0:1' });
const conflict = (t: number, client: number, queueId: string, policy: string, outcome: ConflictOutcome): HistoryEvent =>
  engine(t, client, {
    type: 'conflict', at: t, queueId, entityType: 'note', entityId: 'n', policy, outcome,
    local: { payload: {}, clientTime: t, stamp: null },
    server: { revision: 2, deleted: false, fields: {}, updatedAt: 0 },
  });
const apply = (t: number, queueId: string): HistoryEvent => ({
  t, type: 'apply', user: 'team-0', instance: 1,
  change: { user: 'team-0', queueId, clientId: 'c0', entityType: 'note', entityId: 'n', action: 'create', revision: 1, seq: 1, serverTime: t, deleted: false },
});
const fault = (t: number, phase: 'start' | 'stop', index: number, kind: FaultKind, client: number): HistoryEvent => {
  const f: Fault = { atMs: t, kind, durationMs: 1, client, param: 7 };
  return { t, type: 'fault', phase, index, fault: f };
};

/** Nearest rank, the naive way: sort a copy, take the ceil(p·n)-th. */
function naivePercentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** A small deterministic generator, so the "random" inputs are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

// ---- tests ------------------------------------------------------------------------------

describe('latency', () => {
  it('percentiles of ten items acked 10..100 ms after enqueue are the nearest-rank ones', () => {
    const events: HistoryEvent[] = [];
    for (let i = 0; i < 10; i++) events.push(enq(i, i, `c${i}:1`));
    // Item i is acked (i + 1) · 10 ms after its enqueue at t = i.
    const acks = Array.from({ length: 10 }, (_, i) => ack(i + (i + 1) * 10, i, `c${i}:1`));
    events.push(...acks.sort((a, b) => a.t - b.t));
    const m = computeMetrics(history(events));
    // n = 10: p50 is the 5th smallest (50), p95 the ceil(9.5) = 10th (100), p99 the 10th (100).
    expect(m.latency.samples).toBe(10);
    expect(m.latency.p50Ms).toBe(50);
    expect(m.latency.p95Ms).toBe(100);
    expect(m.latency.p99Ms).toBe(100);
    expect(m.latency.meanMs).toBe(55);
    expect(m.latency.maxMs).toBe(100);
    expect(m.latency.neverAcked).toBe(0);
  });

  it('percentiles of 1..100 ms in shuffled order are 50, 95 and 99', () => {
    const rand = lcg(7);
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    for (let i = latencies.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [latencies[i], latencies[j]] = [latencies[j]!, latencies[i]!];
    }
    const events: HistoryEvent[] = latencies.map((_, i) => enq(0, i, `q${i}`));
    const acks = latencies.map((ms, i) => ack(ms, i, `q${i}`)).sort((a, b) => a.t - b.t);
    const m = computeMetrics(history([...events, ...acks]));
    expect([m.latency.p50Ms, m.latency.p95Ms, m.latency.p99Ms]).toEqual([50, 95, 99]);
  });

  it('starts the clock at the first send when the enqueue was not seen, and counts a second ack once', () => {
    const events = [
      repair(0, 0, 'c0:9'),
      sent(100, 0, ['c0:9']),
      sent(300, 0, ['c0:9']), // a re-send does not restart the clock
      ack(1_600, 0, 'c0:9', 2),
      ack(1_700, 0, 'c0:9', 2, true), // a duplicated ack
    ];
    const m = computeMetrics(history(events));
    expect(m.latency.samples).toBe(1);
    expect(m.latency.p50Ms).toBe(1_500);
  });

  it('puts each sample in the bucket of the last edge at or below it', () => {
    const samples = [0, 3, 10, 999, 1_000, 1_500, 90_000];
    const events: HistoryEvent[] = samples.map((_, i) => enq(0, i, `q${i}`));
    const acks = samples.map((ms, i) => ack(ms, i, `q${i}`)).sort((a, b) => a.t - b.t);
    const m = computeMetrics(history([...events, ...acks]));
    const expected = new Array<number>(LATENCY_EDGES_MS.length).fill(0);
    // By hand: 0 → [0,1); 3 → [2,5); 10 → [10,20); 999 → [500,1000); 1000 and 1500 → [1000,2000); 90 000 → [60 000,120 000).
    for (const edge of [0, 2, 10, 500, 1_000, 1_000, 60_000]) expected[LATENCY_EDGES_MS.indexOf(edge)]!++;
    expect(m.latency.histogram.counts).toEqual(expected);
    expect(m.latency.histogram.edges).toBe(LATENCY_EDGES_MS);
  });

  it('does not count items that left without an ack, and reports those still waiting', () => {
    const events = [enq(0, 0, 'a'), enq(0, 0, 'b'), enq(0, 0, 'c'), dead(10, 0, 'a'), conflict(20, 0, 'b', 'server-wins', 'server-wins')];
    const m = computeMetrics(history(events));
    expect(m.latency.samples).toBe(0);
    expect(m.latency.p50Ms).toBeNull();
    expect(m.latency.neverAcked).toBe(1); // c
  });
});

describe('queue length over time', () => {
  // endedAt 1000 ms in at most 10 buckets: 100 ms buckets, [0,100) … [900,1000].
  const events = [
    enq(50, 0, 'A'),
    enq(60, 1, 'B'), // 2 queued: the peak
    ack(150, 0, 'A'), // 1
    enq(250, 2, 'C'), // 2
    dead(260, 2, 'C'), // 1
    conflict(270, 1, 'B', 'lww-client-clock', 'server-wins'), // 0: the op is dropped
    enq(450, 3, 'D'), // 1
    coalescedAway(460, 3, 'D'), // 0: a delete coalesced a queued create away
    enq(550, 4, 'E'), // 1
    conflict(560, 4, 'E', 'lww-client-clock', 'local-wins'), // still 1: re-sent
    retried(600, 4, 'E', 2), // still 1
    ack(950, 4, 'E', 3), // 0
  ];
  const m = computeMetrics(history(events, { endedAt: 1000 }), { timeBucketsMax: 10 });

  it('uses 100 ms buckets', () => {
    expect(m.timeline.bucketMs).toBe(100);
    expect(m.timeline.startsMs).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('gives the level after each bucket, carried over empty buckets', () => {
    expect(m.timeline.queueLast).toEqual([2, 1, 0, 0, 0, 1, 1, 1, 1, 0]);
  });

  it('gives the highest level in each bucket, counting the level carried in', () => {
    expect(m.timeline.queueMax).toEqual([2, 2, 2, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('reports the peak and the queue left at the end', () => {
    expect(m.queue).toEqual({ peak: 2, peakAtMs: 60, endDerived: 0, endActual: 0 });
  });

  it('never has more than TIME_BUCKETS_MAX buckets, however long the run', () => {
    const long = computeMetrics(history([enq(0, 0, 'a'), ack(7_200_000, 0, 'a')]));
    expect(long.timeline.startsMs.length).toBeLessThanOrEqual(TIME_BUCKETS_MAX);
    expect(long.timeline.startsMs.length * long.timeline.bucketMs).toBeGreaterThanOrEqual(7_200_000);
  });
});

describe('conflicts, dead letters, attempts, requests', () => {
  it('counts conflicts by policy and outcome', () => {
    const events = [
      conflict(1, 0, 'a', 'lww-client-clock', 'local-wins'),
      conflict(2, 0, 'b', 'lww-client-clock', 'local-wins'),
      conflict(3, 1, 'c', 'lww-client-clock', 'server-wins'),
      conflict(4, 2, 'd', 'field-merge', 'merged'),
      conflict(5, 2, 'e', 'field-merge', 'manual'),
      conflict(6, 3, 'f', 'field-merge', 'manual'),
    ];
    const m = computeMetrics(history(events));
    expect(m.conflicts.total).toBe(6);
    expect(m.conflicts.byOutcome).toEqual({ 'local-wins': 2, 'server-wins': 1, merged: 1, manual: 2 });
    expect(m.conflicts.byPolicy).toEqual({
      'lww-client-clock': { 'local-wins': 2, 'server-wins': 1, merged: 0, manual: 0 },
      'field-merge': { 'local-wins': 0, 'server-wins': 0, merged: 1, manual: 2 },
    });
  });

  it('counts dead letters by code', () => {
    const m = computeMetrics(history([enq(0, 0, 'a'), enq(0, 0, 'b'), enq(0, 0, 'c'), dead(1, 0, 'a'), dead(2, 0, 'b', 'bad_request'), dead(3, 0, 'c')]));
    expect(m.deadLetters).toEqual({ total: 3, byCode: { forbidden: 2, bad_request: 1 } });
  });

  it('builds the attempts histogram from acks, the last bucket holding ATTEMPTS_BUCKETS_MAX or more', () => {
    const attempts = [1, 1, 1, 2, 4, ATTEMPTS_BUCKETS_MAX + 5];
    const events = attempts.map((n, i) => ack(i, 0, `q${i}`, n));
    const m = computeMetrics(history(events));
    const byAttempts = new Map(m.attempts.buckets.map((b) => [b.attempts, b]));
    expect(m.attempts.buckets.length).toBe(ATTEMPTS_BUCKETS_MAX);
    expect(byAttempts.get(1)!.count).toBe(3);
    expect(byAttempts.get(2)!.count).toBe(1);
    expect(byAttempts.get(3)!.count).toBe(0);
    expect(byAttempts.get(4)!.count).toBe(1);
    expect(byAttempts.get(ATTEMPTS_BUCKETS_MAX)).toEqual({ attempts: ATTEMPTS_BUCKETS_MAX, orMore: true, count: 1 });
    expect(m.attempts.meanAttempts).toBeCloseTo((1 + 1 + 1 + 2 + 4 + ATTEMPTS_BUCKETS_MAX + 5) / 6, 10);
  });

  it('derives requests and bytes per op, batch sizes, retries and suppressed duplicates', () => {
    const events = [
      enq(0, 0, 'a'),
      enq(0, 0, 'b'),
      enq(0, 0, 'c'),
      enq(0, 0, 'd'),
      sent(10, 0, ['a', 'b', 'c'], 300, 1),
      retried(20, 0, 'a', 1),
      retried(20, 0, 'b', 1),
      retried(20, 0, 'c', 1),
      sent(30, 0, ['a', 'b', 'c'], 300, 2),
      sent(30, 0, ['d'], 100, 3),
      ack(40, 0, 'a', 2, true),
      ack(40, 0, 'b', 2, true),
      ack(40, 0, 'c', 2),
      ack(40, 0, 'd', 1),
      engine(50, 0, { type: 'pulled', at: 50, requestId: 4, count: 0, cursor: 4, epoch: 'e1' }),
      engine(60, 0, { type: 'request-failed', at: 60, requestId: 5, kind: 'pull', outcome: 'timeout', status: null, delayMs: 1000 }),
    ];
    const m = computeMetrics(history(events));
    // 4 ops; 3 pushes of 700 bytes in all; 2 pulls (one failed).
    expect(m.requests).toEqual({
      pushes: 3, pushBytes: 700, pulls: 2, failedByOutcome: { timeout: 1 }, opsEnqueued: 4,
      pushesPerOp: 3 / 4, requestsPerOp: 5 / 4, pushBytesPerOp: 700 / 4,
    });
    expect(m.batches).toEqual({ count: 3, meanItems: 7 / 3, maxItems: 3, sizes: [{ items: 1, count: 1 }, { items: 3, count: 2 }] });
    // 4 distinct items sent, 7 item sends: 3 resends; 3 retries over 4 items.
    expect(m.retries).toEqual({ retried: 3, retryRate: 3 / 4, resends: 3, resendRate: 3 / 7 });
    expect(m.duplicatesSuppressed).toBe(2);
  });
});

describe('time series, faults, messages, convergence', () => {
  it('gives applies per second per bucket, the last bucket by its real width', () => {
    // endedAt 950 in at most 10 buckets: 100 ms buckets; the last one is [900, 950], 50 ms wide.
    const events = [apply(10, 'a'), apply(20, 'b'), apply(90, 'c'), apply(120, 'd'), apply(920, 'e')];
    const m = computeMetrics(history(events, { endedAt: 950 }), { timeBucketsMax: 10 });
    expect(m.timeline.appliesPerSecond).toEqual([30, 10, 0, 0, 0, 0, 0, 0, 0, 20]);
    expect(m.applies).toEqual({ total: 5, peakPerSecond: 30 });
  });

  it('pairs fault starts and stops, and ends an unstopped fault at the heal', () => {
    const events = [
      fault(100, 'start', 0, 'partition', 3),
      fault(200, 'start', 1, 'server-5xx', -1),
      fault(300, 'stop', 0, 'partition', 3),
      fault(400, 'start', 2, 'partition', 5),
      { t: 1000, type: 'phase', phase: 'heal' } as HistoryEvent,
    ];
    const m = computeMetrics(history(events, { healedAt: 1000, endedAt: 1500 }));
    expect(m.faults.periods).toEqual([
      { index: 0, kind: 'partition', client: 3, startMs: 100, endMs: 300, param: 7 },
      { index: 1, kind: 'server-5xx', client: -1, startMs: 200, endMs: 1000, param: 7 },
      { index: 2, kind: 'partition', client: 5, startMs: 400, endMs: 1000, param: 7 },
    ]);
    expect(m.faults.byKind).toEqual({ partition: 2, 'server-5xx': 1 });
    expect(m.faults.total).toBe(3);
  });

  it('counts message fates, ops and crashes', () => {
    const msg = (t: number, fate: 'sent' | 'delivered' | 'dropped' | 'duplicated' | 'refused'): HistoryEvent =>
      ({ t, type: 'message', client: 0, kind: 'push', dir: 'request', requestId: t, fate, detail: '' });
    const events: HistoryEvent[] = [
      { t: 0, type: 'invoke', client: 0, clientTime: 0, opId: 1, action: 'create', entityId: 'n', fields: {} },
      { t: 0, type: 'invoke', client: 0, clientTime: 0, opId: 2, action: 'read', entityId: 'n', fields: {} },
      { t: 1, type: 'complete', client: 0, opId: 1, outcome: 'ok', queueId: 'q', error: null },
      { t: 1, type: 'complete', client: 0, opId: 2, outcome: 'info', queueId: null, error: 'crashed' },
      msg(2, 'sent'), msg(3, 'dropped'), msg(4, 'dropped'), msg(5, 'duplicated'), msg(6, 'refused'), msg(7, 'delivered'),
      { t: 8, type: 'crash', client: 0, cause: 'crash', detail: 'x' },
      { t: 9, type: 'restart', client: 0, detail: '' },
      { t: 9, type: 'crash', client: 1, cause: 'rebuild', detail: 'storage stale' },
      { t: 9, type: 'restart', client: 1, detail: '' },
      { t: 9, type: 'crash', client: 2, cause: 'close', detail: 'the second tab closed' },
      { t: 10, type: 'server', action: 'rollback', epoch: 'e2', instance: 2 },
    ];
    const m = computeMetrics(history(events));
    expect(m.messages).toEqual({ sent: 1, delivered: 1, dropped: 2, duplicated: 1, refused: 1 });
    expect(m.ops).toEqual({ invoked: 2, writes: 1, reads: 1, ok: 1, fail: 0, info: 1 });
    expect(m.crashes).toEqual({ byCause: { crash: 1, rebuild: 1, close: 1, 'start-failed': 0 }, restarts: 2, serverActions: { rollback: 1 } });
  });

  it('gives the convergence time only when the run converged', () => {
    expect(computeMetrics(history([], { healedAt: 600_000, endedAt: 745_000, converged: true })).convergence).toEqual({ converged: true, convergenceMs: 145_000 });
    expect(computeMetrics(history([], { healedAt: 600_000, endedAt: 900_000, converged: false })).convergence).toEqual({ converged: false, convergenceMs: null });
  });

  it('rejects a bucket count out of range, naming the option', () => {
    expect(() => computeMetrics(history([]), { timeBucketsMax: 0 })).toThrow(/timeBucketsMax should be an integer from 1 to 200, got 0/);
    expect(() => computeMetrics(history([]), { timeBucketsMax: 201 })).toThrow(/timeBucketsMax/);
  });
});

describe('helpers', () => {
  it('percentile (quickselect) agrees with sorting, duplicates and all', () => {
    const rand = lcg(42);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rand() * 300);
      const values = Array.from({ length: n }, () => Math.floor(rand() * 50));
      for (const p of [1, 50, 95, 99, 100]) {
        expect(percentile(Float64Array.from(values), n, p)).toBe(naivePercentile(values, p));
      }
    }
  });

  it('bucketIndex finds the last edge at or below the value', () => {
    const edges = [0, 1, 2, 5, 10];
    expect([0, 0.5, 1, 4.9, 5, 9, 10, 1e9].map((v) => bucketIndex(edges, v))).toEqual([0, 0, 1, 2, 3, 3, 4, 4]);
  });
});

describe('a real simulation', () => {
  it('agrees with the simulator summary on the counts both compute', () => {
    const result = runSimulation({ config: buildSimConfig({ seed: 1, clients: 20, durationMs: 600_000 }) });
    const m = computeMetrics(result.history);
    const s = summarize(result.history);
    expect(m.duplicatesSuppressed).toBe(s.replayedAcks);
    expect(m.conflicts.total).toBe(s.conflicts);
    expect(m.deadLetters.total).toBe(s.deadLetters);
    expect(m.retries.retried).toBe(s.retries);
    expect(m.applies.total).toBe(s.applies);
    expect(m.crashes.byCause).toEqual(s.downs);
    expect(m.faults.total).toBe(s.faults);
    expect({ dropped: m.messages.dropped, duplicated: m.messages.duplicated, refused: m.messages.refused })
      .toEqual({ dropped: s.messages.dropped, duplicated: s.messages.duplicated, refused: s.messages.refused });
    expect(m.ops.invoked).toBe(s.ops.invoked);
    expect(m.convergence.convergenceMs).toBe(s.convergenceMs);
    // The queue derived from events ends where the clients' final queues do.
    expect(m.queue.endDerived).toBe(m.queue.endActual);
    expect(m.queue.endActual).toBe(s.queueRemaining);
    // Every acked item has a latency sample (its enqueue or first send was seen).
    expect(m.latency.samples).toBeGreaterThan(0);
    expect(m.latency.samples).toBeLessThanOrEqual(s.acked);
    expect(m.timeline.startsMs.length).toBeLessThanOrEqual(TIME_BUCKETS_MAX);
  });
});

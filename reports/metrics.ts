// Metrics of one run, computed from its History alone (DESIGN §2: one history feeds checkers,
// metrics, reports and replay). computeMetrics is pure and makes one pass over the events,
// so it stays linear for million-event runs; every series is bounded (≤ TIME_BUCKETS_MAX time
// buckets, fixed histogram edges), so metrics.json stays small whatever the run's size.
// RunMetrics, the JSON shape of metrics.json, is in metrics-schema.ts; the pass itself is
// Accumulator (metrics-accumulator.ts), its numeric helpers are in metrics-math.ts.

import { forEachRecord, type History } from '../sim/history.ts';
import { Accumulator } from './metrics-accumulator.ts';
import { TIME_BUCKETS_MAX, type RunMetrics } from './metrics-schema.ts';

export interface MetricsOptions {
  /** Number of time buckets at most, 1..TIME_BUCKETS_MAX (default TIME_BUCKETS_MAX). */
  readonly timeBucketsMax?: number;
}

export function computeMetrics(history: History, options: MetricsOptions = {}): RunMetrics {
  const timeBucketsMax = options.timeBucketsMax ?? TIME_BUCKETS_MAX;
  if (!Number.isInteger(timeBucketsMax) || timeBucketsMax < 1 || timeBucketsMax > TIME_BUCKETS_MAX) {
    throw new Error(`timeBucketsMax should be an integer from 1 to ${TIME_BUCKETS_MAX}, got ${String(timeBucketsMax)}`);
  }
  const { events, messages } = history;
  const lastT = Math.max(events.length === 0 ? 0 : events.timeAt(events.length - 1), messages.length === 0 ? 0 : messages.at(messages.length - 1).t);
  const endMs = Math.max(history.endedAt, lastT);
  const acc = new Accumulator(endMs, timeBucketsMax);
  forEachRecord(history, (record) => acc.add(record));
  return acc.finish(history, endMs);
}

// The fake-timers baseline of the standard run: the comparison workload (no faults) on real
// SyncEngines under @sinonjs/fake-timers at the standard size, then the simulator on exactly
// those ops for the span fake-timers got through (an hour unless its wall budget ran out,
// then the same ops prefix on both sides). Each side is the median of 3 fresh processes: one
// fake-timers run varied from 14.6 to 16.9 s on this machine, and the ratio divides by it.

import type { FakeTimersJob, FakeTimersMeasurement, SimJob, SimMeasurement } from './jobs.ts';
import { announce, runChild } from './spawn-child.ts';
import { compression, formatMinutes, medianBy } from './stats.ts';
import { HOUR_MS, MINUTE_MS } from './workloads.ts';

export interface BaselineEntry {
  readonly clients: number;
  readonly spanMs: number;
  /** Why the span is shorter than an hour, or null. */
  readonly shortened: string | null;
  readonly fakeTimersRuns: readonly FakeTimersMeasurement[];
  /** The median fake-timers run (by time compression: spans may differ when budgets run out). */
  readonly fakeTimers: FakeTimersMeasurement | null;
  readonly simRuns: readonly SimMeasurement[];
  readonly simMedian: SimMeasurement | null;
  /** Simulator speed ÷ fake-timers speed over the same span: fake-timers wall ÷ simulator wall; null without both. */
  readonly ratio: number | null;
  readonly error: string | null;
}

const REPEATS = 3;
const FAKE_TIMERS_WALL_BUDGET_MS = 180_000;
const CHUNK_MS = 5 * MINUTE_MS;

async function measureFakeTimers(clients: number): Promise<FakeTimersMeasurement[]> {
  const runs: FakeTimersMeasurement[] = [];
  for (let run = 1; run <= REPEATS; run++) {
    announce(`fake-timers baseline: ${clients.toLocaleString('en-US')} clients × up to 60 min, no faults (wall budget ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s) — run ${run} of ${REPEATS}`);
    const job: FakeTimersJob = { clients, durationMs: HOUR_MS, wallBudgetMs: FAKE_TIMERS_WALL_BUDGET_MS, chunkMs: CHUNK_MS };
    runs.push(await runChild<FakeTimersMeasurement>('fake-timers-child.ts', job));
  }
  return runs;
}

async function measureSimOn(clients: number, spanMs: number): Promise<SimMeasurement[]> {
  const runs: SimMeasurement[] = [];
  for (let run = 1; run <= REPEATS; run++) {
    announce(`simulator on the baseline workload: ${clients.toLocaleString('en-US')} clients × ${formatMinutes(spanMs)}, no faults — run ${run} of ${REPEATS}`);
    const job: SimJob = { mode: 'comparison', clients, durationMs: spanMs };
    runs.push(await runChild<SimMeasurement>('sim-child.ts', job));
  }
  return runs;
}

export async function measureBaseline(clients: number): Promise<BaselineEntry> {
  let fakeTimersRuns: FakeTimersMeasurement[] = [];
  let simRuns: SimMeasurement[] = [];
  let error: string | null = null;
  // The simulator runs the shortest span a fake-timers run got through (all of them: an hour).
  let spanMs = HOUR_MS;
  try {
    fakeTimersRuns = await measureFakeTimers(clients);
    spanMs = Math.min(...fakeTimersRuns.map((run) => run.simulatedMs));
    if (spanMs < HOUR_MS) announce(`fake-timers passed its wall budget: the simulator runs ${formatMinutes(spanMs)}`);
    simRuns = await measureSimOn(clients, spanMs);
  } catch (failure) {
    error = String(failure);
    announce(`  failed: ${error}`);
  }
  const fakeTimers = fakeTimersRuns.length === 0 ? null : medianBy(fakeTimersRuns, (r) => r.wallMs / r.simulatedMs);
  const shortened = fakeTimersRuns.some((run) => run.stoppedEarly) ? `fake-timers passed ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s wall before the hour` : null;
  const simMedian = simRuns.length === 0 ? null : medianBy(simRuns, (r) => r.wallMs);
  const ratio =
    fakeTimers === null || simMedian === null
      ? null
      : compression(spanMs, simMedian.wallMs) / compression(fakeTimers.simulatedMs, fakeTimers.wallMs);
  return { clients, spanMs, shortened, fakeTimersRuns, fakeTimers, simRuns, simMedian, ratio, error };
}

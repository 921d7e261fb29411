// The fake-timers baseline of the standard run: the comparison workload (no faults) on real
// SyncEngines under @sinonjs/fake-timers at the standard size, then the simulator on exactly
// those ops for the span fake-timers got through (an hour unless its wall budget ran out,
// then the same ops prefix on both sides), median of 3 simulator runs.

import type { FakeTimersJob, FakeTimersMeasurement, SimJob, SimMeasurement } from './jobs.ts';
import { announce, runChild } from './spawn-child.ts';
import { compression, formatMinutes, medianBy } from './stats.ts';
import { HOUR_MS, MINUTE_MS } from './workloads.ts';

export interface BaselineEntry {
  readonly clients: number;
  readonly spanMs: number;
  /** Why the span is shorter than an hour, or null. */
  readonly shortened: string | null;
  readonly fakeTimers: FakeTimersMeasurement | null;
  readonly simRuns: readonly SimMeasurement[];
  readonly simMedian: SimMeasurement | null;
  /** Simulator speed ÷ fake-timers speed over the same span: fake-timers wall ÷ simulator wall; null without both. */
  readonly ratio: number | null;
  readonly error: string | null;
}

const SIM_REPEATS = 3;
const FAKE_TIMERS_WALL_BUDGET_MS = 180_000;
const CHUNK_MS = 5 * MINUTE_MS;

async function measureFakeTimers(clients: number): Promise<FakeTimersMeasurement> {
  announce(`fake-timers baseline: ${clients.toLocaleString('en-US')} clients × up to 60 min, no faults (wall budget ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s)`);
  const job: FakeTimersJob = { clients, durationMs: HOUR_MS, wallBudgetMs: FAKE_TIMERS_WALL_BUDGET_MS, chunkMs: CHUNK_MS };
  return runChild<FakeTimersMeasurement>('fake-timers-child.ts', job);
}

async function measureSimOn(clients: number, spanMs: number): Promise<SimMeasurement[]> {
  const runs: SimMeasurement[] = [];
  for (let run = 1; run <= SIM_REPEATS; run++) {
    announce(`simulator on the baseline workload: ${clients.toLocaleString('en-US')} clients × ${formatMinutes(spanMs)}, no faults — run ${run} of ${SIM_REPEATS}`);
    const job: SimJob = { mode: 'comparison', clients, durationMs: spanMs };
    runs.push(await runChild<SimMeasurement>('sim-child.ts', job));
  }
  return runs;
}

export async function measureBaseline(clients: number): Promise<BaselineEntry> {
  let fakeTimers: FakeTimersMeasurement | null = null;
  let simRuns: SimMeasurement[] = [];
  let error: string | null = null;
  try {
    fakeTimers = await measureFakeTimers(clients);
    if (fakeTimers.stoppedEarly) announce(`fake-timers passed its wall budget: both sides run ${formatMinutes(fakeTimers.simulatedMs)}`);
    simRuns = await measureSimOn(clients, fakeTimers.simulatedMs);
  } catch (failure) {
    error = String(failure);
    announce(`  failed: ${error}`);
  }
  const spanMs = fakeTimers?.simulatedMs ?? HOUR_MS;
  const shortened = fakeTimers?.stoppedEarly === true ? `fake-timers passed ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s wall before the hour` : null;
  const simMedian = simRuns.length === 0 ? null : medianBy(simRuns, (r) => r.wallMs);
  const ratio =
    fakeTimers === null || simMedian === null
      ? null
      : compression(spanMs, simMedian.wallMs) / compression(spanMs, fakeTimers.wallMs);
  return { clients, spanMs, shortened, fakeTimers, simRuns, simMedian, ratio, error };
}

// The fake-timers baseline of the standard run: the comparison workload (no faults) on real
// SyncEngines under @sinonjs/fake-timers at the standard size, and the simulator on exactly
// those ops over the span fake-timers got through (an hour unless its wall budget ran out).
// Three pairs, each a fake-timers run and right after it the simulator over its span, every run
// a fresh process; the ratio is the median of the three pairs' ratios. Pairing keeps a drift in
// the machine's speed out of the ratio: on this machine one fake-timers run took 13.9 s and
// another, an hour later, 17.3 s, which moves a ratio of medians taken minutes apart by as much.

import type { FakeTimersJob, FakeTimersMeasurement, SimJob, SimMeasurement } from './jobs.ts';
import { announce, runChild } from './spawn-child.ts';
import { compression, formatMinutes, medianBy } from './stats.ts';
import { HOUR_MS, MINUTE_MS } from './workloads.ts';

export interface BaselineEntry {
  readonly clients: number;
  /** The shortest span of the pairs (an hour unless a fake-timers run passed its wall budget). */
  readonly spanMs: number;
  /** Why the span is shorter than an hour, or null. */
  readonly shortened: string | null;
  /** fakeTimersRuns[i] and simRuns[i] are a pair: the simulator ran fake-timers run i's span right after it. */
  readonly fakeTimersRuns: readonly FakeTimersMeasurement[];
  /** The median fake-timers run (by time compression: spans may differ when budgets run out). */
  readonly fakeTimers: FakeTimersMeasurement | null;
  readonly simRuns: readonly SimMeasurement[];
  readonly simMedian: SimMeasurement | null;
  /** Each pair's simulator speed ÷ fake-timers speed (fake-timers wall ÷ simulator wall over one span). */
  readonly pairRatios: readonly number[];
  /** The median of pairRatios; null without a whole pair. */
  readonly ratio: number | null;
  readonly error: string | null;
}

const PAIRS = 3;
const FAKE_TIMERS_WALL_BUDGET_MS = 180_000;
const CHUNK_MS = 5 * MINUTE_MS;

/** One pair: fake-timers over up to an hour, then the simulator over the span it got through. */
async function measurePair(clients: number, pair: number): Promise<{ fakeTimers: FakeTimersMeasurement; sim: SimMeasurement }> {
  announce(`fake-timers baseline: ${clients.toLocaleString('en-US')} clients × up to 60 min, no faults (wall budget ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s) — pair ${pair} of ${PAIRS}`);
  const ftJob: FakeTimersJob = { clients, durationMs: HOUR_MS, wallBudgetMs: FAKE_TIMERS_WALL_BUDGET_MS, chunkMs: CHUNK_MS };
  const fakeTimers = await runChild<FakeTimersMeasurement>('fake-timers-child.ts', ftJob);
  if (fakeTimers.simulatedMs < HOUR_MS) announce(`fake-timers passed its wall budget: the simulator runs ${formatMinutes(fakeTimers.simulatedMs)}`);
  announce(`simulator on the baseline workload: ${clients.toLocaleString('en-US')} clients × ${formatMinutes(fakeTimers.simulatedMs)}, no faults — pair ${pair} of ${PAIRS}`);
  const simJob: SimJob = { mode: 'comparison', clients, durationMs: fakeTimers.simulatedMs };
  const sim = await runChild<SimMeasurement>('sim-child.ts', simJob);
  return { fakeTimers, sim };
}

/** Simulator speed ÷ fake-timers speed over each one's span. */
function speedRatio(fakeTimers: FakeTimersMeasurement, sim: SimMeasurement): number {
  return compression(sim.durationMs, sim.wallMs) / compression(fakeTimers.simulatedMs, fakeTimers.wallMs);
}

export async function measureBaseline(clients: number): Promise<BaselineEntry> {
  const fakeTimersRuns: FakeTimersMeasurement[] = [];
  const simRuns: SimMeasurement[] = [];
  let error: string | null = null;
  try {
    for (let pair = 1; pair <= PAIRS; pair++) {
      const measured = await measurePair(clients, pair);
      fakeTimersRuns.push(measured.fakeTimers);
      simRuns.push(measured.sim);
    }
  } catch (failure) {
    error = String(failure);
    announce(`  failed: ${error}`);
  }
  return baselineEntryOf(clients, fakeTimersRuns, simRuns, error);
}

/** The entry of these pairs (simRuns[i] ran after fakeTimersRuns[i]; an unpaired fake-timers run counts in no ratio). */
export function baselineEntryOf(clients: number, fakeTimersRuns: readonly FakeTimersMeasurement[], simRuns: readonly SimMeasurement[], error: string | null): BaselineEntry {
  const pairRatios = simRuns.map((sim, i) => speedRatio(fakeTimersRuns[i]!, sim));
  const spanMs = fakeTimersRuns.length === 0 ? HOUR_MS : Math.min(...fakeTimersRuns.map((run) => run.simulatedMs));
  const shortened = fakeTimersRuns.some((run) => run.stoppedEarly) ? `fake-timers passed ${FAKE_TIMERS_WALL_BUDGET_MS / 1000} s wall before the hour` : null;
  return {
    clients,
    spanMs,
    shortened,
    fakeTimersRuns,
    fakeTimers: fakeTimersRuns.length === 0 ? null : medianBy(fakeTimersRuns, (r) => r.wallMs / r.simulatedMs),
    simRuns,
    simMedian: simRuns.length === 0 ? null : medianBy(simRuns, (r) => r.wallMs),
    pairRatios,
    ratio: pairRatios.length === 0 ? null : medianBy(pairRatios, (r) => r),
    error,
  };
}

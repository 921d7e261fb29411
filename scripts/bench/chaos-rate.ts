// Group "chaos" (issue 7): nightly throughput, seeds per hour of the quick scenario through
// the chaos machinery (chaos-child.ts) with 1 and with 2 workers, each time-boxed, the two
// alternating so a change in the machine's load hits both alike; median of REPEATS each.

import { availableParallelism } from 'node:os';
import type { ChaosRateJob, ChaosRateMeasurement } from './chaos-child.ts';
import { announce, runChild } from './spawn-child.ts';
import { medianBy } from './stats.ts';

export interface ChaosRateEntry {
  readonly clients: number;
  readonly durationMs: number;
  readonly budgetMs: number;
  readonly oneRuns: readonly ChaosRateMeasurement[];
  readonly twoRuns: readonly ChaosRateMeasurement[];
  readonly oneMedian: ChaosRateMeasurement | null;
  readonly twoMedian: ChaosRateMeasurement | null;
  /** CPUs of this machine (os.availableParallelism). */
  readonly cpus: number;
  /** Median seeds/h with 2 workers ÷ with 1. */
  readonly speedup: number | null;
  readonly error: string | null;
}

const REPEATS = 3;
/** Wall budget of one measurement (the seeds in flight then finish). */
export const CHAOS_BUDGET_MS = 30_000;

export async function measureChaosRate(): Promise<ChaosRateEntry> {
  const oneRuns: ChaosRateMeasurement[] = [];
  const twoRuns: ChaosRateMeasurement[] = [];
  let error: string | null = null;
  for (let run = 1; run <= REPEATS; run++) {
    for (const workers of [1, 2]) {
      announce(`nightly throughput: quick scenario via chaos, ${workers} worker${workers === 1 ? '' : 's'}, ${CHAOS_BUDGET_MS / 1000} s — run ${run} of ${REPEATS}`);
      const job: ChaosRateJob = { workers, budgetMs: CHAOS_BUDGET_MS };
      try {
        (workers === 1 ? oneRuns : twoRuns).push(await runChild<ChaosRateMeasurement>('chaos-child.ts', job));
      } catch (failure) {
        error = String(failure);
        announce(`  failed: ${error}`);
      }
    }
  }
  const median = (runs: ChaosRateMeasurement[]): ChaosRateMeasurement | null => (runs.length === 0 ? null : medianBy(runs, (r) => r.seedsPerHour));
  const oneMedian = median(oneRuns);
  const twoMedian = median(twoRuns);
  const speedup = oneMedian === null || twoMedian === null ? null : twoMedian.seedsPerHour / oneMedian.seedsPerHour;
  const any = oneMedian ?? twoMedian;
  return { clients: any?.clients ?? 50, durationMs: any?.durationMs ?? 600_000, budgetMs: CHAOS_BUDGET_MS, cpus: availableParallelism(), oneRuns, twoRuns, oneMedian, twoMedian, speedup, error };
}

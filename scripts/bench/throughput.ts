// Measurement 1, simulator throughput: 100 and 1,000 clients × one simulated hour with the
// default swarm (median of 3 runs, each in a fresh process), then 10,000 clients once, for
// less than an hour when the 1,000-client run projects it past the wall budget.

import type { SimJob, SimMeasurement } from './jobs.ts';
import { announce, runChild } from './spawn-child.ts';
import { durationWithinBudget, formatMinutes, medianBy } from './stats.ts';
import { HOUR_MS, MINUTE_MS } from './workloads.ts';

export interface ThroughputEntry {
  readonly clients: number;
  readonly durationMs: number;
  /** Why the duration is shorter than an hour, or null. */
  readonly shortened: string | null;
  readonly runs: readonly SimMeasurement[];
  /** The run with the median wall time; null when every run failed. */
  readonly median: SimMeasurement | null;
  readonly error: string | null;
}

const REPEATS = 3;
const BIG_CLIENTS = 10_000;
const BIG_WALL_BUDGET_MS = 120_000;
/**
 * 10× the clients costs far more than 10× the time: a heap of several GB spends much of it in
 * GC, and the swarm's convergence phase runs longer. Measured on a 2-CPU machine: 10,000 × 10 min
 * took 2.3× the cpu time linear from 1,000 × 60 min, and 10,000 × 40 min 4.7× its wall time.
 */
const BIG_SCALING_MARGIN = 4;
/** When nothing can be projected (the 1,000-client run failed). */
const BIG_FALLBACK_MS = 15 * MINUTE_MS;
/** The 10,000-client child may grow its heap past Node's default, so its RSS is measured rather than an OOM. */
const BIG_NODE_ARGS = ['--max-old-space-size=16384'];

async function measureSize(clients: number, durationMs: number, repeats: number, shortened: string | null, nodeArgs: readonly string[] = []): Promise<ThroughputEntry> {
  const runs: SimMeasurement[] = [];
  let error: string | null = null;
  for (let run = 1; run <= repeats; run++) {
    announce(`simulator throughput: ${clients.toLocaleString('en-US')} clients × ${formatMinutes(durationMs)}, swarm faults — run ${run} of ${repeats}`);
    const job: SimJob = { mode: 'swarm', clients, durationMs };
    try {
      runs.push(await runChild<SimMeasurement>('sim-child.ts', job, nodeArgs));
    } catch (failure) {
      error = String(failure);
      announce(`  failed: ${error}`);
    }
  }
  const median = runs.length === 0 ? null : medianBy(runs, (r) => r.wallMs);
  return { clients, durationMs, shortened, runs, median, error };
}

export async function measureThroughput(): Promise<ThroughputEntry[]> {
  const small = await measureSize(100, HOUR_MS, REPEATS, null);
  const medium = await measureSize(1000, HOUR_MS, REPEATS, null);
  // From cpu time, not wall: what an idle machine would take, so other load does not shorten the run.
  const projectedMs = medium.median === null ? null : medium.median.cpuMs * (BIG_CLIENTS / 1000) * BIG_SCALING_MARGIN;
  const choice =
    projectedMs === null
      ? { durationMs: BIG_FALLBACK_MS, reason: 'no 1,000-client run to project from' }
      : durationWithinBudget(HOUR_MS, projectedMs, BIG_WALL_BUDGET_MS, 5 * MINUTE_MS);
  if (choice.reason !== null) announce(`10,000 clients: ${formatMinutes(choice.durationMs)} instead of an hour (${choice.reason})`);
  const big = await measureSize(BIG_CLIENTS, choice.durationMs, 1, choice.reason, BIG_NODE_ARGS);
  return [small, medium, big];
}

// Simulator runs of the default swarm at a given size, each in a fresh process (median of
// `repeats`): the standard run (1,000 clients × one hour, standard.ts) and the scale run
// (10,000 clients, scale.ts, for less than an hour when projected past its wall budget).

import type { SimJob, SimMeasurement } from './jobs.ts';
import { announce, runChild, type Placement } from './spawn-child.ts';
import { formatMinutes, medianBy } from './stats.ts';

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

export async function measureSize(clients: number, durationMs: number, repeats: number, shortened: string | null, nodeArgs: readonly string[] = [], placement: Placement = null): Promise<ThroughputEntry> {
  const runs: SimMeasurement[] = [];
  let error: string | null = null;
  const where = placement === null ? '' : ` on CPU ${placement.cpu} alone`;
  for (let run = 1; run <= repeats; run++) {
    announce(`simulator: ${clients.toLocaleString('en-US')} clients × ${formatMinutes(durationMs)}, swarm faults, every checker${where} — run ${run} of ${repeats}`);
    const job: SimJob = { mode: 'swarm', clients, durationMs };
    try {
      runs.push(await runChild<SimMeasurement>('sim-child.ts', job, nodeArgs, placement));
    } catch (failure) {
      error = String(failure);
      announce(`  failed: ${error}`);
    }
  }
  const median = runs.length === 0 ? null : medianBy(runs, (r) => r.wallMs);
  return { clients, durationMs, shortened, runs, median, error };
}

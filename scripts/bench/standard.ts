// Group "standard" (issue 7): the standard run — 1,000 clients in teams of 5, one simulated
// hour, swarm faults, every checker — median of 3 fresh processes, for time compression;
// then the fake-timers baseline at the same size (baseline.ts) for the speed ratio.

import { measureBaseline, type BaselineEntry } from './baseline.ts';
import { measureSize, type ThroughputEntry } from './throughput.ts';
import { HOUR_MS } from './workloads.ts';

export const STANDARD_CLIENTS = 1000;
const REPEATS = 3;

export interface StandardEntry {
  readonly run: ThroughputEntry;
  readonly baseline: BaselineEntry;
}

export async function measureStandard(): Promise<StandardEntry> {
  const run = await measureSize(STANDARD_CLIENTS, HOUR_MS, REPEATS, null);
  const baseline = await measureBaseline(STANDARD_CLIENTS);
  return { run, baseline };
}

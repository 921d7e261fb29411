// Group "standard" (issues 3 and 7): the standard run — 1,000 clients in teams of 5, one
// simulated hour, swarm faults, every checker — median of 3 fresh processes, for time
// compression; then the fake-timers baseline at the same size (baseline.ts) for the speed
// ratio. First the same hour at 100 clients, the small size issue 3 asks to see (no target);
// then the standard run again pinned to one CPU, for issue 3's "10 s of wall on one core".

import { measureBaseline, type BaselineEntry } from './baseline.ts';
import { measureSize, type ThroughputEntry } from './throughput.ts';
import { HOUR_MS } from './workloads.ts';

export const STANDARD_CLIENTS = 1000;
export const SMALL_CLIENTS = 100;
const REPEATS = 3;

export interface StandardEntry {
  /** The same hour at SMALL_CLIENTS. */
  readonly small: ThroughputEntry;
  readonly run: ThroughputEntry;
  /** The standard run pinned to CPU 0: V8's background threads cannot take a second CPU. */
  readonly oneCore: ThroughputEntry;
  readonly baseline: BaselineEntry;
}

export async function measureStandard(): Promise<StandardEntry> {
  const small = await measureSize(SMALL_CLIENTS, HOUR_MS, REPEATS, null);
  const run = await measureSize(STANDARD_CLIENTS, HOUR_MS, REPEATS, null);
  const oneCore = await measureSize(STANDARD_CLIENTS, HOUR_MS, REPEATS, null, [], { cpu: 0 });
  const baseline = await measureBaseline(STANDARD_CLIENTS);
  return { small, run, oneCore, baseline };
}

// The benchmark's workloads as data: the swarm config each throughput size runs, and the
// fault-free comparison workload both the simulator and the fake-timers baseline execute
// (one plan, cut to the span both actually ran). Pure; parent and children share it.

import { buildSimConfig } from '../../sim/config.ts';
import { generatePlan } from '../../sim/plan.ts';
import type { RunPlan, SimConfig, WorkloadOp } from '../../sim/types.ts';

export const BENCH_SEED = 1;
export const TEAM_SIZE = 5;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** Throughput: the default swarm (faults on, clock skew on), teams of 5. */
export function swarmConfig(clients: number, durationMs: number): SimConfig {
  return buildSimConfig({ seed: BENCH_SEED, clients, teamSize: TEAM_SIZE, durationMs });
}

/**
 * The comparison: the same seed and workload, no faults and no clock skew or drift (the
 * fake-timers clients read one faked Date.now). Ops come from other rng streams, so they
 * are exactly the swarm run's ops.
 */
export function comparisonConfig(clients: number, durationMs: number): SimConfig {
  return buildSimConfig({
    seed: BENCH_SEED,
    clients,
    teamSize: TEAM_SIZE,
    durationMs,
    clock: { skewMsMax: 0, driftPpmMax: 0 },
    faults: { kinds: [] },
  });
}

/** The comparison plan: an hour's plan for `clients`, keeping the ops before spanMs. */
export function comparisonPlan(clients: number, spanMs: number): RunPlan {
  const plan = generatePlan(comparisonConfig(clients, HOUR_MS));
  return { ...plan, ops: opsBefore(plan.ops, spanMs) };
}

/** The prefix of time-sorted ops that start before spanMs. */
export function opsBefore(ops: readonly WorkloadOp[], spanMs: number): readonly WorkloadOp[] {
  let end = ops.length;
  while (end > 0 && ops[end - 1]!.atMs >= spanMs) end--;
  return end === ops.length ? ops : ops.slice(0, end);
}

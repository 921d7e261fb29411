// The comparison workload: the same ops as the swarm run (only faults and clocks differ),
// cut to a span by time.

import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../sim/plan.ts';
import type { WorkloadOp } from '../../sim/types.ts';
import { comparisonConfig, comparisonPlan, HOUR_MS, opsBefore, swarmConfig } from './workloads.ts';

const op = (atMs: number): WorkloadOp => ({ atMs, client: 0, action: 'write', entity: 0 });

describe('bench workloads', () => {
  it('the comparison plan has the swarm plan’s ops, no faults and unskewed clocks', () => {
    const swarm = generatePlan(swarmConfig(20, HOUR_MS));
    const comparison = comparisonPlan(20, HOUR_MS);
    expect(comparison.ops).toEqual(swarm.ops);
    expect(swarm.faults.length).toBeGreaterThan(0);
    expect(comparison.faults).toEqual([]);
    expect(comparison.clocks.every((c) => c.offsetMs === 0 && c.driftPpm === 0)).toBe(true);
    expect(comparisonConfig(20, HOUR_MS).faults.kinds).toEqual([]);
  });

  it('a shorter span keeps exactly the hour plan’s ops that start before it', () => {
    const hour = comparisonPlan(20, HOUR_MS).ops;
    const span = comparisonPlan(20, 10 * 60_000).ops;
    expect(span).toEqual(hour.filter((o) => o.atMs < 10 * 60_000));
    expect(span.length).toBeGreaterThan(0);
  });

  it('opsBefore cuts at the first op at or after the span, and returns the same array when nothing is cut', () => {
    const ops = [op(1), op(5), op(5), op(9)];
    expect(opsBefore(ops, 5)).toEqual([op(1)]);
    expect(opsBefore(ops, 10)).toBe(ops);
    expect(opsBefore(ops, 0)).toEqual([]);
  });
});

// Property tests over generated configurations, workloads and fault schedules (fast-check):
// the correct engine holds every property; a broken variant is found and fast-check shrinks
// the run to a small counterexample (fewer clients, a shorter run, fewer fault kinds).
// Seeds are fixed here (CI); SYNCSTORM_FC_SEED overrides them for a nightly random run and
// fast-check prints the seed and the counterexample on failure either way.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSimConfig } from '../sim/config.ts';
import { runSimulation } from '../sim/runner.ts';
import { SWARM_FAULT_KINDS, type FaultKind, type SimConfig } from '../sim/types.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../sim/variants.ts';
import { buildEngineOptions } from '../engine/options.ts';
import { runChecks } from './checkers/index.ts';
import { bugByName } from './bugs.ts';

const FC_SEED = Number(process.env['SYNCSTORM_FC_SEED'] ?? 20261125);

/** A small run: few clients, a few simulated minutes, a subset of the fault kinds. */
const configArb: fc.Arbitrary<SimConfig> = fc
  .record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    clients: fc.integer({ min: 1, max: 8 }),
    teamSize: fc.integer({ min: 1, max: 4 }),
    minutes: fc.integer({ min: 1, max: 4 }),
    opsPerClientPerHour: fc.integer({ min: 30, max: 600 }),
    entitiesPerTeam: fc.integer({ min: 1, max: 12 }),
    zipfS: fc.constantFrom(0, 1, 2),
    kinds: fc.subarray([...SWARM_FAULT_KINDS] as FaultKind[], { minLength: 0, maxLength: 6 }),
    faultsPerHour: fc.integer({ min: 0, max: 240 }),
  })
  .map((r) =>
    buildSimConfig({
      seed: r.seed,
      clients: r.clients,
      teamSize: Math.min(r.teamSize, r.clients),
      durationMs: r.minutes * 60_000,
      workload: { opsPerClientPerHour: r.opsPerClientPerHour, entitiesPerTeam: r.entitiesPerTeam, zipfS: r.zipfS },
      faults: { kinds: r.kinds, swarm: false, faultsPerHour: r.faultsPerHour },
    }),
  );

function violations(config: SimConfig, variant: SystemVariant): string[] {
  const result = runSimulation({ config, variant });
  const engine = buildEngineOptions({ ...config.engine, ...variant.engine, clientId: 'check' });
  const checks = runChecks(result.history, { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs });
  return checks.filter((c) => !c.valid).map((c) => `${c.name}: ${c.summary}`);
}

describe('generated runs', () => {
  it('the correct engine holds every property on generated configs, workloads and fault schedules', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        expect(violations(config, CORRECT_SYSTEM)).toEqual([]);
      }),
      { seed: FC_SEED, numRuns: 100 },
    );
  });

  it('a broken variant is found and shrunk to a small counterexample', () => {
    const bug = bugByName('transient-dead-lettered');
    const found = fc.check(
      fc.property(configArb, (config) => violations(config, bug.variant).length === 0),
      { seed: FC_SEED, numRuns: 60 },
    );
    expect(found.failed, 'fast-check found no failing run for transient-dead-lettered').toBe(true);
    const [shrunk] = found.counterexample as [SimConfig];
    // Shrinking drives the generated numbers down: what is left is the little that still fails.
    expect(shrunk.clients).toBeLessThanOrEqual(2);
    console.log(`shrunk counterexample: ${shrunk.clients} clients, ${shrunk.durationMs / 60_000} min, faults ${shrunk.faults.kinds.join(',')} × ${shrunk.faults.faultsPerHour}/h, seed ${shrunk.seed} (after ${found.numShrinks} shrinks)`);
    expect(shrunk.faults.kinds.length).toBeLessThanOrEqual(2);
    expect(violations(shrunk, bug.variant).some((v) => v.startsWith('error-classification'))).toBe(true);
  });
});

// Tests of the sim config builder: defaults are valid, partials merge section by section,
// and every bad field fails with SimConfigError naming the dotted field and the bad value.

import { describe, expect, it } from 'vitest';
import { buildSimConfig, DEFAULT_SIM_CONFIG, SimConfigError, teamOf, userOfTeam, type DeepPartial } from './config.ts';
import { SWARM_FAULT_KINDS, type FaultKind, type SimConfig } from './types.ts';

describe('buildSimConfig', () => {
  it('the defaults are valid and come back equal and frozen', () => {
    const config = buildSimConfig({});
    expect(config).toEqual(DEFAULT_SIM_CONFIG);
    expect(buildSimConfig()).toEqual(DEFAULT_SIM_CONFIG);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.workload)).toBe(true);
    expect(Object.isFrozen(config.faults.kinds)).toBe(true);
    expect(DEFAULT_SIM_CONFIG).toMatchObject({ seed: 1, clients: 50, teamSize: 5, durationMs: 600_000, convergenceBudgetMs: 7_200_000 });
    expect(DEFAULT_SIM_CONFIG.faults.kinds).toEqual(SWARM_FAULT_KINDS);
  });

  it('merges nested sections field by field and replaces arrays whole', () => {
    const config = buildSimConfig({
      seed: 99,
      workload: { zipfS: 0 },
      faults: { kinds: ['loss', 'partition'], swarm: false },
      engine: { batchItemsMax: 5 },
      link: { latencyMsMax: 50 },
    });
    expect(config.seed).toBe(99);
    expect(config.workload).toEqual({ ...DEFAULT_SIM_CONFIG.workload, zipfS: 0 });
    expect(config.faults).toEqual({ ...DEFAULT_SIM_CONFIG.faults, kinds: ['loss', 'partition'], swarm: false });
    expect(config.engine).toEqual({ ...DEFAULT_SIM_CONFIG.engine, batchItemsMax: 5 });
    expect(config.link).toEqual({ latencyMsMax: 50 });
    expect(DEFAULT_SIM_CONFIG.workload.zipfS).toBe(1);
  });

  it('does not keep a reference to the caller’s arrays or objects', () => {
    const kinds: FaultKind[] = ['loss'];
    const workload = { zipfS: 2 };
    const config = buildSimConfig({ faults: { kinds }, workload });
    kinds.push('partition');
    workload.zipfS = 3;
    expect(config.faults.kinds).toEqual(['loss']);
    expect(config.workload.zipfS).toBe(2);
  });

  it('accepts the edges of every range', () => {
    expect(() =>
      buildSimConfig({
        seed: Number.MAX_SAFE_INTEGER,
        clients: 1,
        teamSize: 1,
        durationMs: 1000,
        convergenceBudgetMs: 0,
        workload: { opsPerClientPerHour: 0, entitiesPerTeam: 1, zipfS: 4, writePerMille: 1000, deletePerMille: 0 },
        clock: { skewMsMax: 0, driftPpmMax: 1000 },
        faults: { kinds: [], faultsPerHour: 0, durationMsMin: 1, durationMsMax: 1 },
      }),
    ).not.toThrow();
    expect(() => buildSimConfig({ clients: 10_000, teamSize: 10_000, workload: { writePerMille: 0, deletePerMille: 1000 } })).not.toThrow();
  });

  const bad: [label: string, partial: DeepPartial<SimConfig>, field: string, value: unknown, message: string][] = [
    ['a negative seed', { seed: -1 }, 'seed', -1, 'seed should be an integer from 0 to 9007199254740991, got -1'],
    ['zero clients', { clients: 0 }, 'clients', 0, 'clients should be an integer from 1 to 10000, got 0'],
    ['too many clients', { clients: 10_001 }, 'clients', 10_001, 'got 10001'],
    ['a fractional client count', { clients: 2.5 }, 'clients', 2.5, 'got 2.5'],
    ['a team larger than the clients', { clients: 4, teamSize: 5 }, 'teamSize', 5, 'teamSize should be an integer from 1 to 4, got 5'],
    ['a run shorter than a second', { durationMs: 999 }, 'durationMs', 999, 'from 1000 to 604800000'],
    ['a negative convergence budget', { convergenceBudgetMs: -5 }, 'convergenceBudgetMs', -5, 'got -5'],
    ['a string for a number', { durationMs: '60000' as unknown as number }, 'durationMs', '60000', 'got "60000"'],
    ['NaN', { workload: { opsPerClientPerHour: Number.NaN } }, 'workload.opsPerClientPerHour', Number.NaN, 'got NaN'],
    ['writes over 1000 per mille', { workload: { writePerMille: 1200 } }, 'workload.writePerMille', 1200, 'workload.writePerMille should be an integer from 0 to 1000, got 1200'],
    ['writes plus deletes over 1000', { workload: { writePerMille: 900, deletePerMille: 101 } }, 'workload.deletePerMille', 101, 'from 0 to 100, got 101'],
    ['zero entities', { workload: { entitiesPerTeam: 0 } }, 'workload.entitiesPerTeam', 0, 'got 0'],
    ['a Zipf exponent over 4', { workload: { zipfS: 4.5 } }, 'workload.zipfS', 4.5, 'a number from 0 to 4, got 4.5'],
    ['an infinite Zipf exponent', { workload: { zipfS: Infinity } }, 'workload.zipfS', Infinity, 'got Infinity'],
    ['a skew over a day', { clock: { skewMsMax: 86_400_001 } }, 'clock.skewMsMax', 86_400_001, 'got 86400001'],
    ['drift over 1000 ppm', { clock: { driftPpmMax: 1001 } }, 'clock.driftPpmMax', 1001, 'got 1001'],
    ['a negative fault rate', { faults: { faultsPerHour: -1 } }, 'faults.faultsPerHour', -1, 'got -1'],
    ['a zero fault duration', { faults: { durationMsMin: 0 } }, 'faults.durationMsMin', 0, 'got 0'],
    ['a fault duration max below min', { faults: { durationMsMin: 10_000, durationMsMax: 9_999 } }, 'faults.durationMsMax', 9_999, 'from 10000 to'],
    ['an unknown fault kind', { faults: { kinds: ['loss', 'meteor' as FaultKind] } }, 'faults.kinds.1', 'meteor', 'got "meteor"'],
    ['a duplicate fault kind', { faults: { kinds: ['loss', 'partition', 'loss'] } }, 'faults.kinds.2', 'loss', 'listed once'],
    ['kinds that is not an array', { faults: { kinds: 'loss' as unknown as FaultKind[] } }, 'faults.kinds', 'loss', 'an array'],
    ['swarm that is not a boolean', { faults: { swarm: 1 as unknown as boolean } }, 'faults.swarm', 1, 'true or false, got 1'],
    ['recordMessages that is not a boolean', { recordMessages: 'yes' as unknown as boolean }, 'recordMessages', 'yes', 'got "yes"'],
    ['a section that is not an object', { workload: 7 as unknown as object }, 'workload', 7, 'workload should be an object, got 7'],
    ['a misspelt top-level field', { client: 3 } as DeepPartial<SimConfig>, 'client', 3, 'not a known field'],
    ['a misspelt nested field', { workload: { opsPerHour: 3 } } as DeepPartial<SimConfig>, 'workload.opsPerHour', 3, 'not a known field'],
    ['a bad engine option', { engine: { batchItemsMax: 0 } }, 'engine.batchItemsMax', 0, 'engine.batchItemsMax should be an integer from 1 to 10000, got 0'],
    ['a clientId in the engine options', { engine: { clientId: 'c' } } as DeepPartial<SimConfig>, 'engine.clientId', 'c', 'not a known field'],
    ['a bad link field', { link: { requestLossPerMille: 1001 } }, 'link.requestLossPerMille', 1001, 'link.requestLossPerMille should be an integer from 0 to 1000, got 1001'],
    ['a link latency max below the default min', { link: { latencyMsMax: 5 } }, 'link.latencyMsMax', 5, 'link.latencyMsMax should be an integer from 10 to'],
    ['a bad link distribution', { link: { latencyDistribution: 'normal' as 'uniform' } }, 'link.latencyDistribution', 'normal', 'one of uniform'],
    ['a plan too large to hold', { clients: 10_000, durationMs: 7 * 86_400_000 }, 'workload.opsPerClientPerHour', 60, 'at most 5 for 10000 clients'],
    ['too many faults to hold', { durationMs: 7 * 86_400_000, faults: { faultsPerHour: 10_000 } }, 'faults.faultsPerHour', 10_000, 'at most 5952'],
  ];

  it.each(bad)('refuses %s, naming the field and the value', (_label, partial, field, value, message) => {
    let caught: unknown;
    try {
      buildSimConfig(partial);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SimConfigError);
    const error = caught as SimConfigError;
    expect(error.field).toBe(field);
    expect(error.value).toBe(value);
    expect(error.message).toContain(message);
    expect(error.message.startsWith(`${field} should be `)).toBe(true);
    expect(error.name).toBe('SimConfigError');
  });
});

describe('teams', () => {
  it('groups consecutive clients into teams and names each team’s user', () => {
    expect([0, 1, 4, 5, 9, 10].map((client) => teamOf(client, 5))).toEqual([0, 0, 0, 1, 1, 2]);
    expect(teamOf(7, 1)).toBe(7);
    expect(userOfTeam(3)).toBe('team-3');
  });
});

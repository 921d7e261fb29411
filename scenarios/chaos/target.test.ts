// What `chaos --scenario/--bug/--clients/--team-size/--duration/--policy` runs: the bug's variant with its faults
// emphasized on 10 clients, flags over everything, and usage errors that name the flag.

import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CONFIG } from '../../sim/config.ts';
import { ChaosUsageError, resolveChaosTarget } from './target.ts';

describe('resolveChaosTarget', () => {
  it('defaults to the default simulation config and the correct engine', async () => {
    const target = await resolveChaosTarget({});
    expect(target).toMatchObject({ scenario: 'default', bug: null, variant: 'correct', scheduled: false, expectedFailure: null });
    expect({ ...target.config, seed: DEFAULT_SIM_CONFIG.seed }).toEqual(DEFAULT_SIM_CONFIG);
  });

  it("--bug runs the bug's variant with its faults emphasized on 10 clients", async () => {
    const target = await resolveChaosTarget({ bug: 'no-server-dedup' });
    expect(target.variant).toBe('no-server-dedup');
    expect(target.config.clients).toBe(10);
    expect(target.config.faults).toMatchObject({ kinds: ['commit-then-fail', 'partition-response'], swarm: false, faultsPerHour: 120 });
  });

  it('--clients and --duration win; teams never outgrow the cluster', async () => {
    const target = await resolveChaosTarget({ bug: 'no-backoff', clients: 3, durationMs: 90_000 });
    expect(target.config).toMatchObject({ clients: 3, teamSize: 3, durationMs: 90_000 });
  });

  it("--team-size wins over the scenario's, capped at the cluster as run caps it", async () => {
    expect((await resolveChaosTarget({ teamSize: 10 })).config).toMatchObject({ clients: 50, teamSize: 10 });
    expect((await resolveChaosTarget({ clients: 4, teamSize: 10 })).config).toMatchObject({ clients: 4, teamSize: 4 });
    // clock-skew-lww sets its own teams of 3 (its schedule staggers them); the flag still wins.
    expect((await resolveChaosTarget({ scenario: 'clock-skew-lww' })).config.teamSize).toBe(3);
    expect((await resolveChaosTarget({ scenario: 'clock-skew-lww', teamSize: 2 })).config.teamSize).toBe(2);
  });

  it('a scenario of the catalogue brings its config, engine options and schedule', async () => {
    const target = await resolveChaosTarget({ scenario: 'clock-skew-lww' });
    expect(target.scenario).toBe('clock-skew-lww');
    expect(target.scheduled).toBe(true);
    expect(target.config.engine.conflictPolicy).toBe('lww-client-clock');
    expect(target.expectedFailure).toBe('lww-real-time');
    const plan = target.planFor({ ...target.config, seed: 1 });
    expect(plan.faults.length).toBeGreaterThan(0);
  });

  it("--policy wins over the scenario's, and the target names the policy the engines run under", async () => {
    expect((await resolveChaosTarget({})).policy).toBe('lww-hlc');
    const merged = await resolveChaosTarget({ policy: 'field-merge' });
    expect(merged.config.engine.conflictPolicy).toBe('field-merge');
    expect(merged.policy).toBe('field-merge');
    const skew = await resolveChaosTarget({ scenario: 'clock-skew-lww', policy: 'lww-hlc' });
    expect([skew.config.engine.conflictPolicy, skew.policy]).toEqual(['lww-hlc', 'lww-hlc']);
    // A bug that pins its policy keeps it, and says so.
    expect((await resolveChaosTarget({ bug: 'lww-skewed-clocks' })).policy).toBe('lww-client-clock');
  });

  it.each([
    [{ bug: 'lww-skewed-clocks', policy: 'lww-hlc' as const }, '--policy', /--policy: variant 'lww-skewed-clocks' runs under its own conflict policy 'lww-client-clock', got 'lww-hlc'/],
    [{ scenario: 'no-such-scenario' }, '--scenario', /--scenario must be 'default' or a scenario of the catalogue \(.*clock-skew-lww.*\), got 'no-such-scenario'/],
    [{ bug: 'no-such-bug' }, '--bug', /--bug must be a bug of the zoo \(no-server-dedup, .*\), got 'no-such-bug'/],
    [{ clients: 0 }, '--clients', /--clients must be an integer from 1/],
    [{ teamSize: 0 }, '--team-size', /--team-size must be an integer from 1 to 10000, got '0'/],
    [{ durationMs: 10 }, '--duration', /--duration must be from 1000 ms/],
    [{ scenario: 'clock-skew-lww', durationMs: 60_000 }, '--duration', /scenario 'clock-skew-lww' schedules '.*' at \d+ ms, so its chaos phase must be longer/],
  ])('%j is a usage error naming %s', async (flags, flag, message) => {
    const error = await resolveChaosTarget(flags).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaosUsageError);
    expect((error as ChaosUsageError).flag).toBe(flag);
    expect((error as Error).message).toMatch(message);
  });
});

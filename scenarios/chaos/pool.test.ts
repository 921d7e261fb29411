// The chaos pool: the results per seed do not depend on the number of workers (in-process or
// worker threads), come back sorted by seed, stream as they finish, and a deadline stops
// handing out seeds. Plus the seed schedule of shards.

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from '../../sim/config.ts';
import { runPool } from './pool.ts';
import type { SeedCheck } from './run-seed.ts';
import { describeSeedRange, parseShard, seedSchedule, SEED_MAX } from './seeds.ts';

/** Small runs: the test is about the pool, not the simulation. */
const CONFIG = buildSimConfig({ clients: 6, teamSize: 3, durationMs: 5 * 60_000, workload: { opsPerClientPerHour: 120 } });

function comparable(checks: readonly SeedCheck[]): unknown[] {
  return checks.map((check) => ({ ...check, wallMs: 0 }));
}

describe('runPool', () => {
  it('gives the same results for 1 worker (in-process) and 2 worker threads', async () => {
    const seeds = [11, 12, 13, 14, 15];
    const streamed: number[] = [];
    const inProcess = await runPool({ config: CONFIG, variant: 'correct', seeds, workers: 1 });
    const threads = await runPool({ config: CONFIG, variant: 'correct', seeds, workers: 2, onResult: (check) => streamed.push(check.seed) });
    expect(inProcess.workers).toBe(1);
    expect(threads.workers).toBe(2);
    expect(inProcess.checks.map((c) => c.seed)).toEqual(seeds);
    expect(comparable(threads.checks)).toEqual(comparable(inProcess.checks));
    expect([...streamed].sort((a, b) => a - b)).toEqual(seeds);
    expect(threads.stoppedBy).toBe('done');
  });

  it('gives the same results with workers run through tsx, as without esbuild', async () => {
    const seeds = [11, 12, 13];
    const bundled = await runPool({ config: CONFIG, variant: 'correct', seeds, workers: 2 });
    const viaTsx = await runPool({ config: CONFIG, variant: 'correct', seeds, workers: 2, bundle: false });
    expect(comparable(viaTsx.checks)).toEqual(comparable(bundled.checks));
  });

  it("runs a bug's variant in the workers (the zoo is registered there too)", async () => {
    const config = buildSimConfig({ clients: 10, faults: { kinds: ['server-5xx', 'partition'], swarm: false, faultsPerHour: 120 } });
    const seeds = [1, 3];
    const threads = await runPool({ config, variant: 'transient-dead-lettered', seeds, workers: 2 });
    const inProcess = await runPool({ config, variant: 'transient-dead-lettered', seeds, workers: 1 });
    expect(threads.checks.map((c) => c.failed)).toEqual([['error-classification'], ['error-classification']]);
    expect(comparable(threads.checks)).toEqual(comparable(inProcess.checks));
  });

  it('starts no new seed after the deadline', async () => {
    const result = await runPool({ config: CONFIG, variant: 'correct', seeds: { count: Infinity, seedAt: (i) => i + 1 }, workers: 1, deadline: performance.now() + 300 });
    expect(result.stoppedBy).toBe('budget');
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.map((c) => c.seed)).toEqual(result.checks.map((_, i) => i + 1));
  });

  it('starts no new seed once failuresMax seeds have failed (chaos --bail); the seeds in flight finish', async () => {
    const config = buildSimConfig({ clients: 10, faults: { kinds: ['server-5xx', 'partition'], swarm: false, faultsPerHour: 120 } });
    const unbounded = { count: Infinity, seedAt: (i: number) => i + 1 };
    const one = await runPool({ config, variant: 'transient-dead-lettered', seeds: unbounded, workers: 1, failuresMax: 1, deadline: performance.now() + 60_000 });
    expect(one.stoppedBy).toBe('failures');
    // In-process, seeds run one at a time: it stops right after the first failing seed.
    expect(one.checks.filter((c) => !c.ok)).toHaveLength(1);
    expect(one.checks.at(-1)!.ok).toBe(false);
    const threads = await runPool({ config, variant: 'transient-dead-lettered', seeds: [1, 2, 3, 4, 5, 6, 7, 8], workers: 2, failuresMax: 1 });
    expect(threads.stoppedBy).toBe('failures');
    // Two workers: the seed in flight beside the first failure finishes, and may fail too.
    expect(threads.checks.filter((c) => !c.ok).length).toBeGreaterThanOrEqual(1);
    expect(threads.checks.length).toBeLessThan(8);
    const correct = await runPool({ config: CONFIG, variant: 'correct', seeds: [1, 2, 3], workers: 1, failuresMax: 1 });
    expect([correct.stoppedBy, correct.checks.length]).toEqual(['done', 3]);
    await expect(runPool({ config: CONFIG, variant: 'correct', seeds: [1], failuresMax: 0 })).rejects.toThrow(/failuresMax should be an integer >= 1, got 0/);
  });

  it('refuses an unknown variant and an unbounded schedule without a deadline', async () => {
    await expect(runPool({ config: CONFIG, variant: 'no-such-variant', seeds: [1] })).rejects.toThrow(/unknown variant "no-such-variant"/);
    await expect(runPool({ config: CONFIG, variant: 'correct', seeds: { count: Infinity, seedAt: (i) => i } })).rejects.toThrow(/needs a deadline/);
  });
});

describe('seed schedule', () => {
  const seedsOf = (range: Parameters<typeof seedSchedule>[0]): number[] => {
    const s = seedSchedule(range);
    return Array.from({ length: s.count }, (_, i) => s.seedAt(i));
  };

  it('runs S, S+1, … and shard i/n takes every n-th from S+i-1; the shards cover the range once', () => {
    expect(seedsOf({ start: 5, count: 4, shard: null })).toEqual([5, 6, 7, 8]);
    expect(seedsOf({ start: 1, count: 10, shard: { index: 1, count: 4 } })).toEqual([1, 5, 9]);
    expect(seedsOf({ start: 1, count: 10, shard: { index: 4, count: 4 } })).toEqual([4, 8]);
    const shards = [1, 2, 3].flatMap((index) => seedsOf({ start: 100, count: 7, shard: { index, count: 3 } }));
    expect(shards.sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(seedsOf({ start: 1, count: 2, shard: { index: 3, count: 4 } })).toEqual([]);
  });

  it('a budget run is unbounded but never passes the largest seed', () => {
    expect(seedSchedule({ start: 1, count: null, shard: null }).count).toBe(SEED_MAX);
    expect(seedsOf({ start: SEED_MAX - 1, count: null, shard: null })).toEqual([SEED_MAX - 1, SEED_MAX]);
    expect(describeSeedRange({ start: 3, count: null, shard: { index: 2, count: 4 } })).toBe('every 4th seed from 4 until the budget (shard 2/4)');
  });

  it('parses i/n and explains what is wrong otherwise', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('3/2')).toBe('i/n with i from 1 to n (here 1 to 2)');
    expect(parseShard('0/2')).toBe('i/n with i from 1 to n (here 1 to 2)');
    expect(parseShard('1/0')).toMatch(/n from 1/);
    expect(parseShard('a/b')).toMatch(/^i\/n with whole numbers/);
  });
});

describe('runPool with a scenario', () => {
  it("appends the scenario's fault schedule in the workers as in-process", async () => {
    const { resolveChaosTarget } = await import('./target.ts');
    const target = await resolveChaosTarget({ scenario: 'clock-skew-lww' });
    expect(target.scheduled).toBe(true);
    const seeds = [1, 2];
    const inProcess = await runPool({ config: target.config, variant: target.variant, scenario: target.scenario, seeds, workers: 1 });
    const threads = await runPool({ config: target.config, variant: target.variant, scenario: target.scenario, seeds, workers: 2 });
    expect(comparable(threads.checks)).toEqual(comparable(inProcess.checks));
    // The schedule is in the runs: the trace differs from the same config without it.
    const plain = await runPool({ config: target.config, variant: target.variant, seeds: [1], workers: 1 });
    expect(plain.checks[0]!.traceHash).not.toBe(inProcess.checks[0]!.traceHash);
  });
});

// The push rows: the median run of each mode against both issue-5 targets (≥ 5,000 durable
// items/s, ≥ 10× the baseline), every run's figure shown, and a bad run count named.

import { describe, expect, it } from 'vitest';
import type { PushEntry, PushRun } from './push-bench.ts';
import { pushRunsFrom } from './push-bench.ts';
import { pushNotes, pushRows } from './push-rows.ts';

function run(mode: PushRun['mode'], itemsPerSecond: number, itemsInFile = Math.round(itemsPerSecond * 5)): PushRun {
  const itemsOk = Math.round(itemsPerSecond * 5);
  return {
    mode, clients: 50, batch: 10, durationMs: 5_000, wallMs: 5_000, pushes: itemsOk / 10, pushesFailed: 0, itemsOk, itemsPerSecond,
    latencyP50Ms: 10, latencyP99Ms: 40, latencyMaxMs: 50,
    server: { mode, writes: 100, snapshotWrites: mode === 'group' ? 1 : 100, itemsInFile, fileBytes: 1_000, cpuMs: 2_000 },
  };
}

function entry(groupRuns: number[], perPushRuns: number[]): PushEntry {
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
  const group = run('group', median(groupRuns));
  const perPush = run('per-push', median(perPushRuns));
  return { group, perPush, groupItemsPerSecond: groupRuns, perPushItemsPerSecond: perPushRuns, memory: run('memory', 10_000), ratio: group.itemsPerSecond / perPush.itemsPerSecond, error: null };
}

const marks = (e: PushEntry): (boolean | null)[] => pushRows(e).filter((row) => row.target !== null).map((row) => row.pass);

describe('push rows', () => {
  it('passes both targets only at ≥ 5,000 items/s and ≥ 10×', () => {
    expect(marks(entry([6_000, 5_200, 7_000], [500, 480, 520]))).toEqual([true, true]);
    expect(marks(entry([4_900, 4_800, 4_990], [300, 300, 300]))).toEqual([false, true]);
    expect(marks(entry([6_000, 6_000, 6_000], [700, 700, 700]))).toEqual([true, false]);
  });

  it('shows every run behind the median, and the ratio of the medians', () => {
    const rows = pushRows(entry([6_000, 5_200, 7_000], [500, 480, 520]));
    expect(rows.find((row) => row.figure === 'durable items/s')?.value).toContain('median of 3 runs: 6,000, 5,200, 7,000');
    expect(rows.find((row) => row.figure === 'items/s ratio')?.value).toBe('12.0×');
    expect(rows.filter((row) => row.figure === 'server cpu')).toHaveLength(2);
    expect(rows.at(-2)?.value).toContain('10,000 (p50 10.0 ms, server 40 µs cpu per item; group commit reaches 60% of it)');
  });

  it('a run that failed is short on both targets; fewer items stored than acknowledged is flagged', () => {
    const failed: PushEntry = { group: null, perPush: run('per-push', 500), groupItemsPerSecond: [], perPushItemsPerSecond: [500], memory: null, ratio: null, error: 'group: boom' };
    expect(marks(failed)).toEqual([false, false]);
    const lossy: PushEntry = { ...entry([6_000], [500]), group: run('group', 6_000, 10) };
    expect(pushNotes(lossy).join('\n')).toContain('only 10 items in the file after close, 30000 acknowledged');
  });

  it('takes the run count from SYNCSTORM_BENCH_PUSH_RUNS, naming a bad value', () => {
    expect(pushRunsFrom({})).toBe(3);
    expect(pushRunsFrom({ SYNCSTORM_BENCH_PUSH_RUNS: '5' })).toBe(5);
    expect(() => pushRunsFrom({ SYNCSTORM_BENCH_PUSH_RUNS: '0' })).toThrow('SYNCSTORM_BENCH_PUSH_RUNS should be an integer from 1 to 20, got 0');
    expect(() => pushRunsFrom({ SYNCSTORM_BENCH_PUSH_RUNS: 'many' })).toThrow('got many');
  });
});

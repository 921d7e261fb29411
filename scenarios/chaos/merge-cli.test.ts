// `syncstorm merge`: two shards of one chaos run become one directory whose summary, junit
// and failures equal what one unsharded run reports; exit 1 because a shard had failures.

import { existsSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChaosSummary } from './summary.ts';
import { syncstorm } from './testing/cli.ts';


const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-merge-'));
  made.push(dir);
  return dir;
}

function readSummary(dir: string): ChaosSummary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ChaosSummary;
}

describe('syncstorm merge', () => {
  it('merges shard outputs into one run and exits 1 when a shard had failures', async () => {
    const root = tempDir();
    const common = ['chaos', '--bug', 'lww-skewed-clocks', '--seeds', '4', '--workers', '1', '--no-shrink', '--determinism-sample', '1'];
    const shards = await Promise.all([1, 2].map((i) => syncstorm([...common, '--shard', `${i}/2`, '--out', join(root, `shard-${i}`)])));
    for (const shard of shards) expect([0, 1]).toContain(shard.code);
    const a = readSummary(join(root, 'shard-1'));
    const b = readSummary(join(root, 'shard-2'));
    expect(a.seeds.run + b.seeds.run).toBe(4);

    const merged = await syncstorm(['merge', join(root, 'shard-1'), join(root, 'shard-2'), '--out', join(root, 'all')]);
    const summary = readSummary(join(root, 'all'));
    expect(summary.seeds).toMatchObject({ run: 4, first: 1, last: 4, failed: a.seeds.failed + b.seeds.failed });
    expect(summary.merged?.from).toHaveLength(2);
    expect(summary.failures.map((f) => f.seed)).toEqual([...a.failures, ...b.failures].map((f) => f.seed).sort((x, y) => x - y));
    for (const failure of summary.failures) expect(existsSync(join(root, 'all', failure.replay!))).toBe(true);
    const junit = readFileSync(join(root, 'all', 'junit.xml'), 'utf8');
    expect(junit).toContain(`<testsuites name="syncstorm chaos" tests="4" failures="${summary.seeds.failed}"`);
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    const shardHashes = [1, 2].flatMap((i) => readFileSync(join(root, `shard-${i}`, 'trace-hashes.txt'), 'utf8').trim().split('\n'));
    const mergedHashes = readFileSync(join(root, 'all', 'trace-hashes.txt'), 'utf8').trim().split('\n');
    expect(mergedHashes.map((line) => Number(line.split(' ')[0]))).toEqual([1, 2, 3, 4]);
    expect([...mergedHashes].sort()).toEqual([...shardHashes].sort());
    expect(summary.seeds.failed).toBeGreaterThan(0); // lww-skewed-clocks is caught within 4 seeds
    expect(merged.code).toBe(1);
    expect(merged.stderr).toMatch(/violated lww-real-time/);

    // One directory twice is not two shards.
    const twice = await syncstorm(['merge', join(root, 'shard-1'), join(root, 'shard-1'), '--out', join(root, 'twice')]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/only disjoint shards of one run merge/);
  });

  it('exits 2 when a DIR is not a chaos output directory', async () => {
    const root = tempDir();
    const result = await syncstorm(['merge', root, '--out', join(root, 'all')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DIR must be a chaos --out directory with a summary\.json/);
  });
});

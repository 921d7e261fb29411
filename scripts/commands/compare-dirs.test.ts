// Two builds over the same seeds, end to end as a user runs them: `chaos --samples` writes each
// seed's numbers (the same from worker threads as in-process, and merged across shards), and
// `compare DIR_A DIR_B` compares two such runs — or refuses, naming the side and the reason.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareFile } from '../../reports/compare.ts';
import type { SeedSample } from '../../reports/sweep-sample.ts';
import { syncstorm } from '../../scenarios/chaos/testing/cli.ts';
import { DEFAULT_SIM_CONFIG } from '../../sim/config.ts';


const root = mkdtempSync(join(tmpdir(), 'syncstorm-compare-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small chaos run: 6 seeds, 10 clients, 2 simulated minutes. */
async function chaos(name: string, ...extra: string[]): Promise<string> {
  const out = join(root, name);
  const result = await syncstorm(['chaos', '--seeds', '6', '--clients', '10', '--duration', '2m', '--samples', '--out', out, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return out;
}

const samplesOf = (dir: string): SeedSample[] => readFileSync(join(dir, 'samples.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as SeedSample);

describe('chaos --samples and compare DIR_A DIR_B', () => {
  it('writes one sample per seed, the same from worker threads, in-process and merged shards', async () => {
    const [threads, inProcess, shard1, shard2] = await Promise.all([
      chaos('threads', '--workers', '2'),
      chaos('in-process', '--workers', '1'),
      chaos('shard-1', '--workers', '1', '--shard', '1/2'),
      chaos('shard-2', '--workers', '1', '--shard', '2/2'),
    ]);
    const samples = samplesOf(threads);
    expect(samples.map((s) => s.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of samples) {
      expect(s.traceHash).toMatch(/^[0-9a-f]{16}$/);
      expect(s.acked).toBeGreaterThan(0);
    }
    const hashes = readFileSync(join(threads, 'trace-hashes.txt'), 'utf8');
    expect(samples.map((s) => `${s.seed} ${s.traceHash}\n`).join('')).toBe(hashes);
    expect(readFileSync(join(inProcess, 'samples.jsonl'), 'utf8')).toBe(readFileSync(join(threads, 'samples.jsonl'), 'utf8'));
    const merged = join(root, 'merged');
    const merge = await syncstorm(['merge', shard1, shard2, '--out', merged]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(readFileSync(join(merged, 'samples.jsonl'), 'utf8')).toBe(readFileSync(join(threads, 'samples.jsonl'), 'utf8'));
  });

  it('compares two runs over the same seeds: per metric, and the seeds on which B took another path', async () => {
    const [a, again, b] = await Promise.all([chaos('a'), chaos('again'), chaos('b', '--policy', 'server-wins')]);
    const same = await syncstorm(['compare', a, again, '--out', join(root, 'same')]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('trace hashes: equal on all 6 seeds (B ran every seed as A did)');
    const sameFile = JSON.parse(readFileSync(join(root, 'same', 'compare.json'), 'utf8')) as CompareFile;
    expect(sameFile.tally.worse + sameFile.tally.better).toBe(0);

    const other = await syncstorm(['compare', a, b, '--out', join(root, 'other')]);
    expect(other.code, other.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(root, 'other', 'compare.json'), 'utf8')) as CompareFile;
    expect(file.setup.seeds).toEqual([1, 2, 3, 4, 5, 6]);
    // Another policy is another engine, not another workload: every seed's plan is the same.
    expect(file.source).toMatchObject({ kind: 'chaos-runs', a: { dir: a, policy: 'lww-hlc' }, b: { dir: b, policy: 'server-wins' }, seedsUnpaired: 0, seedsWithAnotherPlan: [] });
    expect(samplesOf(a).every((s, i) => /^[0-9a-f]{16}$/.test((s as { planHash?: string }).planHash ?? '') && (s as { planHash?: string }).planHash === (samplesOf(b)[i] as { planHash?: string }).planHash)).toBe(true);
    // Server-wins decides some conflicts otherwise: those seeds run another way; a seed with no conflict runs alike.
    const bHash = new Map(samplesOf(b).map((s) => [s.seed, s.traceHash]));
    const differing = samplesOf(a).filter((s) => s.traceHash !== bHash.get(s.seed)).map((s) => s.seed);
    expect(differing.length).toBeGreaterThan(0);
    expect(file.source!.seedsOnAnotherPath).toEqual(differing);
    for (const s of samplesOf(a)) if (s.conflicts === 0) expect(differing, `seed ${s.seed}: no conflict`).not.toContain(s.seed);
    expect(other.stdout).toMatch(/^trace hashes: B took another path on \d+ of 6 seeds/m);
    expect(readFileSync(join(root, 'other', 'report.html'), 'utf8')).toContain('id="compare-other-paths"');
  });

  it('exits 2 naming the side and the reason: no samples, another setup, or a directory against a variant', async () => {
    const a = await chaos('setup-a');
    const noSamples = join(root, 'no-samples');
    expect((await syncstorm(['chaos', '--seeds', '2', '--clients', '10', '--duration', '2m', '--out', noSamples])).code).toBe(0);
    const missing = await syncstorm(['compare', a, noSamples, '--out', join(root, 'x')]);
    expect(missing.stderr).toBe(`syncstorm: error: B: ${noSamples} has no samples.jsonl: run chaos with --samples to compare runs\n`);
    expect(missing.code).toBe(2);
    const longer = join(root, 'longer');
    expect((await syncstorm(['chaos', '--seeds', '2', '--clients', '10', '--duration', '3m', '--samples', '--out', longer])).code).toBe(0);
    const setup = await syncstorm(['compare', a, longer, '--out', join(root, 'x')]);
    expect(setup.stderr).toBe('syncstorm: error: A and B must be chaos runs of one setup, but durationMs differs: A 120000, B 180000\n');
    expect(setup.code).toBe(2);
    // A run whose convergence budget differs (a scenario's own, or another build's default) is another setup too.
    const budget = join(root, 'other-budget');
    cpSync(a, budget, { recursive: true });
    const summary = JSON.parse(readFileSync(join(budget, 'summary.json'), 'utf8')) as { target: { convergenceBudgetMs?: number } };
    expect(summary.target.convergenceBudgetMs).toBe(DEFAULT_SIM_CONFIG.convergenceBudgetMs);
    writeFileSync(join(budget, 'summary.json'), JSON.stringify({ ...summary, target: { ...summary.target, convergenceBudgetMs: 3_600_000 } }));
    const otherBudget = await syncstorm(['compare', a, budget, '--out', join(root, 'x')]);
    expect(otherBudget.stderr).toBe(`syncstorm: error: A and B must be chaos runs of one setup, but convergenceBudgetMs differs: A ${DEFAULT_SIM_CONFIG.convergenceBudgetMs}, B 3600000\n`);
    expect(otherBudget.code).toBe(2);
    const mixed = await syncstorm(['compare', a, 'default', '--out', join(root, 'x')]);
    expect(mixed.stderr).toMatch(/^syncstorm: error: A and B must both be variant specs or both chaos --samples directories, got A directory '.*' and B variant 'default'\n$/);
    expect(mixed.code).toBe(2);
  });
});

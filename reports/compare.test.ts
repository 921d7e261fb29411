import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPARED_METRICS, compareMetric, COMPARE_FILE_FORMAT, compareSampleSets, runCompare, summarizeComparison, type CompareFile } from './compare.ts';
import { chartData, renderCompareReport } from './compare-html.ts';
import { parseVariantSpec } from './sweep-params.ts';
import type { SeedSample } from './sweep-sample.ts';
import { writeCompareFiles } from './sweep-write.ts';

function sample(seed: number, over: Partial<SeedSample> = {}): SeedSample {
  return {
    seed, throughputPerS: 1, acked: 100, p50Ms: 50, p99Ms: 1000, bytesPerOp: 200, requestsPerOp: 2,
    conflicts: 3, convergenceMs: 5000, violations: 0, failedCheckers: [], firstViolation: '', traceHash: 'h', ...over,
  };
}

const spec = (key: string) => COMPARED_METRICS.find((m) => m.key === key)!;
const stats = { convergenceBudgetMs: 7_200_000, statsSeed: 1 };
const seeds = Array.from({ length: 12 }, (_, i) => i + 1);

describe('compareMetric', () => {
  it('calls a clear drop of a lower-is-better metric better, and a clear rise worse', () => {
    const a = seeds.map((s) => sample(s, { p99Ms: 1000 + 37 * (s % 5) }));
    const faster = seeds.map((s) => sample(s, { p99Ms: 700 + 41 * (s % 4) }));
    const slower = seeds.map((s) => sample(s, { p99Ms: 1400 + 29 * (s % 3) }));
    const better = compareMetric(spec('p99Ms'), a, faster, stats);
    expect(better.verdict).toBe('better');
    expect(better.difference!.high).toBeLessThan(0);
    expect(better.difference!.low).toBeLessThanOrEqual(better.difference!.estimate);
    expect(compareMetric(spec('p99Ms'), a, slower, stats).verdict).toBe('worse');
    // Throughput is better when higher.
    const more = seeds.map((s) => sample(s, { throughputPerS: 1.5 + 0.01 * s }));
    expect(compareMetric(spec('throughputPerS'), a, more, stats).verdict).toBe('better');
  });

  it('finds no significant difference when B only scatters around A', () => {
    const a = seeds.map((s) => sample(s, { bytesPerOp: 200 }));
    const b = seeds.map((s) => sample(s, { bytesPerOp: 200 + (s % 2 === 0 ? 15 : -15) }));
    const result = compareMetric(spec('bytesPerOp'), a, b, stats);
    expect(result.verdict).toBe('no significant difference');
    expect(result.difference!.low).toBeLessThan(0);
    expect(result.difference!.high).toBeGreaterThan(0);
  });

  it('counts a run that did not converge as the whole budget, and says so', () => {
    const a = seeds.map((s) => sample(s));
    const b = seeds.map((s) => sample(s, { convergenceMs: s <= 10 ? null : 5000 }));
    const result = compareMetric(spec('convergenceMs'), a, b, stats);
    expect(result.verdict).toBe('worse');
    expect(result.note).toMatch(/10 runs did not converge and count as the whole budget/);
    expect(result.b).toBeCloseTo((10 * 7_200_000 + 2 * 5000) / 12, 6);
  });

  it('leaves out seeds without a value on a side', () => {
    const a = seeds.map((s) => sample(s, { p50Ms: s === 1 ? null : 50 }));
    const result = compareMetric(spec('p50Ms'), a, seeds.map((s) => sample(s)), stats);
    expect(result.difference!.n).toBe(11);
    expect(result.note).toBe('1 seed left out (no value on one side)');
  });
});

describe('summarizeComparison', () => {
  it('lists checker failures side by side per seed and tallies verdicts', () => {
    const a = seeds.map((s) => sample(s, s === 3 ? { violations: 1, failedCheckers: ['lww-real-time'], firstViolation: 'lww-real-time: lost update' } : {}));
    const b = seeds.map((s) => sample(s, s === 5 ? { violations: 2, failedCheckers: ['at-most-once', 'lww-real-time'], firstViolation: 'at-most-once: twice' } : {}));
    const out = summarizeComparison(a, b, stats);
    expect(out.violations.checkers).toEqual([
      { name: 'at-most-once', aSeeds: [], bSeeds: [5] },
      { name: 'lww-real-time', aSeeds: [3], bSeeds: [5] },
    ]);
    expect(out.violations.a).toEqual({ total: 1, seeds: [{ seed: 3, checkers: ['lww-real-time'], first: 'lww-real-time: lost update' }] });
    expect(out.violations.b.total).toBe(2);
    expect(out.tally.better + out.tally.worse + out.tally.same).toBe(COMPARED_METRICS.length);
    expect(out.perSeed).toHaveLength(12);
  });

  it('refuses sides that ran different seeds', () => {
    expect(() => summarizeComparison([sample(1)], [sample(2)], stats)).toThrow(/same seeds/);
  });
});

describe('compareSampleSets (two chaos runs, e.g. two builds)', () => {
  const origin = (dir: string, policy = 'lww-hlc') => ({ dir, scenario: 'default', variant: 'correct', policy, faults: 'swarm over 24 kinds · 60/h' });
  const setup = { clients: 50, teamSize: 5, durationMs: 600_000, opsPerClientPerHour: 60, convergenceBudgetMs: 7_200_000 };

  it('pairs the seeds both ran, names the seeds on another path, and counts the unpaired', () => {
    const a = { origin: origin('runs/main'), samples: [1, 2, 3, 4].map((s) => sample(s, { traceHash: `h${s}` })) };
    // B ran seeds 2..5, and took another path on seed 3 with a slower p99.
    const b = { origin: origin('runs/branch'), samples: [5, 4, 3, 2].map((s) => sample(s, { traceHash: s === 3 ? 'other' : `h${s}`, p99Ms: s === 3 ? 4000 : 1000 })) };
    const file = compareSampleSets(a, b, setup, 'test');
    expect(file.setup.seeds).toEqual([2, 3, 4]);
    expect(file.source).toEqual({ kind: 'chaos-runs', a: a.origin, b: b.origin, seedsOnAnotherPath: [3], seedsUnpaired: 2, seedsWithAnotherPlan: [] });
    expect(file.metrics.find((m) => m.key === 'p99Ms')!.b).toBe(2000);
    expect(file.a.label).toBe('runs/main (correct, lww-hlc)');
    const html = renderCompareReport(file);
    expect(html).toContain('<span id="compare-other-paths">1 of 3: 3</span>');
    expect(html).toContain('(2 run on one side only, left out)');
  });

  it("counts an unconverged seed as the runs' own convergence budget", () => {
    const converged = seeds.map((s) => sample(s));
    const unconverged = seeds.map((s) => sample(s, { convergenceMs: null }));
    const budgetOf = (budgetMs: number) => {
      const file = compareSampleSets({ origin: origin('a'), samples: unconverged }, { origin: origin('b'), samples: converged }, { ...setup, convergenceBudgetMs: budgetMs }, 'test');
      return [file.setup.convergenceBudgetMs, file.metrics.find((m) => m.key === 'convergenceMs')!.a];
    };
    expect(budgetOf(3_600_000)).toEqual([3_600_000, 3_600_000]);
    expect(budgetOf(7_200_000)).toEqual([7_200_000, 7_200_000]);
  });

  it('says when B ran every seed as A did (a refactor), and refuses runs that share no seed', () => {
    const same = seeds.map((s) => sample(s, { traceHash: `h${s}` }));
    const file = compareSampleSets({ origin: origin('a'), samples: same }, { origin: origin('b'), samples: same }, setup, 'test');
    expect(file.source!.seedsOnAnotherPath).toEqual([]);
    expect(file.tally).toEqual({ better: 0, worse: 0, same: COMPARED_METRICS.length });
    expect(renderCompareReport(file)).toContain('none: both ran every seed alike');
    expect(renderCompareReport(file)).not.toContain('compare-other-plans');
    expect(() => compareSampleSets({ origin: origin('a'), samples: [sample(1)] }, { origin: origin('b'), samples: [sample(2)] }, setup, 'test')).toThrow(/share no seed/);
  });
});

describe('compareSampleSets: plans', () => {
  it("names the seeds whose plan differs (B's build plans another workload), when both sides kept plan hashes", () => {
    const origin = (dir: string) => ({ dir, scenario: 'default', variant: 'correct', policy: 'lww-hlc', faults: 'swarm' });
    const setup = { clients: 50, teamSize: 5, durationMs: 600_000, opsPerClientPerHour: 60, convergenceBudgetMs: 7_200_000 };
    const a = { origin: origin('a'), samples: [1, 2, 3].map((s) => ({ ...sample(s), planHash: `p${s}` })) };
    const b = { origin: origin('b'), samples: [1, 2, 3].map((s) => ({ ...sample(s), planHash: s === 2 ? 'other' : `p${s}` })) };
    const file = compareSampleSets(a, b, setup, 'test');
    expect(file.source!.seedsWithAnotherPlan).toEqual([2]);
    expect(renderCompareReport(file)).toMatch(/<span class="bad" id="compare-other-plans">1 of 3 \(2\): B&#39;s build plans other ops, faults or clocks for them/);
    // A side written before plan hashes were kept says nothing about its plans.
    const old = { origin: origin('old'), samples: [1, 2, 3].map((s) => sample(s)) };
    expect(compareSampleSets(old, b, setup, 'test').source!.seedsWithAnotherPlan).toEqual([]);
  });
});

describe('runCompare on small runs (2 seeds, 10 clients, 2 minutes)', () => {
  const setup = { clients: 10, teamSize: 5, durationMs: 120_000 };
  const a = { spec: 'policy=lww-hlc,batchItemsMax=1', engine: parseVariantSpec('policy=lww-hlc,batchItemsMax=1') };
  const b = { spec: 'policy=lww-hlc,batchItemsMax=25', engine: parseVariantSpec('policy=lww-hlc,batchItemsMax=25') };
  const file: CompareFile = runCompare({ a, b, seeds: [1, 2], setup, generatedBy: 'test' });

  it('runs both over the same seeds and compares every metric', () => {
    expect(file.format).toBe(COMPARE_FILE_FORMAT);
    expect(file.setup).toMatchObject({ seeds: [1, 2], clients: 10, durationMs: 120_000, resamples: 2000, confidence: 0.95, statsSeed: 1 });
    expect(file.a).toEqual({ spec: a.spec, label: 'conflictPolicy=lww-hlc · batchItemsMax=1', engine: { conflictPolicy: 'lww-hlc', batchItemsMax: 1 } });
    expect(file.metrics.map((m) => m.key)).toEqual(COMPARED_METRICS.map((m) => m.key));
    expect(file.perSeed.map((p) => [p.seed, p.a.seed, p.b.seed])).toEqual([[1, 1, 1], [2, 2, 2]]);
    for (const m of file.metrics) expect(['better', 'worse', 'no significant difference']).toContain(m.verdict);
  });

  it('is deterministic: the same comparison gives the same intervals', () => {
    const again = runCompare({ a, b, seeds: [1, 2], setup, generatedBy: 'test' });
    expect({ ...again, wallMs: 0 }).toEqual({ ...file, wallMs: 0 });
  });

  it('compares a variant with itself as no significant difference everywhere', () => {
    const same = runCompare({ a, b: a, seeds: [1, 2], setup, generatedBy: 'test' });
    expect(same.tally).toEqual({ better: 0, worse: 0, same: COMPARED_METRICS.length });
    for (const m of same.metrics) if (m.difference !== null) expect([m.difference.low, m.difference.high]).toEqual([0, 0]);
  });

  it('writes compare.json and a one-file report.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-compare-'));
    try {
      const written = writeCompareFiles(dir, file);
      const json = JSON.parse(readFileSync(written.jsonPath, 'utf8')) as CompareFile;
      expect(json.metrics).toHaveLength(COMPARED_METRICS.length);
      const html = readFileSync(written.htmlPath, 'utf8');
      for (const id of ['chart-ci', 'chart-seeds', 'compare-table', 'compare-verdict', 'violations']) expect(html).toContain(`id="${id}"`);
      expect(renderCompareReport(file)).toBe(renderCompareReport(file));
      expect(chartData(file).metrics.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

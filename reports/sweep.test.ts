import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addSweepParam, combinations, describeOverrides, EngineParamError, parseSweepParam, parseVariantSpec } from './sweep-params.ts';
import type { SeedSample } from './sweep-sample.ts';
import { aggregate, dominates, paretoFront, runSweep, summarizeSweep, SWEEP_FILE_FORMAT, type SweepFile } from './sweep.ts';
import { renderSweepReport } from './sweep-html.ts';
import { writeSweepFiles } from './sweep-write.ts';

function sample(seed: number, over: Partial<SeedSample> = {}): SeedSample {
  return {
    seed, throughputPerS: 1, acked: 100, p50Ms: 50, p99Ms: 1000, bytesPerOp: 200, requestsPerOp: 2,
    conflicts: 0, convergenceMs: 5000, violations: 0, failedCheckers: [], firstViolation: '', traceHash: 'h', ...over,
  };
}

describe('sweep parameters', () => {
  it('parses an engine option and its values by the option type', () => {
    expect(parseSweepParam('batchItemsMax=1,5,25,100')).toEqual({ name: 'batchItemsMax', values: [1, 5, 25, 100] });
    expect(parseSweepParam('backoffBaseMs=500ms,10s,1000')).toEqual({ name: 'backoffBaseMs', values: [500, 10_000, 1000] });
    expect(parseSweepParam('policy=lww-hlc,server-wins')).toEqual({ name: 'conflictPolicy', values: ['lww-hlc', 'server-wins'] });
    expect(parseSweepParam('coalesce=true,false')).toEqual({ name: 'coalesce', values: [true, false] });
  });

  it('names the option and the bad value', () => {
    expect(() => parseSweepParam('batchSize=1,5')).toThrow(/unknown engine option 'batchSize'.*got 'batchSize=1,5'/);
    expect(() => parseSweepParam('batchItemsMax=0,5')).toThrow("batchItemsMax should be an integer from 1 to 10000, got '0'");
    expect(() => parseSweepParam('batchItemsMax=five')).toThrow("batchItemsMax should be an integer, got 'five'");
    expect(() => parseSweepParam('jitter=some')).toThrow(/jitter should be one of none, full, equal, decorrelated, got 'some'/);
    expect(() => parseSweepParam('batchItemsMax')).toThrow(EngineParamError);
    expect(() => parseSweepParam('batchItemsMax=1,,2')).toThrow(/empty value/);
    expect(() => parseSweepParam('batchItemsMax=1,1')).toThrow(/twice/);
    expect(() => addSweepParam([parseSweepParam('batchItemsMax=1')], parseSweepParam('batchItemsMax=2'))).toThrow(/names batchItemsMax twice/);
  });

  it('takes every combination, the first parameter varying slowest, and checks each whole', () => {
    const combos = combinations([parseSweepParam('batchItemsMax=1,5'), parseSweepParam('backoffBaseMs=1000,10000')]);
    expect(combos.map((c) => describeOverrides(c))).toEqual([
      'batchItemsMax=1 · backoffBaseMs=1000',
      'batchItemsMax=1 · backoffBaseMs=10000',
      'batchItemsMax=5 · backoffBaseMs=1000',
      'batchItemsMax=5 · backoffBaseMs=10000',
    ]);
    expect(() => combinations([parseSweepParam('backoffBaseMs=1000'), parseSweepParam('backoffCapMs=500')])).toThrow(/invalid combination \(backoffCapMs should be an integer from 1000 .*got 500\) in 'backoffBaseMs=1000 · backoffCapMs=500'/);
    expect(combinations([parseSweepParam('backoffBaseMs=1000'), parseSweepParam('backoffCapMs=5000')])).toEqual([{ backoffBaseMs: 1000, backoffCapMs: 5000 }]);
  });

  it('parses variant specs with several options, or default', () => {
    expect(parseVariantSpec('policy=lww-hlc,batchItemsMax=5')).toEqual({ conflictPolicy: 'lww-hlc', batchItemsMax: 5 });
    expect(parseVariantSpec('default')).toEqual({});
    expect(() => parseVariantSpec('policy=lww-hlc,conflictPolicy=manual')).toThrow(/sets conflictPolicy twice/);
    expect(() => parseVariantSpec('out/chaos-a')).toThrow(/NAME=VALUE/);
  });
});

describe('Pareto front and recommendation', () => {
  it('dominates only when at least as good everywhere and better somewhere', () => {
    const base = { throughputPerS: 2, p99Ms: 100, bytesPerOp: 50 };
    expect(dominates({ ...base, throughputPerS: 3 }, base)).toBe(true);
    expect(dominates(base, base)).toBe(false);
    expect(dominates({ ...base, throughputPerS: 3, p99Ms: 200 }, base)).toBe(false);
    expect(dominates(base, { ...base, p99Ms: null })).toBe(true);
    expect(paretoFront([base, { ...base, bytesPerOp: 60 }, { throughputPerS: 1, p99Ms: 10, bytesPerOp: 50 }])).toEqual([0, 2]);
  });

  it('aggregates over seeds, leaving missing values out', () => {
    expect(aggregate([1, null, 3])).toEqual({ mean: 2, min: 1, max: 3, n: 2 });
    expect(aggregate([null])).toEqual({ mean: null, min: null, max: null, n: 0 });
  });

  it('recommends the best throughput among violation-free Pareto points within 10 % of the best p99', () => {
    const combos = [{ batchItemsMax: 1 }, { batchItemsMax: 5 }, { batchItemsMax: 25 }, { batchItemsMax: 100 }];
    const samples = [
      [sample(1, { throughputPerS: 1.0, p99Ms: 1000 }), sample(2, { throughputPerS: 1.0, p99Ms: 1000 })], // best p99
      [sample(1, { throughputPerS: 1.2, p99Ms: 1080 }), sample(2, { throughputPerS: 1.2, p99Ms: 1080 })], // within 10 %: chosen
      [sample(1, { throughputPerS: 1.5, p99Ms: 2000 }), sample(2, { throughputPerS: 1.5, p99Ms: 2000 })], // too slow
      [sample(1, { throughputPerS: 1.3, p99Ms: 1100, violations: 2, failedCheckers: ['at-most-once'] }), sample(2, { throughputPerS: 1.3, p99Ms: 1100 })], // within 10 %, faster, but unsafe
    ];
    const { combinations: out, pareto, recommendation } = summarizeSweep(combos, samples);
    expect(pareto).toEqual([0, 1, 2, 3]);
    expect(recommendation?.index).toBe(1);
    expect(recommendation?.reason).toMatch(/^Recommended batchItemsMax=5: the highest throughput \(1\.200 acked\/s\) among the violation-free Pareto-optimal settings whose p99 latency is within 10 % of the best \(1\.0 s\)/);
    expect(out[1]!.recommended).toBe(true);
    expect(out[3]!.failedCheckers).toEqual({ 'at-most-once': [1] });
    expect(out[3]!.failingSeeds).toEqual([1]);
    expect(out[3]!.violations).toBe(2);
  });
});

describe('runSweep on small runs (2 seeds, 10 clients, 2 minutes)', () => {
  const setup = { clients: 10, teamSize: 5, durationMs: 120_000 };
  const params = [parseSweepParam('batchItemsMax=1,25'), parseSweepParam('backoffBaseMs=1000,10000')];
  const progress: string[] = [];
  const file: SweepFile = runSweep({ params, seeds: [1, 2], setup, generatedBy: 'test', onProgress: (done, total, label) => progress.push(`${done}/${total} ${label}`) });

  it('runs every combination over the same seeds and aggregates each', () => {
    expect(file.format).toBe(SWEEP_FILE_FORMAT);
    expect(file.setup).toMatchObject({ seeds: [1, 2], clients: 10, teamSize: 5, durationMs: 120_000, opsPerClientPerHour: 60 });
    expect(file.combinations).toHaveLength(4);
    expect(progress).toHaveLength(8);
    expect(progress[7]).toBe('8/8 batchItemsMax=25 · backoffBaseMs=10000');
    for (const c of file.combinations) {
      expect(c.perSeed.map((s) => s.seed)).toEqual([1, 2]);
      expect(c.throughputPerS.n).toBe(2);
      expect(c.throughputPerS.mean!).toBeGreaterThan(0);
      expect(c.bytesPerOp.mean!).toBeGreaterThan(0);
      expect(c.requestsPerOp.mean!).toBeGreaterThan(0);
      expect(c.violations).toBe(0);
    }
    expect(file.pareto.length).toBeGreaterThan(0);
    expect(file.recommendation).not.toBeNull();
    expect(file.pareto).toContain(file.recommendation!.index);
  });

  it('is deterministic: the same sweep gives the same numbers', () => {
    const again = runSweep({ params, seeds: [1, 2], setup, generatedBy: 'test' });
    expect({ ...again, wallMs: 0 }).toEqual({ ...file, wallMs: 0 });
  });

  it('writes sweep.json and a one-file report.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-sweep-'));
    try {
      const written = writeSweepFiles(dir, file, 'syncstorm sweep --param batchItemsMax=1,25');
      const json = JSON.parse(readFileSync(written.jsonPath, 'utf8')) as SweepFile;
      expect(json.combinations.map((c) => c.label)).toEqual(file.combinations.map((c) => c.label));
      const html = readFileSync(written.htmlPath, 'utf8');
      expect(html).toContain('id="chart-sweep"');
      expect(html).toContain('id="sweep-table"');
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(renderSweepReport(file)).toBe(renderSweepReport(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// summary.json and junit.xml of chaos runs: per-property counts, merging shards (counts summed,
// failures together, paths moved), the closing text, and JUnit that stays valid XML whatever
// an explanation contains.

import { describe, expect, it } from 'vitest';
import { CHECKER_NAMES } from '../checkers/index.ts';
import { mergeJunit, renderJunit, xmlAttr } from './junit.ts';
import { CHAOS_SUMMARY_FORMAT, countCheckerFailures, formatChaosSummary, mergeSummaries, parseChaosSummary, seedsPerHour, type ChaosFailure, type ChaosSummary } from './summary.ts';

function failure(seed: number, checkers: string[]): ChaosFailure {
  const size = { clients: 10, ops: 100, faults: 20, durationMs: 600_000, events: 2000 };
  return {
    seed, checkers, explanation: `seed ${seed} broke`, original: size, shrunk: { ...size, clients: 1, ops: 1, faults: 1, events: 30 },
    shrink: { runs: 20, wallMs: 100, stoppedBy: 'fixpoint', steps: 5 },
    replay: `failures/seed-${seed}.json`, explanations: `failures/seed-${seed}.txt`, report: `failures/seed-${seed}/report.html`, replayCommand: `npx syncstorm replay out/failures/seed-${seed}.json`,
  };
}

function summary(shard: number, seeds: number[], failures: ChaosFailure[]): ChaosSummary {
  return {
    format: CHAOS_SUMMARY_FORMAT, version: 1, ok: failures.length === 0,
    target: { scenario: 'default', bug: null, variant: 'correct', clients: 50, teamSize: 5, durationMs: 600_000, policy: 'lww-hlc', faults: 'swarm' },
    seeds: { start: 1, requested: 4, run: seeds.length, passed: seeds.length - failures.length, failed: failures.length, first: seeds[0] ?? null, last: seeds.at(-1) ?? null, description: `shard ${shard}` },
    budgetMs: null, stoppedBy: 'done', shard: { index: shard, count: 2 }, workers: 2, wallMs: 1000 * shard, runWallMs: 900 * shard,
    seedsPerHour: 100, checkerFailures: countCheckerFailures(failures), determinism: { sampled: [seeds[0]!], mismatches: [] }, failures, failuresNotSaved: 0,
  };
}

describe('chaos summary', () => {
  it('counts failing seeds per property, listing every property', () => {
    const counts = countCheckerFailures([failure(1, ['at-most-once', 'convergence']), failure(2, ['at-most-once'])]);
    expect(Object.keys(counts)).toEqual([...CHECKER_NAMES, 'determinism', 'exception']);
    expect(counts).toMatchObject({ 'at-most-once': 2, convergence: 1, 'local-durability': 0 });
    expect(seedsPerHour(10, 3_600)).toBe(10_000);
  });

  it('merges shards: counts summed, failures by seed with moved paths, the slowest wall time', () => {
    const merged = mergeSummaries(
      [
        { dir: 'a', summary: summary(1, [1, 3], [failure(3, ['convergence'])]) },
        { dir: 'b', summary: summary(2, [2, 4], [failure(2, ['at-most-once'])]) },
      ],
      (part, path) => `part${part}/${path}`,
    );
    expect(merged.ok).toBe(false);
    expect(merged.seeds).toMatchObject({ run: 4, passed: 2, failed: 2, first: 1, last: 4 });
    expect(merged.failures.map((f) => [f.seed, f.replay])).toEqual([[2, 'part1/failures/seed-2.json'], [3, 'part0/failures/seed-3.json']]);
    expect(merged.checkerFailures).toMatchObject({ convergence: 1, 'at-most-once': 1 });
    expect(merged).toMatchObject({ wallMs: 2000, workers: 4, shard: null, merged: { from: ['a', 'b'] } });
    expect(merged.determinism.sampled).toEqual([1, 2]);
  });

  it('refuses to merge runs of different targets, and malformed summaries naming the field', () => {
    const other = { ...summary(2, [2], []), target: { ...summary(2, [2], []).target, variant: 'no-backoff' } };
    expect(() => mergeSummaries([{ dir: 'a', summary: summary(1, [1], []) }, { dir: 'b', summary: other }], (_, p) => p)).toThrow(/b: its target .* differs/);
    expect(() => parseChaosSummary({ format: CHAOS_SUMMARY_FORMAT, version: 1, seeds: {} }, 'x.json')).toThrow('x.json: seeds.run should be a number');
    expect(() => parseChaosSummary([], 'y.json')).toThrow('y.json: a chaos summary is a JSON object');
  });

  it('closes with the violated properties and a replay command per failure', () => {
    const text = formatChaosSummary(summary(1, [1, 3], [failure(3, ['convergence'])]));
    expect(text).toContain('✗ 1 of 2 seeds violated a property:');
    expect(text).toContain('    convergence: 1 seed');
    expect(text).toContain('  seed 3: convergence — seed 3 broke');
    expect(text).toContain('    shrunk 10 clients · 100 ops · 20 faults · 10.0 min · 2000 events → 1 client · 1 op · 1 fault · 10.0 min · 30 events');
    expect(text).toContain('    replay: npx syncstorm replay out/failures/seed-3.json');
    expect(formatChaosSummary(summary(1, [1, 3], []))).toContain('✓ every property held on all 2 seeds');
    const withRules = { ...failure(4, ['eventual-delivery', 'determinism']), rules: ['eventual-delivery/early-retry', 'eventual-delivery/request-rate'] };
    expect(formatChaosSummary(summary(1, [4], [withRules]))).toContain('  seed 4: eventual-delivery (early-retry, request-rate), determinism — seed 4 broke');
  });
});

describe('junit', () => {
  it('one testcase per seed, a failure element escaped whatever the explanation holds', () => {
    const xml = renderJunit([
      {
        name: 'syncstorm chaos · correct',
        timeMs: 1500,
        properties: { variant: 'correct' },
        cases: [
          { name: 'seed 1', classname: 'syncstorm.chaos.correct', timeMs: 500 },
          { name: 'seed 2', classname: 'syncstorm.chaos.correct', timeMs: 1000, failure: { message: 'violated at-most-once: "q" <applied> twice & more\n', type: 'at-most-once', body: 'a < b && c > d\u0001' } },
        ],
      },
    ]);
    expect(xml).toContain('<testsuites name="syncstorm chaos" tests="2" failures="1" errors="0" time="1.500">');
    expect(xml).toContain('<testcase name="seed 1" classname="syncstorm.chaos.correct" time="0.500"/>');
    expect(xml).toContain('<failure message="violated at-most-once: &quot;q&quot; &lt;applied&gt; twice &amp; more&#10;" type="at-most-once">a &lt; b &amp;&amp; c &gt; d</failure>');
    expect(xml).toContain('<property name="variant" value="correct"/>');
    expect(xmlAttr('tab\there')).toBe('tab&#9;here');
  });

  it("merging puts every shard's suite under one root with summed totals", () => {
    const shard = (n: number, failed: boolean): string =>
      renderJunit([{ name: `shard ${n}`, timeMs: 1000, cases: [{ name: `seed ${n}`, classname: 'c', timeMs: 1000, ...(failed ? { failure: { message: 'm', type: 't', body: 'b' } } : {}) }] }]);
    const merged = mergeJunit([shard(1, true), shard(2, false)]);
    expect(merged).toContain('<testsuites name="syncstorm chaos" tests="2" failures="1" errors="0" time="2.000">');
    expect(merged.match(/<testsuite /g)).toHaveLength(2);
    expect(merged.match(/<testcase /g)).toHaveLength(2);
  });
});

// The bug zoo's acceptance (DESIGN §7): the harness is only as good as the bugs it catches.
// For every bug of BUGS, the zoo's chaos config — what `chaos --bug NAME` runs: 10 clients,
// 10 simulated minutes, the bug's fault kinds at 120 faults per hour, no swarm, over the bug's
// own scenario if it needs one (scenarios/chaos/target.ts) — over seeds 1..SEEDS_MAX must catch it (some
// checker fails) and, at least once, with the checker named by `bug.breaks`; and the correct
// engine must pass every checker on the same configs (seeds 1..CORRECT_SEEDS). The seeds each
// bug needed are printed as a table after the run: the figures for the closing note.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSimConfig } from '../sim/config.ts';
import { runSimulation } from '../sim/runner.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../sim/variants.ts';
import { BUGS, type Bug } from './bugs.ts';
import { checkContextFor } from './catalogue.ts';
import { resolveChaosTarget, type ChaosTarget } from './chaos/target.ts';
import { runChecks } from './checkers/index.ts';

const SEEDS_MAX = 30;
const CORRECT_SEEDS = 5;

const targets = new Map<string, ChaosTarget>();
beforeAll(async () => {
  for (const bug of BUGS) targets.set(bug.name, await resolveChaosTarget({ bug: bug.name }));
});

/** Names of the checkers that fail on one seed. */
function failingCheckers(bug: Bug, seed: number, variant: SystemVariant): string[] {
  const target = targets.get(bug.name)!;
  const config = buildSimConfig({ ...target.config, seed });
  const result = runSimulation({ config, plan: target.planFor(config), variant });
  return runChecks(result.history, checkContextFor(config, variant)).filter((c) => !c.valid).map((c) => c.name);
}

interface CatchRecord {
  readonly bug: string;
  readonly breaks: string;
  /** Seeds (in 1..SEEDS_MAX) on which some checker failed. */
  readonly caught: number[];
  /** Seeds on which `breaks` was among the failing checkers. */
  readonly caughtByBreaks: number[];
  /** How often each checker failed over the seeds. */
  readonly checkers: Map<string, number>;
  wallMs: number;
}

const records: CatchRecord[] = [];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Seeds needed to catch the bug, from each catch to the next (the first counted from seed 1):
 * the median gap, and the worst, which is one more than the longest run of missed seeds
 * (a trailing run counts too, as a lower bound).
 */
function seedsToCatch(caught: readonly number[]): { first: number | null; median: number | null; worst: number | null } {
  if (caught.length === 0) return { first: null, median: null, worst: null };
  const gaps = caught.map((seed, i) => seed - (i === 0 ? 0 : caught[i - 1]!));
  const trailing = SEEDS_MAX - caught.at(-1)!;
  return { first: caught[0]!, median: median(gaps), worst: Math.max(...gaps, trailing + 1) };
}

function table(): string {
  const head = ['bug', 'breaks', 'caught', 'by breaks', 'first', 'median', 'worst', 'failing checkers (seeds)', 'wall'];
  const rows = records.map((r) => {
    const s = seedsToCatch(r.caught);
    const show = (n: number | null): string => (n === null ? '—' : String(n));
    const checkers = [...r.checkers].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ');
    return [r.bug, r.breaks, `${r.caught.length}/${SEEDS_MAX}`, `${r.caughtByBreaks.length}/${SEEDS_MAX}`, show(s.first), show(s.median), show(s.worst), checkers || '—', `${(r.wallMs / 1000).toFixed(1)} s`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`bug zoo: seeds to catch (zoo config, seeds 1..${SEEDS_MAX})`, line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

afterAll(() => {
  if (records.length > 0) console.log(table());
});

describe(`the chaos run catches every bug of the zoo within ${SEEDS_MAX} seeds`, () => {
  for (const bug of BUGS) {
    it(`${bug.name} (${bug.description}) is caught, at least once by ${bug.breaks}`, { timeout: 120_000 }, () => {
      const started = performance.now();
      const record: CatchRecord = { bug: bug.name, breaks: bug.breaks, caught: [], caughtByBreaks: [], checkers: new Map(), wallMs: 0 };
      records.push(record);
      for (let seed = 1; seed <= SEEDS_MAX; seed++) {
        const failing = failingCheckers(bug, seed, bug.variant);
        if (failing.length > 0) record.caught.push(seed);
        if (failing.includes(bug.breaks)) record.caughtByBreaks.push(seed);
        for (const name of failing) record.checkers.set(name, (record.checkers.get(name) ?? 0) + 1);
      }
      record.wallMs = performance.now() - started;
      const where = `${bug.name} with faults [${bug.faults.join(', ')}] over seeds 1..${SEEDS_MAX}`;
      expect(record.caught.length, `${where}: seeds on which some checker failed`).toBeGreaterThan(0);
      expect(record.caughtByBreaks.length, `${where}: seeds on which ${bug.breaks} failed (failing: ${JSON.stringify([...record.checkers])})`).toBeGreaterThan(0);
    });
  }
});

describe(`the correct engine passes every checker on each bug's zoo config (seeds 1..${CORRECT_SEEDS})`, () => {
  for (const bug of BUGS) {
    it(`${bug.name}'s config: faults [${bug.faults.join(', ')}]`, () => {
      for (let seed = 1; seed <= CORRECT_SEEDS; seed++) {
        expect(failingCheckers(bug, seed, CORRECT_SYSTEM), `correct engine, ${bug.name}'s config, seed ${seed}`).toEqual([]);
      }
    });
  }
});

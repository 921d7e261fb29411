// Variant A against variant B over the same seeds (DESIGN §1: an engineer changing the
// protocol). A variant is a set of engine option overrides. Per metric: the mean of each side,
// the difference B − A with a paired bootstrap 95 % interval (reports/stats.ts, seeded, so the
// same runs give the same interval), and a verdict knowing which direction is better. Checker
// failures side by side per seed. CompareFile is the JSON shape of compare.json; bump
// COMPARE_FILE_VERSION when it changes. runCompare is the only part that runs simulations; compareSampleSets compares two chaos runs' samples (chaos --samples).

import { DEFAULT_SIM_CONFIG } from '../sim/config.ts';
import { describeOverrides, type EngineOverrides } from './sweep-params.ts';
import { opsRateOf, runSample, type RunSetup, type SeedSample } from './sweep-sample.ts';
import { BOOTSTRAP_RESAMPLES_DEFAULT, bootstrapMeanDifference, CONFIDENCE_DEFAULT, hashString, mean, verdictOf, type Better, type ComparisonVerdict } from './stats.ts';

export const COMPARE_FILE_FORMAT = 'syncstorm-compare';
export const COMPARE_FILE_VERSION = 2;
export const STATS_SEED_DEFAULT = 1;
export const COMPARE_RUNS_MAX = 100_000;

export type MetricKey = 'p50Ms' | 'p99Ms' | 'bytesPerOp' | 'requestsPerOp' | 'conflicts' | 'convergenceMs' | 'violations' | 'throughputPerS';
export type MetricUnit = 'ms' | 'bytes' | 'count' | 'ratio' | 'per-second';

export interface MetricSpec {
  readonly key: MetricKey;
  readonly label: string;
  readonly unit: MetricUnit;
  readonly better: Better;
}

/** The compared metrics, in report order. */
export const COMPARED_METRICS: readonly MetricSpec[] = [
  { key: 'p50Ms', label: 'p50 push-to-ack latency', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'p99 push-to-ack latency', unit: 'ms', better: 'lower' },
  { key: 'bytesPerOp', label: 'bytes pushed per op', unit: 'bytes', better: 'lower' },
  { key: 'requestsPerOp', label: 'requests per op', unit: 'ratio', better: 'lower' },
  { key: 'conflicts', label: 'conflicts', unit: 'count', better: 'lower' },
  { key: 'convergenceMs', label: 'convergence time after heal', unit: 'ms', better: 'lower' },
  { key: 'violations', label: 'checker violations', unit: 'count', better: 'lower' },
  { key: 'throughputPerS', label: 'throughput (acked items / s)', unit: 'per-second', better: 'higher' },
];

export interface MetricComparison extends MetricSpec {
  /** Means over the seeds used (pairs where both sides had a value). */
  readonly a: number | null;
  readonly b: number | null;
  /** B − A: the mean paired difference and its bootstrap interval; null when no seed had a value on both sides. */
  readonly difference: { readonly estimate: number; readonly low: number; readonly high: number; readonly n: number } | null;
  /** estimate ÷ A's mean; null when A's mean is 0 or unknown. */
  readonly relative: number | null;
  readonly verdict: ComparisonVerdict;
  /** Why seeds were left out or values stand in for missing ones ('' when none). */
  readonly note: string;
}

export interface SideViolations {
  readonly total: number;
  /** Seeds with a failing checker, and which. */
  readonly seeds: readonly { readonly seed: number; readonly checkers: readonly string[]; readonly first: string }[];
}

/** The JSON shape of compare.json. */
export interface CompareFile {
  readonly format: typeof COMPARE_FILE_FORMAT;
  readonly version: typeof COMPARE_FILE_VERSION;
  readonly setup: {
    readonly seeds: readonly number[];
    readonly clients: number;
    readonly teamSize: number;
    readonly durationMs: number;
    /** Ops each client issues per simulated hour. */
    readonly opsPerClientPerHour: number;
    /** A run that did not converge counts as this much convergence time (a lower bound). */
    readonly convergenceBudgetMs: number;
    readonly baseEngine: EngineOverrides;
    readonly resamples: number;
    readonly confidence: number;
    readonly statsSeed: number;
  };
  readonly a: { readonly spec: string; readonly label: string; readonly engine: EngineOverrides };
  readonly b: { readonly spec: string; readonly label: string; readonly engine: EngineOverrides };
  readonly metrics: readonly MetricComparison[];
  /** How many metrics B is better, worse or not significantly different on. */
  readonly tally: { readonly better: number; readonly worse: number; readonly same: number };
  readonly violations: {
    readonly a: SideViolations;
    readonly b: SideViolations;
    /** Every checker that failed on either side, with the seeds it failed on for each. */
    readonly checkers: readonly { readonly name: string; readonly aSeeds: readonly number[]; readonly bSeeds: readonly number[] }[];
  };
  readonly perSeed: readonly { readonly seed: number; readonly a: SeedSample; readonly b: SeedSample }[];
  /** Present when A and B are two chaos runs' samples (compareSampleSets), not variants run here. */
  readonly source?: CompareSource;
  readonly generatedBy: string;
  readonly wallMs: number;
}

/** Where two chaos runs' samples came from (`chaos --samples --out DIR`, one per side). */
export interface CompareSource {
  readonly kind: 'chaos-runs';
  readonly a: SampleSetOrigin;
  readonly b: SampleSetOrigin;
  /** Seeds compared whose trace hash differs: the seeds on which B's build or configuration took another path (none for a pure refactor). */
  readonly seedsOnAnotherPath: readonly number[];
  /** Seeds one side ran and the other did not: left out. */
  readonly seedsUnpaired: number;
  /**
   * Seeds whose plan (ops, faults, clocks) differs between the two runs: B's build generates
   * another workload for them, so their differences are not the engine's alone. Empty when the
   * plans agree, or when a side's samples carry no plan hash.
   */
  readonly seedsWithAnotherPlan: readonly number[];
}

export interface SampleSetOrigin {
  readonly dir: string;
  readonly scenario: string;
  readonly variant: string;
  readonly policy: string;
  readonly faults: string;
}

export interface CompareVariant {
  /** As typed on the command line. */
  readonly spec: string;
  readonly engine: EngineOverrides;
}

export interface CompareStatsOptions {
  readonly resamples?: number;
  readonly confidence?: number;
  readonly statsSeed?: number;
  readonly convergenceBudgetMs: number;
}

/** One metric's comparison over paired samples (pure). */
export function compareMetric(spec: MetricSpec, a: readonly SeedSample[], b: readonly SeedSample[], options: CompareStatsOptions): MetricComparison {
  const pairs: [number, number][] = [];
  let missing = 0;
  let unconverged = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]![spec.key];
    let y = b[i]![spec.key];
    if (spec.key === 'convergenceMs') {
      if (x === null) unconverged++;
      if (y === null) unconverged++;
      x ??= options.convergenceBudgetMs;
      y ??= options.convergenceBudgetMs;
    }
    if (x === null || y === null) missing++;
    else pairs.push([x, y]);
  }
  const notes: string[] = [];
  if (unconverged > 0) notes.push(`${unconverged} run${unconverged === 1 ? '' : 's'} did not converge and count as the whole budget (a lower bound)`);
  if (missing > 0) notes.push(`${missing} seed${missing === 1 ? '' : 's'} left out (no value on one side)`);
  if (pairs.length === 0) return { ...spec, a: null, b: null, difference: null, relative: null, verdict: 'no significant difference', note: [...notes, 'no seed to compare'].join('; ') };
  const xs = pairs.map((p) => p[0]);
  const ys = pairs.map((p) => p[1]);
  const ci = bootstrapMeanDifference(xs, ys, {
    paired: true,
    seed: hashString(spec.key, options.statsSeed ?? STATS_SEED_DEFAULT),
    resamples: options.resamples ?? BOOTSTRAP_RESAMPLES_DEFAULT,
    confidence: options.confidence ?? CONFIDENCE_DEFAULT,
  });
  const meanA = mean(xs)!;
  return {
    ...spec,
    a: meanA,
    b: mean(ys),
    difference: { estimate: ci.estimate, low: ci.low, high: ci.high, n: ci.n },
    relative: meanA === 0 ? null : ci.estimate / meanA,
    verdict: verdictOf(ci, spec.better),
    note: notes.join('; '),
  };
}

function sideViolations(samples: readonly SeedSample[]): SideViolations {
  return {
    total: samples.reduce((n, s) => n + s.violations, 0),
    seeds: samples.filter((s) => s.failedCheckers.length > 0).map((s) => ({ seed: s.seed, checkers: s.failedCheckers, first: s.firstViolation })),
  };
}

/** The comparison of two sides' samples, seed by seed (pure; a[i] and b[i] share a seed). */
export function summarizeComparison(a: readonly SeedSample[], b: readonly SeedSample[], options: CompareStatsOptions): Pick<CompareFile, 'metrics' | 'tally' | 'violations' | 'perSeed'> {
  if (a.length !== b.length || a.some((s, i) => s.seed !== b[i]!.seed)) throw new Error('compare: both sides must have run the same seeds in the same order');
  const metrics = COMPARED_METRICS.map((spec) => compareMetric(spec, a, b, options));
  const names = [...new Set([...a, ...b].flatMap((s) => s.failedCheckers))].sort();
  const seedsFailing = (side: readonly SeedSample[], name: string): number[] => side.filter((s) => s.failedCheckers.includes(name)).map((s) => s.seed);
  return {
    metrics,
    tally: {
      better: metrics.filter((m) => m.verdict === 'better').length,
      worse: metrics.filter((m) => m.verdict === 'worse').length,
      same: metrics.filter((m) => m.verdict === 'no significant difference').length,
    },
    violations: { a: sideViolations(a), b: sideViolations(b), checkers: names.map((name) => ({ name, aSeeds: seedsFailing(a, name), bSeeds: seedsFailing(b, name) })) },
    perSeed: a.map((s, i) => ({ seed: s.seed, a: s, b: b[i]! })),
  };
}

export interface CompareOptions {
  readonly a: CompareVariant;
  readonly b: CompareVariant;
  readonly seeds: readonly number[];
  readonly setup: RunSetup;
  readonly generatedBy: string;
  readonly statsSeed?: number;
  readonly resamples?: number;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** Runs A and B over every seed (A then B per seed, in this thread) and compares them. */
export function runCompare(options: CompareOptions): CompareFile {
  const { seeds, setup } = options;
  if (seeds.length === 0) throw new Error('a comparison needs at least one seed');
  if (seeds.length * 2 > COMPARE_RUNS_MAX) throw new Error(`a comparison may do at most ${COMPARE_RUNS_MAX} runs, got ${seeds.length * 2}`);
  const started = performance.now();
  const total = seeds.length * 2;
  const a: SeedSample[] = [];
  const b: SeedSample[] = [];
  let done = 0;
  for (const seed of seeds) {
    a.push(runSample(setup, options.a.engine, seed));
    options.onProgress?.(++done, total, `A seed ${seed}`);
    b.push(runSample(setup, options.b.engine, seed));
    options.onProgress?.(++done, total, `B seed ${seed}`);
  }
  const convergenceBudgetMs = DEFAULT_SIM_CONFIG.convergenceBudgetMs;
  const statsSeed = options.statsSeed ?? STATS_SEED_DEFAULT;
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES_DEFAULT;
  const summary = summarizeComparison(a, b, { convergenceBudgetMs, statsSeed, resamples, confidence: CONFIDENCE_DEFAULT });
  return {
    format: COMPARE_FILE_FORMAT,
    version: COMPARE_FILE_VERSION,
    setup: {
      seeds: [...seeds], clients: setup.clients, teamSize: Math.min(setup.teamSize, setup.clients), durationMs: setup.durationMs, opsPerClientPerHour: opsRateOf(setup),
      convergenceBudgetMs, baseEngine: DEFAULT_SIM_CONFIG.engine, resamples, confidence: CONFIDENCE_DEFAULT, statsSeed,
    },
    a: { spec: options.a.spec, label: describeOverrides(options.a.engine), engine: options.a.engine },
    b: { spec: options.b.spec, label: describeOverrides(options.b.engine), engine: options.b.engine },
    ...summary,
    generatedBy: options.generatedBy,
    wallMs: Math.round(performance.now() - started),
  };
}

/** A chaos run's sample of one seed: a SeedSample and the hash of the plan the seed ran (absent in files written before it was kept). */
export type ChaosRunSample = SeedSample & { readonly planHash?: string };

/** One side of a comparison of two chaos runs: where it came from and its samples. */
export interface SampleSet {
  readonly origin: SampleSetOrigin;
  readonly samples: readonly ChaosRunSample[];
}

export interface SampleSetsSetup {
  readonly clients: number;
  readonly teamSize: number;
  readonly durationMs: number;
  readonly opsPerClientPerHour: number;
  /** What an unconverged seed counts as (the runs' convergence budget). */
  readonly convergenceBudgetMs: number;
}

/**
 * Two chaos runs' samples over the seeds both ran (two builds, or two configurations): the same
 * comparison as runCompare's, no simulation here. Throws when they share no seed.
 */
export function compareSampleSets(a: SampleSet, b: SampleSet, setup: SampleSetsSetup, generatedBy: string, statsSeed = STATS_SEED_DEFAULT): CompareFile {
  const bBySeed = new Map(b.samples.map((s) => [s.seed, s]));
  const aPaired = [...a.samples].filter((s) => bBySeed.has(s.seed)).sort((x, y) => x.seed - y.seed);
  if (aPaired.length === 0) throw new Error(`A (${a.origin.dir}) and B (${b.origin.dir}) share no seed: compare runs over the same seeds`);
  const bPaired = aPaired.map((s) => bBySeed.get(s.seed)!);
  const convergenceBudgetMs = setup.convergenceBudgetMs;
  const resamples = BOOTSTRAP_RESAMPLES_DEFAULT;
  const summary = summarizeComparison(aPaired, bPaired, { convergenceBudgetMs, statsSeed, resamples, confidence: CONFIDENCE_DEFAULT });
  const label = (origin: SampleSetOrigin): string => `${origin.dir} (${origin.variant}, ${origin.policy})`;
  return {
    format: COMPARE_FILE_FORMAT,
    version: COMPARE_FILE_VERSION,
    setup: {
      seeds: aPaired.map((s) => s.seed), clients: setup.clients, teamSize: setup.teamSize, durationMs: setup.durationMs, opsPerClientPerHour: setup.opsPerClientPerHour,
      convergenceBudgetMs, baseEngine: {}, resamples, confidence: CONFIDENCE_DEFAULT, statsSeed,
    },
    a: { spec: a.origin.dir, label: label(a.origin), engine: {} },
    b: { spec: b.origin.dir, label: label(b.origin), engine: {} },
    ...summary,
    source: {
      kind: 'chaos-runs',
      a: a.origin,
      b: b.origin,
      seedsOnAnotherPath: aPaired.filter((s, i) => s.traceHash !== bPaired[i]!.traceHash).map((s) => s.seed),
      seedsWithAnotherPlan: aPaired.filter((s, i) => s.planHash !== undefined && bPaired[i]!.planHash !== undefined && s.planHash !== bPaired[i]!.planHash).map((s) => s.seed),
      seedsUnpaired: a.samples.length + b.samples.length - 2 * aPaired.length,
    },
    generatedBy,
    wallMs: 0,
  };
}

// A parameter sweep (DESIGN §1, tuning): every combination of some engine options over the
// same seeds, aggregated per combination (throughput, p99 push-to-ack latency, bytes per op,
// requests per op, violations), the Pareto front (throughput up, p99 and bytes down) and a
// recommended setting with its reason in one sentence. SweepFile is the JSON shape of
// sweep.json; bump SWEEP_FILE_VERSION when it changes. runSweep is the only part that runs
// simulations; everything else is pure over SeedSamples.

import { describeOverrides, combinations, type EngineOverrides, type SweepParam } from './sweep-params.ts';
import { opsRateOf, runSample, type RunSetup, type SeedSample } from './sweep-sample.ts';
import { formatBytes, formatMs } from './format.ts';
import { mean } from './stats.ts';
import { DEFAULT_SIM_CONFIG } from '../sim/config.ts';

export const SWEEP_FILE_FORMAT = 'syncstorm-sweep';
export const SWEEP_FILE_VERSION = 1;
/** Runs (combinations × seeds) one sweep may do at most. */
export const SWEEP_RUNS_MAX = 100_000;
/** The recommendation considers Pareto points whose p99 is within this share of the best p99. */
export const P99_TOLERANCE = 0.1;

/** Mean, min and max over the seeds that had a value; all null when none had. */
export interface Aggregate {
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Seeds that had a value. */
  readonly n: number;
}

export interface SweepCombination {
  readonly index: number;
  /** `batchItemsMax=5 · backoffBaseMs=1000` */
  readonly label: string;
  /** The engine options this combination sets (over the sim config's engine defaults). */
  readonly engine: EngineOverrides;
  /** Acked items per simulated second (chaos phase + convergence), per seed. */
  readonly throughputPerS: Aggregate;
  /** Per-seed p99 push-to-ack latency. */
  readonly p99Ms: Aggregate;
  readonly bytesPerOp: Aggregate;
  readonly requestsPerOp: Aggregate;
  /** Checker violations summed over all seeds. */
  readonly violations: number;
  readonly failingSeeds: readonly number[];
  /** Checker name → seeds it failed on. */
  readonly failedCheckers: Readonly<Record<string, readonly number[]>>;
  /** Not dominated by any other combination (see dominates). */
  readonly pareto: boolean;
  readonly recommended: boolean;
  readonly perSeed: readonly SeedSample[];
}

export interface Recommendation {
  readonly index: number;
  readonly label: string;
  readonly engine: EngineOverrides;
  /** One sentence: why this setting. */
  readonly reason: string;
}

/** The JSON shape of sweep.json. */
export interface SweepFile {
  readonly format: typeof SWEEP_FILE_FORMAT;
  readonly version: typeof SWEEP_FILE_VERSION;
  readonly setup: {
    readonly seeds: readonly number[];
    readonly clients: number;
    readonly teamSize: number;
    readonly durationMs: number;
    /** Ops each client issues per simulated hour. */
    readonly opsPerClientPerHour: number;
    /** The sim config's engine options every combination starts from. */
    readonly baseEngine: EngineOverrides;
    readonly params: readonly SweepParam[];
  };
  readonly combinations: readonly SweepCombination[];
  /** Indices of the Pareto-optimal combinations. */
  readonly pareto: readonly number[];
  readonly recommendation: Recommendation | null;
  readonly generatedBy: string;
  /** Wall time of all runs (the one field that differs between identical sweeps). */
  readonly wallMs: number;
}

export function aggregate(values: readonly (number | null)[]): Aggregate {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return { mean: null, min: null, max: null, n: 0 };
  return { mean: mean(present), min: Math.min(...present), max: Math.max(...present), n: present.length };
}

/** The three objectives of a point; a missing value counts as the worst. */
export interface Objectives {
  readonly throughputPerS: number | null;
  readonly p99Ms: number | null;
  readonly bytesPerOp: number | null;
}

function objectiveVector(o: Objectives): [number, number, number] {
  return [o.throughputPerS ?? -Infinity, -(o.p99Ms ?? Infinity), -(o.bytesPerOp ?? Infinity)];
}

/** p dominates q: at least as good on every objective (more throughput, less p99, fewer bytes) and better on one. */
export function dominates(p: Objectives, q: Objectives): boolean {
  const a = objectiveVector(p);
  const b = objectiveVector(q);
  return a.every((v, i) => v >= b[i]!) && a.some((v, i) => v > b[i]!);
}

/** Indices of the points no other point dominates. */
export function paretoFront(points: readonly Objectives[]): number[] {
  return points.flatMap((p, i) => (points.some((q, j) => j !== i && dominates(q, p)) ? [] : [i]));
}

interface Candidate extends Objectives {
  readonly index: number;
  readonly label: string;
  readonly engine: EngineOverrides;
  readonly violations: number;
  readonly requestsPerOp: number | null;
}

/**
 * Among the Pareto points (the violation-free ones when there are any), those whose p99 is within
 * P99_TOLERANCE of the best p99; of those the highest throughput, then fewer bytes, then fewer requests.
 */
export function recommend(candidates: readonly Candidate[], paretoIndices: readonly number[]): Recommendation | null {
  const front = candidates.filter((c) => paretoIndices.includes(c.index));
  const safe = front.filter((c) => c.violations === 0);
  const pool = safe.length > 0 ? safe : front;
  if (pool.length === 0) return null;
  const p99s = pool.map((c) => c.p99Ms).filter((v): v is number => v !== null);
  const bestP99 = p99s.length === 0 ? null : Math.min(...p99s);
  const near = bestP99 === null ? pool : pool.filter((c) => c.p99Ms !== null && c.p99Ms <= bestP99 * (1 + P99_TOLERANCE));
  const chosen = [...near].sort((x, y) =>
    (y.throughputPerS ?? -Infinity) - (x.throughputPerS ?? -Infinity) ||
    (x.bytesPerOp ?? Infinity) - (y.bytesPerOp ?? Infinity) ||
    (x.requestsPerOp ?? Infinity) - (y.requestsPerOp ?? Infinity) ||
    x.index - y.index)[0]!;
  const ties = near.filter((c) => c !== chosen && c.throughputPerS === chosen.throughputPerS && c.bytesPerOp === chosen.bytesPerOp && c.requestsPerOp === chosen.requestsPerOp && c.p99Ms === chosen.p99Ms);
  const tie = ties.length === 0 ? '' : `; ${ties.map((c) => c.label).join(' and ')} measured the same (the first listed is taken)`;
  const p99 = chosen.p99Ms === null ? 'no acked items' : `p99 ${formatMs(chosen.p99Ms)}`;
  const within = bestP99 === null ? '' : ` whose p99 latency is within ${Math.round(P99_TOLERANCE * 100)} % of the best (${formatMs(bestP99)})`;
  const unsafe = safe.length === 0 ? ' (every Pareto setting had checker violations: fix those first)' : '';
  const reason = `Recommended ${chosen.label}: the highest throughput (${(chosen.throughputPerS ?? 0).toFixed(3)} acked/s) among the ${safe.length > 0 ? 'violation-free ' : ''}Pareto-optimal settings${within}, with ${p99} and ${formatBytes(chosen.bytesPerOp)}/op${tie}${unsafe}.`;
  return { index: chosen.index, label: chosen.label, engine: chosen.engine, reason };
}

/** Aggregates each combination's seed samples, marks the Pareto front and the recommendation. */
export function summarizeSweep(combos: readonly EngineOverrides[], samples: readonly (readonly SeedSample[])[]): { combinations: SweepCombination[]; pareto: number[]; recommendation: Recommendation | null } {
  const base = combos.map((engine, index) => {
    const perSeed = samples[index] ?? [];
    const failedCheckers: Record<string, number[]> = {};
    for (const s of perSeed) for (const name of s.failedCheckers) (failedCheckers[name] ??= []).push(s.seed);
    return {
      index,
      label: describeOverrides(engine),
      engine,
      throughputPerS: aggregate(perSeed.map((s) => s.throughputPerS)),
      p99Ms: aggregate(perSeed.map((s) => s.p99Ms)),
      bytesPerOp: aggregate(perSeed.map((s) => s.bytesPerOp)),
      requestsPerOp: aggregate(perSeed.map((s) => s.requestsPerOp)),
      violations: perSeed.reduce((n, s) => n + s.violations, 0),
      failingSeeds: perSeed.filter((s) => s.failedCheckers.length > 0).map((s) => s.seed),
      failedCheckers,
      perSeed,
    };
  });
  const candidates: Candidate[] = base.map((c) => ({
    index: c.index, label: c.label, engine: c.engine, violations: c.violations,
    throughputPerS: c.throughputPerS.mean, p99Ms: c.p99Ms.mean, bytesPerOp: c.bytesPerOp.mean, requestsPerOp: c.requestsPerOp.mean,
  }));
  const pareto = paretoFront(candidates);
  const recommendation = recommend(candidates, pareto);
  const combinations = base.map((c) => ({ ...c, pareto: pareto.includes(c.index), recommended: recommendation?.index === c.index }));
  return { combinations, pareto, recommendation };
}

export interface SweepOptions {
  readonly params: readonly SweepParam[];
  readonly seeds: readonly number[];
  readonly setup: RunSetup;
  readonly generatedBy: string;
  /** Called after every run: runs done, runs in all, the combination just run. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** Runs every combination over every seed (in this thread, one run at a time) and summarizes. */
export function runSweep(options: SweepOptions): SweepFile {
  const { params, seeds, setup } = options;
  if (seeds.length === 0) throw new Error('a sweep needs at least one seed');
  const combos = combinations(params);
  const total = combos.length * seeds.length;
  if (total > SWEEP_RUNS_MAX) throw new Error(`a sweep may do at most ${SWEEP_RUNS_MAX} runs, got ${combos.length} combinations × ${seeds.length} seeds = ${total}`);
  const started = performance.now();
  const samples: SeedSample[][] = [];
  let done = 0;
  for (const engine of combos) {
    const perSeed: SeedSample[] = [];
    for (const seed of seeds) {
      perSeed.push(runSample(setup, engine, seed));
      options.onProgress?.(++done, total, describeOverrides(engine));
    }
    samples.push(perSeed);
  }
  const summary = summarizeSweep(combos, samples);
  return {
    format: SWEEP_FILE_FORMAT,
    version: SWEEP_FILE_VERSION,
    setup: { seeds: [...seeds], clients: setup.clients, teamSize: Math.min(setup.teamSize, setup.clients), durationMs: setup.durationMs, opsPerClientPerHour: opsRateOf(setup), baseEngine: DEFAULT_SIM_CONFIG.engine, params },
    ...summary,
    generatedBy: options.generatedBy,
    wallMs: Math.round(performance.now() - started),
  };
}

// `chaos --samples`: each seed's numbers (a SeedSample: latency p50/p99, bytes and requests per
// op, conflicts, convergence, violations, throughput, trace hash), made in the worker while the
// run is at hand and written to DIR/samples.jsonl, one JSON line per seed in seed order. Two
// such directories — two builds, or two configurations, over the same seeds — are what
// `compare DIR_A DIR_B` compares (compare-dirs.ts).

import { fileURLToPath } from 'node:url';
import type { SeedCheck, SeedExtra } from '../../scenarios/chaos/run-seed.ts';
import { TraceHasher } from '../../sim/history.ts';
import type { RunPlan } from '../../sim/types.ts';
import { seedSampleOf } from '../../reports/sweep-sample.ts';
import type { ChaosRunSample } from '../../reports/compare.ts';

export const SAMPLES_FILE = 'samples.jsonl';

/** The hook: a run and its checks → its sample, with the hash of the plan it ran (so two builds' runs of a seed can be seen to share a workload). */
export const sampleExtra: SeedExtra = (run, check): ChaosRunSample => ({ ...seedSampleOf(run, check.results), planHash: planHashOf(run.plan) });

/** A 64-bit hash of a plan (ops, faults, clocks): equal plans, equal hashes. */
export function planHashOf(plan: RunPlan): string {
  const hasher = new TraceHasher();
  hasher.str(JSON.stringify(plan));
  return hasher.digest();
}

/** The pool's per-seed option for samples: the hook here, and the worker entry that runs it in each thread. */
export function samplesPerSeed(): { readonly extra: SeedExtra; readonly workerEntry: string } {
  return { extra: sampleExtra, workerEntry: fileURLToPath(new URL('./chaos-sample-worker.ts', import.meta.url)) };
}

/** DIR/samples.jsonl: one line per seed that ran to the end (a run that threw has no numbers), in seed order. */
export function renderSamples(checks: readonly SeedCheck[]): string {
  return [...checks]
    .sort((a, b) => a.seed - b.seed)
    .filter((check) => check.extra !== undefined)
    .map((check) => `${JSON.stringify(check.extra)}\n`)
    .join('');
}

/** Shards' samples.jsonl as one, in seed order (shards run disjoint seeds). */
export function mergeSamples(docs: readonly string[]): string {
  const lines = docs.flatMap((doc) => doc.split('\n').filter((line) => line !== ''));
  const seedOf = (line: string): number => (JSON.parse(line) as { seed: number }).seed;
  return lines
    .map((line) => ({ line, seed: seedOf(line) }))
    .sort((a, b) => a.seed - b.seed)
    .map(({ line }) => `${line}\n`)
    .join('');
}

/** The samples of a samples.jsonl; a line that is not one names the file and the line. */
export function parseSamples(text: string, file: string): ChaosRunSample[] {
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${file}:${number} is not JSON: ${(error as Error).message}`);
      }
      const sample = value as Partial<ChaosRunSample> | null;
      if (sample === null || typeof sample !== 'object' || !Number.isSafeInteger(sample.seed) || typeof sample.traceHash !== 'string' || !Array.isArray(sample.failedCheckers)) {
        throw new Error(`${file}:${number} should be a seed's sample (seed, traceHash, failedCheckers, …), got ${line.slice(0, 80)}`);
      }
      return sample as ChaosRunSample;
    });
}

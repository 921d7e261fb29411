// Benchmark child: how cost grows with size. Job argv[2] = { part: 'drain' } or { part: 'checks' }.
// drain: the engine drains a 10,000- and a 100,000-item queue (drain.ts), median of 11 and 5,
// after a warm-up drain, so both sizes meet the same optimised code.
// checks: the default swarm for a short and a 10× longer chaos span (same seed and clients);
// every checker runs over each history 5 times (after one warm-up pass) and the median counts.

import { runChecks } from '../../scenarios/checkers/index.ts';
import { checkContextOf } from '../../scenarios/chaos/run-seed.ts';
import { runSimulation } from '../../sim/runner.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import { measureDrain, type DrainMeasurement } from './drain.ts';
import { answer, cpuMsSince, progress } from './jobs.ts';
import { medianBy } from './stats.ts';
import { swarmConfig } from './workloads.ts';
import { recordCount } from '../../sim/history.ts';

export type GrowthJob = { readonly part: 'drain' } | { readonly part: 'checks' };

export interface DrainGrowth {
  readonly part: 'drain';
  readonly small: DrainMeasurement;
  readonly large: DrainMeasurement;
  /** CPU ms of each run (the median is by CPU time: steadier than wall on a shared machine). */
  readonly smallRunsCpuMs: readonly number[];
  readonly largeRunsCpuMs: readonly number[];
}

export interface CheckRun {
  readonly clients: number;
  readonly durationMs: number;
  readonly historyEvents: number;
  /** Median wall and CPU time of one pass of every checker (median by CPU). */
  readonly checkMs: number;
  readonly checkCpuMs: number;
  readonly checkRunsMs: readonly number[];
  readonly checkRunsCpuMs: readonly number[];
  readonly checksFailed: readonly string[];
}

export interface CheckGrowth {
  readonly part: 'checks';
  readonly small: CheckRun;
  readonly large: CheckRun;
}

export const DRAIN_ITEMS_SMALL = 10_000;
export const DRAIN_ITEMS_LARGE = 100_000;
export const CHECK_CLIENTS = 300;
export const CHECK_SPAN_SMALL_MS = 6 * 60_000;
export const CHECK_SPAN_LARGE_MS = 60 * 60_000;
/**
 * More runs of the small drain: at a tenth of a second it is the noisier one (process CPU time
 * counts V8's GC helper threads too). Five runs of it spread from 0.04 to 0.19 s one evening,
 * and the ratio read 14.6× once and 8.6× ten minutes later; eleven hold the median still.
 */
const DRAIN_REPEATS_SMALL = 11;
const DRAIN_REPEATS_LARGE = 5;
const CHECK_REPEATS = 5;

export function parseGrowthJob(text: string | undefined): GrowthJob {
  const raw: unknown = JSON.parse(text ?? 'null');
  const part = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['part'] : undefined;
  if (part !== 'drain' && part !== 'checks') throw new Error(`growth job part should be drain or checks, got ${JSON.stringify(part)}`);
  return { part };
}

function drains(items: number, repeats: number): DrainMeasurement[] {
  const runs: DrainMeasurement[] = [];
  for (let i = 0; i < repeats; i++) runs.push(measureDrain(items));
  progress(`drain ${items.toLocaleString('en-US')} items: cpu ${runs.map((r) => (r.drainCpuMs / 1000).toFixed(2)).join(' / ')} s`);
  return runs;
}

function drainGrowth(): DrainGrowth {
  measureDrain(DRAIN_ITEMS_SMALL); // warm-up
  const small = drains(DRAIN_ITEMS_SMALL, DRAIN_REPEATS_SMALL);
  const large = drains(DRAIN_ITEMS_LARGE, DRAIN_REPEATS_LARGE);
  const median = (runs: DrainMeasurement[]): DrainMeasurement => medianBy(runs, (r) => r.drainCpuMs);
  return { part: 'drain', small: median(small), large: median(large), smallRunsCpuMs: small.map((r) => r.drainCpuMs), largeRunsCpuMs: large.map((r) => r.drainCpuMs) };
}

function checkRun(durationMs: number): CheckRun {
  const config = swarmConfig(CHECK_CLIENTS, durationMs);
  const { history } = runSimulation({ config });
  const context = checkContextOf(config, CORRECT_SYSTEM);
  const failed = runChecks(history, context).filter((r) => !r.valid).map((r) => r.name); // warm-up pass
  const passes: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < CHECK_REPEATS; i++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    runChecks(history, context);
    passes.push({ wallMs: performance.now() - started, cpuMs: cpuMsSince(cpuStart) });
  }
  const median = medianBy(passes, (p) => p.cpuMs);
  progress(`checkers over ${recordCount(history).toLocaleString('en-US')} events (${CHECK_CLIENTS} clients × ${durationMs / 60_000} min): cpu ${passes.map((p) => p.cpuMs.toFixed(0)).join(' / ')} ms`);
  return {
    clients: CHECK_CLIENTS,
    durationMs,
    historyEvents: recordCount(history),
    checkMs: median.wallMs,
    checkCpuMs: median.cpuMs,
    checkRunsMs: passes.map((p) => p.wallMs),
    checkRunsCpuMs: passes.map((p) => p.cpuMs),
    checksFailed: failed,
  };
}

function main(): void {
  const job = parseGrowthJob(process.argv[2]);
  if (job.part === 'drain') answer(drainGrowth());
  else answer({ part: 'checks', small: checkRun(CHECK_SPAN_SMALL_MS), large: checkRun(CHECK_SPAN_LARGE_MS) } satisfies CheckGrowth);
}

main();

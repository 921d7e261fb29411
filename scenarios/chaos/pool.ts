// Many chaos seeds across worker threads (node:worker_threads). Each worker gets the base
// config, the variant's and the scenario's names once, then one seed at a time (the next as soon as it answers),
// and streams a SeedCheck back per seed. A seed's result depends only on the seed, the config
// and the variant, so the set of results is the same for any number of workers; they are
// returned sorted by seed. `workers: 1` runs in this thread, with no worker at all. Workers
// run worker.ts bundled into one plain module (scenarios/bundle.ts: a thread is ready in about
// 0.1 s, where registering tsx and loading ~150 modules through it took 1 s or more on a busy
// machine); without esbuild they run it through tsx.
// A deadline stops handing out seeds (the ones running finish); so do an abort signal and a
// number of failing seeds reached (chaos --bail).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import '../bugs.ts'; // registers the bug zoo's variants for the in-process path
import { bundleEntry } from '../bundle.ts';
import { buildSimConfig } from '../../sim/config.ts';
import type { SimConfig } from '../../sim/types.ts';
import { variantByName } from '../../sim/variants.ts';
import { checkSeedSafely, type SeedCheck, type SeedExtra } from './run-seed.ts';
import { DEFAULT_SCENARIO, seedPlanner } from './target.ts';

export const WORKERS_MAX = 256;

/** Data a worker starts with (workerData). */
export interface WorkerInit {
  readonly config: SimConfig;
  readonly variant: string;
  readonly scenario: string;
}
export type ToWorker = { readonly type: 'seed'; readonly seed: number } | { readonly type: 'stop' };
export type ToMain = { readonly type: 'ready' } | { readonly type: 'result'; readonly check: SeedCheck };

/** The seeds to run, by position: `count` may be Infinity when a deadline bounds the run. */
export interface SeedSchedule {
  readonly count: number;
  seedAt(index: number): number;
}

export interface PoolOptions {
  /** The base config; each seed runs it with `seed` replaced. */
  readonly config: SimConfig;
  /** A registered variant name ('correct' or a bug of the zoo). */
  readonly variant: string;
  /** The scenario whose explicit fault schedule each seed's plan gets (target.ts); default none. */
  readonly scenario?: string;
  readonly seeds: readonly number[] | SeedSchedule;
  /** Worker threads; 1 runs in this thread. Default os.availableParallelism(). */
  readonly workers?: number;
  /** performance.now() after which no new seed starts. */
  readonly deadline?: number;
  /** Once this many seeds have failed, no new seed starts (the ones running finish, and may fail too). */
  readonly failuresMax?: number;
  readonly signal?: AbortSignal;
  /** Told of each result as it arrives (in completion order). */
  readonly onResult?: (check: SeedCheck) => void;
  /**
   * A per-seed hook whose data travels back with each check (SeedCheck.extra): `extra` runs it
   * in-process, and `workerEntry` (an absolute file path) is the worker module that runs the
   * same hook in each thread (it calls worker-loop.ts serveSeeds(extra)). Default none.
   */
  readonly perSeed?: { readonly extra: SeedExtra; readonly workerEntry: string };
  /** Workers run worker.ts bundled (default), or false: through tsx, as they do when esbuild is missing. */
  readonly bundle?: boolean;
}

export type PoolStop = 'done' | 'budget' | 'aborted' | 'failures';

export interface PoolResult {
  /** One per seed run, sorted by seed. */
  readonly checks: readonly SeedCheck[];
  readonly stoppedBy: PoolStop;
  /** Workers actually used (1 means in-process). */
  readonly workers: number;
  readonly wallMs: number;
}

export function defaultWorkerCount(): number {
  return availableParallelism();
}

function scheduleOf(seeds: PoolOptions['seeds']): SeedSchedule {
  if (!Array.isArray(seeds)) return seeds as SeedSchedule;
  const list = seeds as readonly number[];
  return { count: list.length, seedAt: (index) => list[index]! };
}

function validated(options: PoolOptions): { schedule: SeedSchedule; workers: number } {
  const schedule = scheduleOf(options.seeds);
  const workers = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1 || workers > WORKERS_MAX) {
    throw new Error(`runPool: workers should be an integer from 1 to ${WORKERS_MAX}, got ${workers}`);
  }
  if (!(schedule.count >= 0) || (!Number.isInteger(schedule.count) && schedule.count !== Infinity)) {
    throw new Error(`runPool: seeds.count should be a whole number or Infinity, got ${schedule.count}`);
  }
  if (options.failuresMax !== undefined && (!Number.isInteger(options.failuresMax) || options.failuresMax < 1)) {
    throw new Error(`runPool: failuresMax should be an integer >= 1, got ${options.failuresMax}`);
  }
  if (schedule.count === Infinity && options.deadline === undefined && options.signal === undefined) {
    throw new Error('runPool: an unbounded seed schedule needs a deadline or an abort signal');
  }
  variantByName(options.variant); // fails here, loudly, rather than in every worker
  return { schedule, workers: Math.max(1, Math.min(workers, schedule.count)) };
}

export async function runPool(options: PoolOptions): Promise<PoolResult> {
  const { schedule, workers } = validated(options);
  const started = performance.now();
  const checks: SeedCheck[] = [];
  let failedSeeds = 0;
  const collect = (check: SeedCheck): void => {
    checks.push(check);
    if (!check.ok) failedSeeds++;
    options.onResult?.(check);
  };
  const stopAt = (next: number): PoolStop | null => stopReason(options, next, schedule.count, failedSeeds);
  const stoppedBy =
    workers === 1
      ? await runInProcess(options, schedule, collect, stopAt)
      : await withWorkerEntry(options.bundle ?? true, workerModule(options), (entry) => runInWorkers(options, schedule, workers, collect, stopAt, entry));
  checks.sort((a, b) => a.seed - b.seed);
  return { checks, stoppedBy, workers, wallMs: performance.now() - started };
}

/** Why no further seed may start (the next would be the `next`-th, with `failedSeeds` failed so far), or null when one may. */
function stopReason(options: PoolOptions, next: number, count: number, failedSeeds: number): PoolStop | null {
  if (options.signal?.aborted === true) return 'aborted';
  if (next >= count) return 'done';
  if (options.failuresMax !== undefined && failedSeeds >= options.failuresMax) return 'failures';
  if (options.deadline !== undefined && performance.now() >= options.deadline) return 'budget';
  return null;
}

async function runInProcess(options: PoolOptions, schedule: SeedSchedule, collect: (check: SeedCheck) => void, stopAt: (next: number) => PoolStop | null): Promise<PoolStop> {
  const variant = variantByName(options.variant);
  const planFor = await seedPlanner(options.scenario ?? DEFAULT_SCENARIO);
  for (let next = 0; ; next++) {
    const stop = stopAt(next);
    if (stop !== null) return stop;
    const config = buildSimConfig({ ...options.config, seed: schedule.seedAt(next) });
    collect(checkSeedSafely({ config, plan: planFor(config), variant }, options.perSeed?.extra));
    // Let timers (progress output) and signals (Ctrl-C) run between seeds.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The worker module's file: worker.ts, or the per-seed hook's entry. */
function workerModule(options: PoolOptions): string {
  return options.perSeed?.workerEntry ?? fileURLToPath(new URL('./worker.ts', import.meta.url));
}

/** A worker's code: `module` bundled into a directory of its own for the pool's lifetime, or null (run it through tsx). */
async function withWorkerEntry<T>(bundle: boolean, module: string, use: (entry: string | null) => Promise<T>): Promise<T> {
  if (!bundle) return use(null);
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-chaos-worker-'));
  try {
    return await use(await bundleEntry(module, join(dir, 'worker.bundle.mjs')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runInWorkers(options: PoolOptions, schedule: SeedSchedule, count: number, collect: (check: SeedCheck) => void, stopAt: (next: number) => PoolStop | null, entry: string | null): Promise<PoolStop> {
  return new Promise((resolve, reject) => {
    const init: WorkerInit = { config: options.config, variant: options.variant, scenario: options.scenario ?? DEFAULT_SCENARIO };
    const inFlight = new Map<Worker, number | null>();
    let next = 0;
    let stoppedBy: PoolStop | null = null;
    let failed = false;
    const finishIfIdle = (): void => {
      if (failed || inFlight.size > 0) return;
      resolve(stoppedBy ?? 'done');
    };
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const worker of inFlight.keys()) void worker.terminate();
      inFlight.clear();
      reject(error);
    };
    const dispatch = (worker: Worker): void => {
      const stop = stopAt(next);
      if (stop !== null) {
        stoppedBy ??= stop;
        inFlight.delete(worker);
        void worker.terminate().then(finishIfIdle, fail);
        return;
      }
      const seed = schedule.seedAt(next++);
      inFlight.set(worker, seed);
      const message: ToWorker = { type: 'seed', seed };
      worker.postMessage(message);
    };
    for (let i = 0; i < count; i++) {
      const worker = startWorker(init, entry, workerModule(options));
      inFlight.set(worker, null);
      worker.on('message', (message: ToMain) => {
        if (failed) return;
        if (message.type === 'result') collect(message.check);
        dispatch(worker);
      });
      worker.on('error', (error) => {
        const seed = inFlight.get(worker);
        fail(new Error(`chaos worker ${i} failed${seed === null || seed === undefined ? '' : ` on seed ${seed}`}: ${error.message}`));
      });
      worker.on('exit', (code) => {
        if (inFlight.has(worker) && !failed) fail(new Error(`chaos worker ${i} exited with code ${code} on seed ${inFlight.get(worker) ?? '(none)'}`));
      });
    }
  });
}

/**
 * The young generation's semi-space for a process or worker that runs simulations (node's
 * --max-semi-space-size; V8's default is 16 MB). A run keeps a large share of what it allocates
 * alive for a while (each client's latest records, requests in flight, the history's
 * references), which a 16 MB semi-space promotes to the old generation, to be marked and swept
 * there later. Measured with --trace-gc-nvp (scavenge bytes copied, GC pause; load-independent):
 * 300 seeds of the quick scenario 536 -> 244 MB and 2.4 -> 1.6 s; 10,000 clients × 15 min
 * peak RSS 1.05 -> 0.83 GB. At 1,000 clients it is a wash (wall within noise, ~90 MB more RSS).
 * The young generation grows only as far as survival asks.
 * The bin, `npm start` and the bench's children pass it (SIM_NODE_FLAGS).
 */
export const SIM_SEMI_SPACE_MB = 64;

/**
 * How far the old generation may grow past what the last full GC found alive before the next
 * one (V8's --heap-growing-percent; by default it picks a factor up to 4× while GC is cheap).
 * Per-client records that outlive two scavenges (a client's latest state lives until its next
 * pull, ~30 simulated s) are promoted and die in the old generation; at 10,000 clients the heap
 * reached 3.4× its live size before V8 collected them. Measured at 10,000 clients × 60 min:
 * peak RSS 1.79 -> 1.40 GB, wall 78.0 -> 76.3 s (the marking runs beside the simulation on the
 * other core); at 1,000 clients no change.
 */
export const SIM_HEAP_GROWING_PERCENT = 50;

/** The node flags of a process that runs simulations. The bin's shebang and `npm start` spell them out (cli.test.ts holds them to this). */
export const SIM_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SIM_SEMI_SPACE_MB}`, `--heap-growing-percent=${SIM_HEAP_GROWING_PERCENT}`];

/**
 * A worker running `entry` (the bundle). Without one: a worker does not inherit tsx's loader, so
 * its entry is a small script that registers tsx and then imports `module` (the bin's pattern,
 * inline, so no .js file is needed). Both by absolute URL: an eval'd script resolves nothing
 * relative to this file.
 */
function startWorker(init: WorkerInit, entry: string | null, module: string): Worker {
  // V8 sizes a young generation at three semi-spaces.
  const options = { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 3 * SIM_SEMI_SPACE_MB } };
  if (entry !== null) return new Worker(entry, options);
  const workerUrl = pathToFileURL(module).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); });\n`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let tsxApiUrl: string | null = null;

/** tsx's ESM API entry (its `import` export of tsx/esm/api; the CommonJS one cannot register from an eval'd worker). */
function tsxEsmApiUrl(): string {
  if (tsxApiUrl !== null) return tsxApiUrl;
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, { import?: string | { default?: string } }> };
  const target = manifest.exports?.['./esm/api']?.import;
  const entry = typeof target === 'string' ? target : target?.default;
  if (entry === undefined) throw new Error(`tsx at ${dirname(manifestPath)} has no "./esm/api" import export; chaos workers need it`);
  tsxApiUrl = pathToFileURL(join(dirname(manifestPath), entry)).href;
  return tsxApiUrl;
}

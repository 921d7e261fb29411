// Benchmark child: nightly throughput. The quick scenario (the `start` and `chaos` default:
// 50 clients, 10 simulated minutes, swarm faults, every checker) through the chaos command's
// own machinery (resolveChaosTarget + runPool) with k workers, seeds 1, 2, 3, … until a wall
// budget runs out (the seeds in flight then finish and count). Answers seeds per hour.
// Job: argv[2] = { workers, budgetMs }.

import { runPool } from '../../scenarios/chaos/pool.ts';
import { resolveChaosTarget } from '../../scenarios/chaos/target.ts';
import { answer, cpuMsSince, progress, requireInteger } from './jobs.ts';

export interface ChaosRateJob {
  readonly workers: number;
  readonly budgetMs: number;
}

export interface ChaosRateMeasurement {
  readonly workers: number;
  readonly budgetMs: number;
  readonly clients: number;
  readonly durationMs: number;
  readonly seeds: number;
  /** From handing out the first seed until the last one in flight answered (worker start-up included). */
  readonly wallMs: number;
  /** CPU time of the whole process (every worker thread) over the same stretch: about wall × workers on an idle machine. */
  readonly cpuMs: number;
  readonly seedsPerHour: number;
  readonly failedSeeds: number;
  /** The first FAILURES_KEPT failed seeds and their checkers: the correct system failing a seed is a finding, not noise. */
  readonly failures: readonly { readonly seed: number; readonly failed: readonly string[] }[];
}

const FAILURES_KEPT = 10;

export function parseChaosRateJob(text: string | undefined): ChaosRateJob {
  const raw: unknown = JSON.parse(text ?? 'null');
  if (typeof raw !== 'object' || raw === null) throw new Error(`chaos job should be a JSON object, got ${String(text)}`);
  const r = raw as Record<string, unknown>;
  return { workers: requireInteger('workers', r['workers'], 1), budgetMs: requireInteger('budgetMs', r['budgetMs'], 1000) };
}

async function main(): Promise<void> {
  const job = parseChaosRateJob(process.argv[2]);
  const target = await resolveChaosTarget({});
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const pool = await runPool({
    config: target.config,
    variant: target.variant,
    scenario: target.scenario,
    seeds: { count: Infinity, seedAt: (index) => index + 1 },
    workers: job.workers,
    deadline: started + job.budgetMs,
  });
  const cpuMs = cpuMsSince(cpuStart);
  const seeds = pool.checks.length;
  const failedChecks = pool.checks.filter((c) => !c.ok);
  const failedSeeds = failedChecks.length;
  progress(`chaos, ${pool.workers} worker(s): ${seeds} seeds in ${(pool.wallMs / 1000).toFixed(1)} s (cpu ${(cpuMs / 1000).toFixed(1)} s)${failedSeeds === 0 ? '' : `, ${failedSeeds} failed`}`);
  const measurement: ChaosRateMeasurement = {
    workers: pool.workers,
    budgetMs: job.budgetMs,
    clients: target.config.clients,
    durationMs: target.config.durationMs,
    seeds,
    wallMs: pool.wallMs,
    cpuMs,
    seedsPerHour: (seeds * 3_600_000) / pool.wallMs,
    failedSeeds,
    failures: failedChecks.slice(0, FAILURES_KEPT).map((c) => ({ seed: c.seed, failed: c.failed })),
  };
  answer(measurement);
}

await main();

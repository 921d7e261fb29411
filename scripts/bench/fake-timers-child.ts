// Benchmark child: the fake-timers baseline in a fresh process. The comparison workload on
// real SyncEngines (ft-clients.ts) driven by @sinonjs/fake-timers: ticks through the span in
// chunks with tickAsync, stops early once past its wall budget, and answers a
// FakeTimersMeasurement as one JSON line on stdout. Job: argv[2] (see jobs.ts).

import FakeTimers, { type Clock } from '@sinonjs/fake-timers';
import { answer, cpuMsSince, parseFakeTimersJob, peakRssBytes, progress, type FakeTimersJob, type FakeTimersMeasurement } from './jobs.ts';
import { openWorld } from './ft-clients.ts';
import { scheduleOps, type OpCounts } from './ft-workload.ts';
import { comparisonConfig, comparisonPlan, HOUR_MS } from './workloads.ts';

/** Real wall time in ms; hrtime is not among the faked clocks. */
function wallNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Ticks in chunks until durationMs, or until the chunk that ends past the wall budget; returns the span ticked. */
async function tickThrough(clock: Clock, job: FakeTimersJob, startedMs: number): Promise<number> {
  let tickedMs = 0;
  while (tickedMs < job.durationMs) {
    const stepMs = Math.min(job.chunkMs, job.durationMs - tickedMs);
    await clock.tickAsync(stepMs);
    tickedMs += stepMs;
    const wallMs = wallNowMs() - startedMs;
    progress(`fake-timers ${job.clients} clients: ${(tickedMs / 60_000).toFixed(0)} of ${(job.durationMs / 60_000).toFixed(0)} simulated min after ${(wallMs / 1000).toFixed(1)} s wall`);
    if (wallMs > job.wallBudgetMs) break;
  }
  return tickedMs;
}

async function main(): Promise<void> {
  const job = parseFakeTimersJob(process.argv[2]);
  const startedMs = wallNowMs();
  const cpuStart = process.cpuUsage();
  const clock = FakeTimers.install({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'], loopLimit: Number.MAX_SAFE_INTEGER });
  // The engines need only the config's seed, engine and link sections; the ops are the hour plan's, cut to the job's span.
  const config = comparisonConfig(job.clients, HOUR_MS);
  const plan = comparisonPlan(job.clients, job.durationMs);
  const world = await openWorld(config);
  const counts: OpCounts = { invoked: 0, writesOk: 0, writesFailed: 0 };
  scheduleOps(plan.ops, world.engines, counts);
  const simulatedMs = await tickThrough(clock, job, startedMs);
  const wallMs = wallNowMs() - startedMs;
  const cpuMs = cpuMsSince(cpuStart);
  clock.uninstall();
  const measurement: FakeTimersMeasurement = {
    clients: job.clients,
    simulatedMs,
    wallMs,
    cpuMs,
    opsPlanned: plan.ops.length,
    opsInvoked: counts.invoked,
    writesOk: counts.writesOk,
    writesFailed: counts.writesFailed,
    serverApplied: world.server.appliedCount(),
    stoppedEarly: simulatedMs < job.durationMs,
    peakRssBytes: peakRssBytes(),
  };
  answer(measurement);
}

await main();

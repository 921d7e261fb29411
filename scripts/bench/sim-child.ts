// Benchmark child: one simulator run in a fresh process (so its peak RSS is its own).
// Times plan generation + runSimulation, then the checkers over that history separately,
// and answers a SimMeasurement as one JSON line on stdout. Job: argv[2] (see jobs.ts).

import { buildEngineOptions } from '../../engine/options.ts';
import { runChecks } from '../../scenarios/checkers/index.ts';
import { describeFaultMix, generatePlan } from '../../sim/plan.ts';
import { runSimulation } from '../../sim/runner.ts';
import { recordCount, type History } from '../../sim/history.ts';
import type { SimConfig } from '../../sim/types.ts';
import { answer, cpuMsSince, parseSimJob, peakRssBytes, progress, type SimMeasurement } from './jobs.ts';
import { comparisonConfig, comparisonPlan, swarmConfig } from './workloads.ts';

function countInvoked(history: History): number {
  let invoked = 0;
  history.events.select(['invoke'], () => void invoked++);
  return invoked;
}

function timeChecks(config: SimConfig, history: History): { checkMs: number; checkCpuMs: number; checksFailed: string[]; checkFailures: string[] } {
  const engine = buildEngineOptions({ ...config.engine, clientId: 'bench-check' });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const results = runChecks(history, { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs });
  const checkMs = performance.now() - started;
  const checkCpuMs = cpuMsSince(cpuStart);
  const failed = results.filter((r) => !r.valid);
  return { checkMs, checkCpuMs, checksFailed: failed.map((r) => r.name), checkFailures: failed.map((r) => `${r.name}: ${r.summary}`) };
}

function main(): void {
  const job = parseSimJob(process.argv[2]);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const config = job.mode === 'swarm' ? swarmConfig(job.clients, job.durationMs) : comparisonConfig(job.clients, job.durationMs);
  const plan = job.mode === 'swarm' ? generatePlan(config) : comparisonPlan(job.clients, job.durationMs);
  const result = runSimulation({ config, plan });
  const wallMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpuStart);
  const { history } = result;
  progress(`simulated ${(history.endedAt / 60_000).toFixed(1)} min in ${(wallMs / 1000).toFixed(2)} s wall; ${result.eventsProcessed} events; checking…`);
  const checks = timeChecks(config, history);
  const measurement: SimMeasurement = {
    clients: job.clients,
    durationMs: job.durationMs,
    simulatedMs: history.endedAt,
    wallMs,
    cpuMs,
    eventsProcessed: result.eventsProcessed,
    opsPlanned: plan.ops.length,
    opsInvoked: countInvoked(history),
    historyEvents: recordCount(history),
    ...checks,
    converged: history.converged,
    faultMix: describeFaultMix(plan),
    peakRssBytes: peakRssBytes(),
  };
  progress(`checkers ${(checks.checkMs / 1000).toFixed(2)} s (${checks.checksFailed.length === 0 ? 'all valid' : `failed: ${checks.checksFailed.join(', ')}`}); peak RSS ${(measurement.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
  answer(measurement);
}

main();

// Benchmark child (issue 6): the standard run (1,000 clients in teams of 5, one simulated hour,
// swarm faults), every checker, then its report written as `syncstorm run --out` writes it.
// Answers a ReportBuild as one JSON line on stdout; the page itself is loaded in Chromium by
// the parent (report-bench.ts). Job: argv[2], { clients, durationMs, outDir }.

import { statSync } from 'node:fs';
import { toCheckSummaries } from '../../reports/checks.ts';
import { writeRunReport } from '../../reports/write.ts';
import { runChecks } from '../../scenarios/checkers/index.ts';
import { checkContextOf } from '../../scenarios/chaos/run-seed.ts';
import { generatePlan } from '../../sim/plan.ts';
import { runSimulation } from '../../sim/runner.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import { answer, progress, requireInteger } from './jobs.ts';
import type { ReportBuild, ReportJob } from './report-bench.ts';
import { swarmConfig } from './workloads.ts';
import { recordCount } from '../../sim/history.ts';

function parseReportJob(text: string | undefined): ReportJob {
  const raw: unknown = JSON.parse(text ?? 'null');
  if (typeof raw !== 'object' || raw === null) throw new Error(`report job should be a JSON object, got ${String(text)}`);
  const job = raw as Record<string, unknown>;
  if (typeof job['outDir'] !== 'string' || job['outDir'] === '') throw new Error(`report job outDir should be a directory path, got ${JSON.stringify(job['outDir'])}`);
  return { clients: requireInteger('clients', job['clients'], 1), durationMs: requireInteger('durationMs', job['durationMs'], 1000), outDir: job['outDir'] };
}

function main(): void {
  const job = parseReportJob(process.argv[2]);
  const config = swarmConfig(job.clients, job.durationMs);
  let started = performance.now();
  const result = runSimulation({ config, plan: generatePlan(config) });
  const simulateMs = performance.now() - started;
  progress(`simulated ${(result.history.endedAt / 60_000).toFixed(1)} min in ${(simulateMs / 1000).toFixed(2)} s; ${recordCount(result.history).toLocaleString('en-US')} history events; checking…`);
  const checks = runChecks(result.history, checkContextOf(config, CORRECT_SYSTEM));
  started = performance.now();
  const { htmlPath } = writeRunReport(job.outDir, result, toCheckSummaries(checks), { replayCommand: `npx syncstorm run --seed ${config.seed} --clients ${config.clients} --team-size ${config.teamSize} --duration ${config.durationMs}` });
  const writeMs = performance.now() - started;
  const build: ReportBuild = {
    clients: job.clients,
    durationMs: job.durationMs,
    historyEvents: recordCount(result.history),
    checksFailed: checks.filter((c) => !c.valid).map((c) => c.name),
    writeMs,
    htmlPath,
    htmlBytes: statSync(htmlPath).size,
  };
  progress(`report written in ${(writeMs / 1000).toFixed(2)} s: ${(build.htmlBytes / 2 ** 20).toFixed(2)} MiB${build.checksFailed.length === 0 ? '' : `; failed checks (their counterexample drawn): ${build.checksFailed.join(', ')}`}`);
  answer(build);
}

main();

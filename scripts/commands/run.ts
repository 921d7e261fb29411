// `syncstorm run`: one seed in the simulator. Prints the seed, the fault mix, a metrics
// summary and the trace hash; saves a run file that `syncstorm replay` re-runs exactly.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildSimConfig } from '../../sim/config.ts';
import { describeFaultMix } from '../../sim/plan.ts';
import { runSimulation, type RunResult } from '../../sim/runner.ts';
import { summarize, type RunSummary } from '../../sim/summary.ts';
import { toRunFile } from '../../sim/run-file.ts';
import type { SimConfig } from '../../sim/types.ts';
import type { ConflictPolicy } from '../../engine/options.ts';

export interface RunCommandOptions {
  readonly seed: number;
  readonly clients: number;
  readonly teamSize: number;
  readonly duration: number;
  readonly policy?: ConflictPolicy;
  readonly faults: boolean;
  readonly json?: string;
}

export function configFromFlags(flags: RunCommandOptions): SimConfig {
  return buildSimConfig({
    seed: flags.seed,
    clients: flags.clients,
    teamSize: Math.min(flags.teamSize, flags.clients),
    durationMs: flags.duration,
    engine: flags.policy === undefined ? {} : { conflictPolicy: flags.policy },
    faults: flags.faults ? {} : { kinds: [] },
  });
}

export function formatSummary(result: RunResult, summary: RunSummary, wallMs: number): string {
  const h = result.history;
  const c = result.config;
  const lines = [
    `seed ${c.seed} · ${c.clients} clients in teams of ${c.teamSize} · ${formatMs(c.durationMs)} simulated · engine ${result.variant}`,
    `fault mix: ${describeFaultMix(result.plan)}`,
    `ops ${summary.ops.invoked} (ok ${summary.ops.ok}, fail ${summary.ops.fail}, unknown ${summary.ops.info}) · acked ${summary.acked} (${summary.replayedAcks} replayed) · server applies ${summary.applies}`,
    `conflicts ${summary.conflicts} · retries ${summary.retries} · dead letters ${summary.deadLetters} · crashes ${summary.crashes} · faults ${summary.faults}`,
    `messages: ${summary.messages.sent} sent, ${summary.messages.dropped} dropped, ${summary.messages.duplicated} duplicated, ${summary.messages.refused} refused`,
    summary.converged ? `converged ${formatMs(summary.convergenceMs ?? 0)} after heal; queues empty` : `did NOT converge within ${formatMs(c.convergenceBudgetMs)}; ${summary.queueRemaining} items still queued`,
    `${result.eventsProcessed} events in ${(wallMs / 1000).toFixed(2)} s wall (${Math.round(h.endedAt / Math.max(1, wallMs))}× real time)`,
    `trace hash ${h.traceHash}`,
  ];
  return lines.join('\n');
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function writeJson(path: string, value: unknown): string {
  const full = resolve(path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, JSON.stringify(value, null, 1) + '\n');
  return full;
}

export async function runRun(flags: RunCommandOptions): Promise<void> {
  const config = configFromFlags(flags);
  const started = performance.now();
  const result = runSimulation({ config });
  const wallMs = performance.now() - started;
  const summary = summarize(result.history);
  console.log(formatSummary(result, summary, wallMs));
  const path = writeJson(flags.json ?? `out/runs/seed-${config.seed}.json`, toRunFile(result, summary));
  console.log(`run file: ${path}  (replay: npx syncstorm replay ${path})`);
}

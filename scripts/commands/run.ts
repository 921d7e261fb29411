// `syncstorm run`: one seed in the simulator. Prints the seed, the fault mix, a metrics
// summary, every checker's verdict and the trace hash; saves a run file that `syncstorm
// replay` re-runs exactly, and a one-file HTML report.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildEngineOptions } from '../../engine/options.ts';
import { buildSimConfig } from '../../sim/config.ts';
import { describeFaultMix } from '../../sim/plan.ts';
import { runSimulation, type RunResult } from '../../sim/runner.ts';
import { downsText, summarize, type RunSummary } from '../../sim/summary.ts';
import { toRunFile } from '../../sim/run-file.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../../sim/variants.ts';
import type { ConflictPolicy } from '../../engine/options.ts';
import { runChecks, type CheckResult } from '../../scenarios/checkers/index.ts';
import { writeRunReport } from '../../reports/write.ts';
import { toCheckSummaries } from '../../reports/checks.ts';
import { describeSchedule, scenarioByName, scenarioRun } from '../../scenarios/catalogue.ts';
import { bugByName } from '../../scenarios/bugs.ts';
import { zooFaults } from './bugs.ts';
import { simulationProgress, type SimulationProgress } from './sim-progress.ts';

export interface RunCommandOptions {
  readonly seed: number;
  readonly clients: number;
  readonly teamSize: number;
  readonly duration: number;
  readonly policy?: ConflictPolicy;
  readonly faults: boolean;
  readonly json?: string;
  readonly out?: string;
  /** A catalogue scenario: its config and plan for the seed replace the workload and fault flags. */
  readonly scenario?: string;
  /** A bug of the zoo: its broken variant, with the zoo's faults for it (or the scenario's). */
  readonly bug?: string;
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

/** What to run: --scenario (or the bug's own scenario) gives the config and plan, --bug the variant (and, without a scenario, its zoo faults). */
export function runInputsFromFlags(flags: RunCommandOptions): { config: SimConfig; plan?: RunPlan; variant: SystemVariant; heading: string[] } {
  const bug = flags.bug === undefined ? undefined : bugByName(flags.bug);
  const variant = bug?.variant ?? CORRECT_SYSTEM;
  const heading = bug === undefined ? [] : [`bug ${bug.name}: ${bug.description} (the zoo expects ${bug.breaks} to catch it)`];
  const scenarioName = flags.scenario ?? bug?.scenario;
  if (scenarioName !== undefined) {
    const scenario = scenarioByName(scenarioName);
    const run = scenarioRun(scenario, flags.seed);
    heading.unshift(`scenario ${scenario.name}: ${scenario.title} · guarded by ${scenario.guardedBy.join(', ')} · ${describeSchedule(scenario, run.config)} · ${scenario.story}`);
    return { ...run, variant, heading };
  }
  const config = configFromFlags(flags);
  if (bug === undefined || !flags.faults) return { config, variant, heading };
  return { config: buildSimConfig({ ...config, faults: { ...config.faults, ...zooFaults(bug) } }), variant, heading };
}

/** Run every checker over a run, with the context its engine options give. */
export function checkRun(result: RunResult, variant: SystemVariant): CheckResult[] {
  const engine = buildEngineOptions({ ...result.config.engine, ...variant.engine, clientId: 'check' });
  return runChecks(result.history, { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs });
}

export function formatSummary(result: RunResult, summary: RunSummary, wallMs: number): string {
  const h = result.history;
  const c = result.config;
  const lines = [
    `seed ${c.seed} · ${c.clients} clients in teams of ${c.teamSize} · ${formatMs(c.durationMs)} simulated · engine ${result.variant}`,
    `fault mix: ${describeFaultMix(result.plan)}`,
    `ops ${summary.ops.invoked} (ok ${summary.ops.ok}, fail ${summary.ops.fail}, unknown ${summary.ops.info}) · acked ${summary.acked} (${summary.replayedAcks} replayed) · server applies ${summary.applies}`,
    `conflicts ${summary.conflicts} · retries ${summary.retries} · dead letters ${summary.deadLetters} · ${downsText(summary.downs)} · faults ${summary.faults}`,
    `messages: ${summary.messages.sent} sent, ${summary.messages.dropped} dropped, ${summary.messages.duplicated} duplicated, ${summary.messages.refused} refused`,
    summary.converged ? `converged ${formatMs(summary.convergenceMs ?? 0)} after heal; queues empty` : `did NOT converge within ${formatMs(c.convergenceBudgetMs)}; ${summary.queueRemaining} items still queued`,
    `${result.eventsProcessed} events in ${(wallMs / 1000).toFixed(2)} s wall (${Math.round(h.endedAt / Math.max(1, wallMs))}× real time)`,
    `trace hash ${h.traceHash}`,
  ];
  return lines.join('\n');
}

export function formatChecks(results: readonly CheckResult[]): string {
  return results.map((r) => `  ${r.valid ? 'PASS' : 'FAIL'}  ${r.name.padEnd(21)} ${r.valid ? r.summary.replace(/^ok: /, '') : r.summary}`).join('\n');
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

export interface SavedRun {
  readonly result: RunResult;
  readonly checks: CheckResult[];
  readonly runFile: string;
  readonly report: string;
}

/** Run, check, and save the run file and the report under `dir` (telling `progress`, when given, how it goes). */
export function runCheckAndSave(config: SimConfig, variant: SystemVariant, dir: string, plan?: RunPlan, progress?: SimulationProgress): SavedRun & { wallMs: number } {
  const started = performance.now();
  const result = runSimulation({ config, variant, plan, ...(progress === undefined ? {} : { onProgress: progress.onProgress }) });
  const wallMs = performance.now() - started;
  progress?.stop();
  progress?.phase('checking the properties');
  const checks = checkRun(result, variant);
  progress?.phase('writing the run file and the report');
  const runFile = writeJson(join(dir, `seed-${config.seed}.json`), toRunFile(result, summarize(result.history)));
  const { htmlPath } = writeRunReport(join(dir, `seed-${config.seed}`), result, toCheckSummaries(checks), { replayCommand: `npx syncstorm replay ${runFile}`, traceCommand: `npx syncstorm trace ${runFile}` });
  return { result, checks, runFile, report: htmlPath, wallMs };
}

export async function runRun(flags: RunCommandOptions): Promise<void> {
  const { config, plan, variant, heading } = runInputsFromFlags(flags);
  const dir = flags.out ?? 'out/runs';
  const saved = runCheckAndSave(config, variant, dir, plan, await simulationProgress('run'));
  for (const line of heading) console.log(line);
  console.log(formatSummary(saved.result, summarize(saved.result.history), saved.wallMs));
  console.log(formatChecks(saved.checks));
  if (flags.json !== undefined) writeJson(flags.json, toRunFile(saved.result, summarize(saved.result.history)));
  console.log(`run file: ${flags.json ?? saved.runFile}  (replay: npx syncstorm replay ${flags.json ?? saved.runFile} · the story as text: npx syncstorm trace ${flags.json ?? saved.runFile})`);
  console.log(`report: ${saved.report}`);
  if (!saved.checks.every((c) => c.valid)) process.exitCode = 1;
}

// `syncstorm realnet`: the engine and the checkers over real HTTP (DESIGN §2, issue 5). The mock
// server runs in a child process over a lowdb file in --out, each client is a real SyncEngine in
// a worker thread over its own lowdb file, behind its own Toxiproxy proxy; a nemesis from the
// seed changes toxics, takes proxies down, kill -9s the server and kills clients. After the heal
// and the convergence budget, every checker judges the recorded History. Writes history.jsonl
// (sim/history-file.ts: a header, then one record per line; `syncstorm trace` reads it),
// summary.json and report.html into --out. Exit 0: every property held; 1: one was violated.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseBoundedDurationArg, parseIntegerArg, parseSeedArg } from '../cli-args.ts';

export interface RealnetCommandOptions {
  readonly seed: number;
  readonly clients: number;
  readonly teamSize: number;
  readonly duration: number;
  readonly convergenceBudget: number;
  readonly faultsPerSecond: number;
  readonly out: string;
  readonly bug?: string;
}

function parseRateArg(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 20) throw new InvalidArgumentError(`${flag} must be a number from 0 to 20, got '${value}'`);
    return parsed;
  };
}

export function registerRealnet(program: Command): void {
  program
    .command('realnet')
    .description('run the engine over real HTTP: mock server child process, Toxiproxy faults, clients in worker threads; checks the history')
    .option('--seed <n>', 'the seed of the workload and the nemesis (decimal or 0x hex)', parseSeedArg('--seed'), 1)
    .option('--clients <n>', 'engine clients (one worker thread each)', parseIntegerArg('--clients', 1, 200), 20)
    .option('--team-size <n>', 'clients sharing one user and entity space', parseIntegerArg('--team-size', 1, 200), 5)
    .option('--duration <d>', 'chaos phase in wall time, e.g. 60s, 2m', parseBoundedDurationArg('--duration', 1_000, 3_600_000), 60_000)
    .option('--convergence-budget <d>', 'time to converge after the heal', parseBoundedDurationArg('--convergence-budget', 1_000, 600_000), 30_000)
    .option('--faults-per-second <x>', 'mean nemesis actions per second', parseRateArg('--faults-per-second'), 0.5)
    .option('--bug <name>', 'run an engine bug variant from the bug zoo (scenarios/bugs.ts)')
    .option('--out <dir>', 'where the server file, client stores, history and report go', 'out/realnet')
    .action(async (options: RealnetCommandOptions) => {
      await runRealnetCommand(options);
    });
}

export async function runRealnetCommand(flags: RealnetCommandOptions, out: (line: string) => void = (line) => void process.stdout.write(`${line}\n`)): Promise<number> {
  const { realnetBug, runRealnet } = await import('../../scenarios/realnet/runner.ts');
  if (flags.bug !== undefined) {
    try {
      realnetBug(flags.bug);
    } catch (error) {
      throw new InvalidArgumentError(`--bug: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { formatRealnetSummary, realnetSummaryJson, toRunResult } = await import('../../scenarios/realnet/result.ts');
  const { formatChecks, writeJson } = await import('./run.ts');
  const { writeRunReport } = await import('../../reports/write.ts');
  const { renderHistoryFile } = await import('../../sim/history-file.ts');
  const { toCheckSummaries } = await import('../../reports/checks.ts');
  const dir = resolve(flags.out);
  const result = await runRealnet({
    seed: flags.seed,
    clients: flags.clients,
    teamSize: flags.teamSize,
    durationMs: flags.duration,
    convergenceBudgetMs: flags.convergenceBudget,
    faultsPerSecond: flags.faultsPerSecond,
    out: dir,
    bug: flags.bug ?? null,
    log: (line) => out(`  ${line}`),
  });
  out(formatRealnetSummary(result));
  out(formatChecks(result.checks));
  for (const error of result.errors) out(`  harness warning: ${error}`);
  // Records, not the history's columnar internals: a real-network run cannot be re-run, so this file is its story.
  const historyPath = join(dir, 'history.jsonl');
  writeFileSync(historyPath, renderHistoryFile(result.history).join(''));
  writeJson(join(dir, 'summary.json'), realnetSummaryJson(result));
  const run = toRunResult(result);
  const { htmlPath } = writeRunReport(dir, run, toCheckSummaries(result.checks), {
    title: `syncstorm realnet · seed ${flags.seed} · ${flags.clients} clients over real HTTP`,
    replayCommand: `npx syncstorm realnet --seed ${flags.seed} --clients ${flags.clients} --team-size ${flags.teamSize} --duration ${flags.duration}ms${flags.bug === undefined ? '' : ` --bug ${flags.bug}`}  (same workload and nemesis plan; wall-clock timing differs)`,
  });
  out(`history: ${historyPath}  (npx syncstorm trace ${historyPath})`);
  out(`report: ${htmlPath}`);
  const failed = !result.checks.every((c) => c.valid);
  if (failed) process.exitCode = 1;
  return failed ? 1 : 0;
}

// Every CLI command, registered in help order. Each entry wires its flags and imports the
// command's module only when it runs, so `syncstorm --help` stays fast.

import { Option, type Command } from 'commander';
import { parseBoundedDurationArg, parseChoiceListArg, parseDurationArg, parseIntegerArg, parseIntegerListArg, parseListArg, parseSeedArg } from '../cli-args.ts';
import { DURATION_MS_MAX, DURATION_MS_MIN } from '../../sim/config.ts';
import { TRACE_KINDS } from '../../reports/trace-kinds.ts';
import { CONFLICT_POLICIES } from '../../engine/options.ts';
import { registerServe } from './serve.ts';
import { registerToxiproxy } from './toxiproxy.ts';
import { registerChaos } from './chaos.ts';
import { registerMerge } from './merge.ts';
import { registerRealnet } from './realnet.ts';
import { registerSweep } from './sweep.ts';
import { registerCompare } from './compare.ts';
import { parseScenarioArg, registerScenarios } from './scenarios.ts';
import { parseBugArg, parseVariantArg, registerBugs } from './bugs.ts';

export type RegisterCommand = (program: Command) => void;

function registerStart(program: Command): void {
  program
    .command('start')
    .description('the default chaos run (embedded default config): runs, writes a report, prints a summary')
    .action(async (options: Record<string, unknown>) => {
      const { runStart } = await import('./start.ts');
      await runStart(options);
    });
}

function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one seed in the simulator: prints seed, fault mix, summary and trace hash; saves a run file')
    .option('--seed <n>', 'the seed (decimal or 0x hex)', parseSeedArg('--seed'), 1)
    .option('--clients <n>', 'virtual clients', parseIntegerArg('--clients', 1, 10_000), 50)
    .option('--team-size <n>', 'clients sharing one entity space', parseIntegerArg('--team-size', 1, 10_000), 5)
    .option('--duration <d>', 'simulated chaos phase, e.g. 10m, 1h', parseBoundedDurationArg('--duration', DURATION_MS_MIN, DURATION_MS_MAX), 600_000)
    .addOption(new Option('--policy <name>', 'conflict policy').choices(CONFLICT_POLICIES))
    .option('--no-faults', 'run without the nemesis')
    .option('--json <file>', 'also save the run file here')
    .option('--out <dir>', 'where the run file and the report go', 'out/runs')
    .option('--scenario <name>', 'run a catalogue scenario (its own workload, faults and engine options; --clients, --team-size, --duration, --policy and --no-faults are ignored)', parseScenarioArg('--scenario'))
    .option('--bug <name>', "run a broken variant of the bug zoo (with the zoo's faults for it, or the scenario's)", parseBugArg('--bug'))
    .action(async (options) => {
      const { runRun } = await import('./run.ts');
      await runRun(options);
    });
}

function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('re-run a run file exactly: its trace hash and every checker (exit 1 on a divergence or an unexpected verdict)')
    .argument('<file>', 'a run file written by run, chaos or a failing property')
    .action(async (file: string) => {
      const { runReplay } = await import('./replay.ts');
      await runReplay(file);
    });
}

function registerTrace(program: Command): void {
  program
    .command('trace')
    .description("re-run a run file and print its history, one line per record (ops, engine events, messages, applies, faults, crashes), filtered by client, entity, time or kind; --json for JSON lines")
    .argument('<file>', 'a run file written by run, chaos or a failing property')
    .option('--clients <list>', "only these clients' records (history lanes, e.g. 3,7; server and run-wide records stay)", parseIntegerListArg('--clients', 0, 1_000_000))
    .option('--entities <list>', "only what touches these entities (e.g. e1,e7): their ops, engine events, the pushes carrying them, the server's applies", parseListArg('--entities', 'entity ids such as e1 or e1,e7'))
    .option('--queue-ids <list>', "only these items' story (e.g. c3:17): the op that made each, its engine events, the pushes carrying it, its applies", parseListArg('--queue-ids', 'queue ids such as c3:17 or c3:17,c4:2'))
    .option('--from <d>', 'from this virtual time, e.g. 90s, 1m30s', parseDurationArg('--from'))
    .option('--to <d>', 'up to this virtual time (inclusive)', parseDurationArg('--to'))
    .option('--kinds <list>', `only these record kinds (${TRACE_KINDS.join(', ')})`, parseChoiceListArg('--kinds', TRACE_KINDS))
    .option('--variant <name>', "re-run on another system than the file's: 'correct' or a bug of the zoo (diff the two traces to see where they part)", parseVariantArg('--variant'))
    .option('--json', 'print the records as JSON lines, as the history stores them')
    .action(async (file: string, options) => {
      const { runTrace } = await import('./trace.ts');
      await runTrace(file, options);
    });
}

/** Add a command by appending its register function here (one line per command). */
export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerRun,
  registerReplay,
  registerTrace,
  registerServe,
  registerToxiproxy,
  registerChaos,
  registerMerge,
  registerSweep,
  registerCompare,
  registerScenarios,
  registerBugs,
  registerRealnet,
];

// `syncstorm chaos`: the nightly chaos run (DESIGN §1, §7, §8). Many seeds across worker
// threads (or shards across machines), every checker on every seed, a determinism sample
// re-run in-process, and every failing seed shrunk to a small counterexample and saved as
// a replay file + plain-words explanation + HTML report. Writes DIR/summary.json (shape in
// scenarios/chaos/summary.ts), DIR/junit.xml and DIR/trace-hashes.txt. Exit 0 every property
// held, 1 one was violated (or the run was interrupted), 2 usage error.
// Heavy modules load only when the command runs, so `syncstorm --help` stays fast.
// This file: commander registration and the run's control flow. Flags and their parsers are
// in chaos-flags.ts, progress in chaos-progress.ts, the determinism sample and saved failures
// in chaos-failures.ts, summary.json, junit.xml and trace-hashes.txt in chaos-summary.ts.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CONFLICT_POLICIES } from '../../engine/options.ts';
import { parseBoundedDurationArg, parseIntegerArg, parseSeedArg } from '../cli-args.ts';
import { DURATION_MS_MAX, DURATION_MS_MIN } from '../../sim/config.ts';
import type { ChaosFailure } from '../../scenarios/chaos/summary.ts';
import type { ChaosTarget } from '../../scenarios/chaos/target.ts';
import type { PoolResult } from '../../scenarios/chaos/pool.ts';
import { DETERMINISM_SAMPLE_DEFAULT, KEEP_FAILURES_DEFAULT, parsePositiveDurationArg, parseShardArg, SEEDS_MAX, type ChaosFlags } from './chaos-flags.ts';
import { loadModules } from './chaos-modules.ts';
import { startProgress } from './chaos-progress.ts';
import { determinismSample, saveFailure, unsavedFailure } from './chaos-failures.ts';
import { buildSummary, describeFaultConfig, renderChaosJunit, renderTraceHashes } from './chaos-summary.ts';
import { renderSamples, SAMPLES_FILE, samplesPerSeed } from './chaos-sample.ts';

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('many seeds, every checker, failures shrunk and saved as replay files; summary.json + junit.xml (exit 1 when a property was violated)')
    .option('--seeds <n>', 'seeds to run: S, S+1, … (exactly one of --seeds, --budget)', parseIntegerArg('--seeds', 1, SEEDS_MAX))
    .option('--budget <d>', 'run seeds until this much wall time has passed, e.g. 10m, 45m', parsePositiveDurationArg('--budget'))
    .option('--bail <n>', 'start no new seed once n seeds have failed (those running finish), e.g. --bail 1 with --budget 8h to hunt for one counterexample', parseIntegerArg('--bail', 1, SEEDS_MAX))
    .option('--seed-start <s>', 'the first seed S', parseSeedArg('--seed-start'), 1)
    .option('--scenario <name>', "a scenario of the catalogue ('default': the default simulation config)")
    .option('--bug <name>', "run a bug of the zoo: its variant, its faults emphasized, 10 clients unless --clients")
    .option('--shard <i/n>', 'this machine runs every n-th seed from S+i-1 (i from 1 to n)', parseShardArg('--shard'))
    .option('--workers <k>', 'worker threads (1 runs in-process; default: available cores)', parseIntegerArg('--workers', 1, 256))
    .option('--clients <n>', 'virtual clients per run', parseIntegerArg('--clients', 1, 10_000))
    .option('--team-size <n>', 'clients sharing one entity space (at most --clients)', parseIntegerArg('--team-size', 1, 10_000))
    .option('--duration <d>', 'simulated chaos phase per run, e.g. 5m, 1h', parseBoundedDurationArg('--duration', DURATION_MS_MIN, DURATION_MS_MAX))
    .addOption(new Option('--policy <name>', "conflict policy (over the scenario's)").choices(CONFLICT_POLICIES))
    .requiredOption('--out <dir>', 'output directory (summary.json, junit.xml, trace-hashes.txt, failures/; its failures/ is replaced)')
    .option('--samples', "also write each seed's numbers (latency, bytes and requests per op, conflicts, convergence, violations) to DIR/samples.jsonl: `compare DIR_A DIR_B` compares two such runs, e.g. two builds over the same seeds")
    .option('--no-shrink', 'save failing seeds as they are, without shrinking')
    .option('--determinism-sample <k>', 'seeds re-run in-process to compare trace hashes', parseIntegerArg('--determinism-sample', 0, 10_000), DETERMINISM_SAMPLE_DEFAULT)
    .option('--keep-failures <n>', 'failing seeds shrunk and saved with files at most (the rest are listed)', parseIntegerArg('--keep-failures', 0, 100_000), KEEP_FAILURES_DEFAULT)
    .option('--shrink-runs <n>', 'simulations per shrink at most', parseIntegerArg('--shrink-runs', 1, 100_000), 300)
    .addOption(new Option('--shrink-time <d>', 'wall time per shrink at most').argParser(parsePositiveDurationArg('--shrink-time')).default(60_000, '60s'))
    .action(async (options: ChaosFlags) => {
      await runChaos(options);
    });
}

export async function runChaos(flags: ChaosFlags): Promise<void> {
  const started = performance.now();
  if ((flags.seeds === undefined) === (flags.budget === undefined)) {
    throw new InvalidArgumentError(`exactly one of --seeds <n> or --budget <d> is required, got ${flags.seeds === undefined ? 'neither' : 'both'}`);
  }
  const m = await loadModules();
  let target: ChaosTarget;
  try {
    target = await m.resolveChaosTarget({ scenario: flags.scenario, bug: flags.bug, clients: flags.clients, teamSize: flags.teamSize, durationMs: flags.duration, policy: flags.policy });
  } catch (error) {
    if (error instanceof m.ChaosUsageError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  const range = { start: flags.seedStart, count: flags.seeds ?? null, shard: flags.shard ?? null };
  const schedule = m.seedSchedule(range);
  const outDir = resolve(flags.out);
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, 'failures'), { recursive: true, force: true });
  const workers = Math.max(1, Math.min(flags.workers ?? availableParallelism(), schedule.count));
  const c = target.config;
  if (target.expectedFailure !== null) {
    process.stderr.write(`chaos: note: scenario ${target.scenario} is a deliberate counterexample; expect ${target.expectedFailure} to fail\n`);
  }
  process.stderr.write(
    `chaos: ${m.describeSeedRange(range)} · ${target.variant}${target.scenario === m.DEFAULT_SCENARIO ? '' : ` · scenario ${target.scenario}`} · ${c.clients} clients in teams of ${c.teamSize} · ${m.formatMs(c.durationMs)} simulated · policy ${target.policy} · faults: ${describeFaultConfig(target)} · ${workers} worker${workers === 1 ? '' : 's'}\n`,
  );

  const aborter = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nchaos: interrupted; finishing the seeds in flight, then writing the summary (Ctrl-C again to quit at once)\n');
    process.removeListener('SIGINT', onSigint);
    aborter.abort();
  };
  process.on('SIGINT', onSigint);
  let pool: PoolResult;
  const poolStarted = performance.now();
  const deadline = flags.budget === undefined ? undefined : poolStarted + flags.budget;
  const progress = await startProgress({ total: schedule.count, startedMs: poolStarted, deadline, m });
  try {
    const perSeed = flags.samples === true ? { perSeed: samplesPerSeed() } : {};
    const bail = flags.bail === undefined ? {} : { failuresMax: flags.bail };
    pool = await m.runPool({ config: c, variant: target.variant, scenario: target.scenario, seeds: schedule, workers, ...(deadline === undefined ? {} : { deadline }), ...bail, signal: aborter.signal, onResult: progress.tick, ...perSeed });
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
  }

  const { sampled, mismatches } = determinismSample(m, target, pool.checks, flags.determinismSample);
  const failing = pool.checks.filter((check) => !check.ok || mismatches.has(check.seed));
  const failures: ChaosFailure[] = [];
  for (const [index, check] of failing.entries()) {
    const mismatch = mismatches.get(check.seed) ?? null;
    failures.push(index < flags.keepFailures ? saveFailure(m, flags, target, outDir, check, mismatch) : unsavedFailure(m, check, mismatch));
  }
  const summary = buildSummary(m, { flags, target, range, pool, failures, sampled, startedMs: started });
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  writeFileSync(join(outDir, 'junit.xml'), renderChaosJunit(m, target, pool, failures, flags.shard ?? null));
  writeFileSync(join(outDir, 'trace-hashes.txt'), renderTraceHashes(pool));
  // Left from an earlier run into the same directory, samples would pair with seeds they were not made from.
  rmSync(join(outDir, SAMPLES_FILE), { force: true });
  if (flags.samples === true) writeFileSync(join(outDir, SAMPLES_FILE), renderSamples(pool.checks));
  console.log(m.formatChaosSummary(summary));
  console.log(`summary: ${join(outDir, 'summary.json')} · junit: ${join(outDir, 'junit.xml')} · trace hashes: ${join(outDir, 'trace-hashes.txt')}${flags.samples === true ? ` · samples: ${join(outDir, SAMPLES_FILE)}` : ''}`);
  if (!summary.ok) {
    const violated = Object.entries(summary.checkerFailures).filter(([, n]) => n > 0).map(([name]) => name);
    throw new Error(`${summary.seeds.failed} of ${summary.seeds.run} seeds violated ${violated.join(', ')}`);
  }
  if (pool.stoppedBy === 'aborted') throw new Error(`interrupted after ${summary.seeds.run} seeds; every property held on those`);
}

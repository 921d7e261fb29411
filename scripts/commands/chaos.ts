// `syncstorm chaos`: the nightly chaos run (DESIGN §1, §7, §8). Many seeds across worker
// threads (or shards across machines), every checker on every seed, a determinism sample
// re-run in-process, and every failing seed shrunk to a small counterexample and saved as
// a replay file + plain-words explanation + HTML report. Writes DIR/summary.json (shape in
// scenarios/chaos/summary.ts) and DIR/junit.xml. Exit 0 every property held, 1 one was
// violated (or the run was interrupted), 2 usage error.
// Heavy modules load only when the command runs, so `syncstorm --help` stays fast.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDurationArg, parseIntegerArg, parseSeedArg, type ArgParser } from '../cli-args.ts';
// Also registers the bug zoo's variants for every command, so `syncstorm replay` finds the
// variant a chaos failure's run file names.
import { BUGS } from '../../scenarios/bugs.ts';
import { parseShard, type Shard } from '../../scenarios/chaos/seeds.ts';
import type { SeedCheck } from '../../scenarios/chaos/run-seed.ts';
import type { ShrinkResult } from '../../scenarios/chaos/shrink.ts';
import type { ChaosFailure, ChaosSummary } from '../../scenarios/chaos/summary.ts';
import type { ChaosTarget } from '../../scenarios/chaos/target.ts';
import type { PoolResult } from '../../scenarios/chaos/pool.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import type { RunResult } from '../../sim/runner.ts';

export interface ChaosFlags {
  readonly seeds?: number;
  readonly budget?: number;
  readonly seedStart: number;
  readonly scenario?: string;
  readonly bug?: string;
  readonly shard?: Shard;
  readonly workers?: number;
  readonly clients?: number;
  readonly duration?: number;
  readonly out: string;
  readonly shrink: boolean;
  readonly determinismSample: number;
  readonly keepFailures: number;
  readonly shrinkRuns: number;
  readonly shrinkTime: number;
}

export const SEEDS_MAX = 100_000_000;
export const DETERMINISM_SAMPLE_DEFAULT = 3;
export const KEEP_FAILURES_DEFAULT = 50;
/** Non-TTY progress: one line this often. */
const PROGRESS_LINE_MS = 5_000;

export function parseShardArg(flag = '--shard'): ArgParser<Shard> {
  return (value) => {
    const shard = parseShard(value);
    if (typeof shard === 'string') throw new InvalidArgumentError(`${flag} must be ${shard}, got '${value}'`);
    return shard;
  };
}

export function parseBugArg(flag = '--bug'): ArgParser<string> {
  return (value) => {
    if (!BUGS.some((bug) => bug.name === value)) {
      throw new InvalidArgumentError(`${flag} must be a bug of the zoo (${BUGS.map((bug) => bug.name).join(', ')}), got '${value}'`);
    }
    return value;
  };
}

function parsePositiveDurationArg(flag: string): ArgParser<number> {
  const parse = parseDurationArg(flag);
  return (value) => {
    const ms = parse(value);
    if (ms <= 0) throw new InvalidArgumentError(`${flag} must be a positive duration such as 90s, 45m or 1h30m, got '${value}'`);
    return ms;
  };
}

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('many seeds, every checker, failures shrunk and saved as replay files; summary.json + junit.xml (exit 1 when a property was violated)')
    .option('--seeds <n>', 'seeds to run: S, S+1, … (exactly one of --seeds, --budget)', parseIntegerArg('--seeds', 1, SEEDS_MAX))
    .option('--budget <d>', 'run seeds until this much wall time has passed, e.g. 10m, 45m', parsePositiveDurationArg('--budget'))
    .option('--seed-start <s>', 'the first seed S', parseSeedArg('--seed-start'), 1)
    .option('--scenario <name>', "a scenario of the catalogue ('default': the default simulation config)")
    .option('--bug <name>', "run a bug of the zoo: its variant, its faults emphasized, 10 clients unless --clients")
    .option('--shard <i/n>', 'this machine runs every n-th seed from S+i-1 (i from 1 to n)', parseShardArg('--shard'))
    .option('--workers <k>', 'worker threads (1 runs in-process; default: available cores)', parseIntegerArg('--workers', 1, 256))
    .option('--clients <n>', 'virtual clients per run', parseIntegerArg('--clients', 1, 10_000))
    .option('--duration <d>', 'simulated chaos phase per run, e.g. 5m, 1h', parseDurationArg('--duration'))
    .requiredOption('--out <dir>', 'output directory (summary.json, junit.xml, failures/; its failures/ is replaced)')
    .option('--no-shrink', 'save failing seeds as they are, without shrinking')
    .option('--determinism-sample <k>', 'seeds re-run in-process to compare trace hashes', parseIntegerArg('--determinism-sample', 0, 10_000), DETERMINISM_SAMPLE_DEFAULT)
    .option('--keep-failures <n>', 'failing seeds shrunk and saved with files at most (the rest are listed)', parseIntegerArg('--keep-failures', 0, 100_000), KEEP_FAILURES_DEFAULT)
    .option('--shrink-runs <n>', 'simulations per shrink at most', parseIntegerArg('--shrink-runs', 1, 100_000), 300)
    .addOption(new Option('--shrink-time <d>', 'wall time per shrink at most').argParser(parsePositiveDurationArg('--shrink-time')).default(60_000, '60s'))
    .action(async (options: ChaosFlags) => {
      await runChaos(options);
    });
}

type Modules = Awaited<ReturnType<typeof loadModules>>;

async function loadModules() {
  const [pool, runSeed, shrink, summary, junit, seeds, target, config, plan, runFile, variants, chaosReport, checkerTypes] = await Promise.all([
    import('../../scenarios/chaos/pool.ts'),
    import('../../scenarios/chaos/run-seed.ts'),
    import('../../scenarios/chaos/shrink.ts'),
    import('../../scenarios/chaos/summary.ts'),
    import('../../scenarios/chaos/junit.ts'),
    import('../../scenarios/chaos/seeds.ts'),
    import('../../scenarios/chaos/target.ts'),
    import('../../sim/config.ts'),
    import('../../sim/plan.ts'),
    import('../../sim/run-file.ts'),
    import('../../sim/variants.ts'),
    import('../../reports/chaos-report.ts'),
    import('../../scenarios/checkers/types.ts'),
  ]);
  return { ...pool, ...runSeed, ...shrink, ...summary, ...junit, ...seeds, ...target, ...config, ...plan, ...runFile, ...variants, ...chaosReport, clockText: checkerTypes.clockText, skewText: checkerTypes.skewText };
}

export async function runChaos(flags: ChaosFlags): Promise<void> {
  const started = performance.now();
  if ((flags.seeds === undefined) === (flags.budget === undefined)) {
    throw new InvalidArgumentError(`exactly one of --seeds <n> or --budget <d> is required, got ${flags.seeds === undefined ? 'neither' : 'both'}`);
  }
  const m = await loadModules();
  let target: ChaosTarget;
  try {
    target = await m.resolveChaosTarget({ scenario: flags.scenario, bug: flags.bug, clients: flags.clients, durationMs: flags.duration });
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
    `chaos: ${m.describeSeedRange(range)} · ${target.variant}${target.scenario === m.DEFAULT_SCENARIO ? '' : ` · scenario ${target.scenario}`} · ${c.clients} clients · ${m.formatMs(c.durationMs)} simulated · faults: ${describeFaultConfig(target)} · ${workers} worker${workers === 1 ? '' : 's'}\n`,
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
    pool = await m.runPool({ config: c, variant: target.variant, scenario: target.scenario, seeds: schedule, workers, ...(deadline === undefined ? {} : { deadline }), signal: aborter.signal, onResult: progress.tick });
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
  console.log(m.formatChaosSummary(summary));
  console.log(`summary: ${join(outDir, 'summary.json')} · junit: ${join(outDir, 'junit.xml')}`);
  if (!summary.ok) {
    const violated = Object.entries(summary.checkerFailures).filter(([, n]) => n > 0).map(([name]) => name);
    throw new Error(`${summary.seeds.failed} of ${summary.seeds.run} seeds violated ${violated.join(', ')}`);
  }
  if (pool.stoppedBy === 'aborted') throw new Error(`interrupted after ${summary.seeds.run} seeds; every property held on those`);
}

function describeFaultConfig(target: ChaosTarget): string {
  const f = target.config.faults;
  const schedule = target.scheduled ? `the scenario's schedule` : '';
  if (f.kinds.length === 0 || f.faultsPerHour === 0) return schedule === '' ? 'none' : schedule;
  const generated = `${f.swarm ? 'swarm over ' : ''}${f.kinds.length} kind${f.kinds.length === 1 ? '' : 's'}${f.kinds.length <= 4 ? ` (${f.kinds.join(', ')})` : ''} · ${f.faultsPerHour}/h`;
  return schedule === '' ? generated : `${generated} + ${schedule}`;
}

// ——— progress ———

interface Progress {
  readonly tick: (check: SeedCheck) => void;
  stop(): void;
}

async function startProgress(options: { total: number; startedMs: number; deadline: number | undefined; m: Modules }): Promise<Progress> {
  const { total, startedMs, deadline, m } = options;
  let done = 0;
  let failing = 0;
  const stats = (): { seeds: string; failing: string; rate: string; etaText: string; fraction: number } => {
    const elapsedMs = performance.now() - startedMs;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const remainingMs = deadline !== undefined ? Math.max(0, deadline - performance.now()) : rate > 0 ? ((total - done) / rate) * 1000 : NaN;
    const fraction = deadline !== undefined ? Math.min(1, elapsedMs / Math.max(1, deadline - startedMs)) : total > 0 ? done / total : 1;
    return {
      seeds: deadline !== undefined ? `${done} seeds` : `${done}/${total} seeds`,
      failing: `${failing} failing`,
      rate: `${rate.toFixed(1)} seeds/s`,
      etaText: Number.isFinite(remainingMs) ? `ETA ${m.formatMs(remainingMs)}` : 'ETA —',
      fraction,
    };
  };
  const count = (check: SeedCheck): void => {
    done++;
    if (!check.ok) failing++;
  };
  if (process.stderr.isTTY === true) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      // {etaText}, not {eta}: cli-progress fills {eta} itself.
      { format: 'chaos [{bar}] {seeds} · {failing} · {rate} · {etaText}', stream: process.stderr, hideCursor: true, barsize: 30, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    const scale = 1000;
    const s0 = stats();
    bar.start(scale, 0, s0);
    const refresh = (): void => {
      const s = stats();
      bar.update(Math.round(s.fraction * scale), s);
    };
    const timer = setInterval(refresh, 500);
    timer.unref();
    return {
      tick: (check) => {
        count(check);
        refresh();
      },
      stop: () => {
        clearInterval(timer);
        refresh();
        bar.stop();
      },
    };
  }
  const line = (): void => {
    const s = stats();
    process.stderr.write(`chaos: ${s.seeds} · ${s.failing} · ${s.rate} · ${s.etaText}\n`);
  };
  const timer = setInterval(line, PROGRESS_LINE_MS);
  timer.unref();
  return {
    tick: count,
    stop: () => {
      clearInterval(timer);
      line();
    },
  };
}

// ——— determinism ———

/**
 * Re-runs an evenly spread sample of seeds in this thread; a different trace hash or verdict
 * than the pool's is a determinism failure. (Failing seeds are re-run anyway when saved.)
 */
function determinismSample(m: Modules, target: ChaosTarget, checks: readonly SeedCheck[], sampleSize: number): { sampled: number[]; mismatches: Map<number, string> } {
  const sampled: number[] = [];
  const mismatches = new Map<number, string>();
  const k = Math.min(sampleSize, checks.length);
  const variant = m.variantByName(target.variant);
  for (let j = 0; j < k; j++) {
    const check = checks[Math.floor(((j + 0.5) * checks.length) / k)]!;
    sampled.push(check.seed);
    const config = m.buildSimConfig({ ...target.config, seed: check.seed });
    const again = m.checkSeedSafely({ config, plan: target.planFor(config), variant });
    const why = compareRuns(check, again);
    if (why !== null) mismatches.set(check.seed, why);
  }
  return { sampled, mismatches };
}

function compareRuns(first: SeedCheck, again: SeedCheck): string | null {
  if (first.traceHash === again.traceHash && first.failed.join() === again.failed.join()) return null;
  return `re-running seed ${first.seed} gave trace hash ${again.traceHash || '(threw)'} [${again.failed.join(', ') || 'all held'}], the first run gave ${first.traceHash || '(threw)'} [${first.failed.join(', ') || 'all held'}]`;
}

// ——— failures ———

function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function unsavedFailure(m: Modules, check: SeedCheck, mismatch: string | null): ChaosFailure {
  return {
    seed: check.seed,
    checkers: mismatch === null ? [...check.failed] : [...check.failed, m.DETERMINISM_CHECK],
    explanation: m.firstExplanation(check.results) || (mismatch ?? ''),
    original: null,
    shrunk: null,
    shrink: null,
    replay: null,
    explanations: null,
    report: null,
    replayCommand: null,
  };
}

/** Re-runs the seed here, shrinks it, and writes its replay file, explanation and report. */
function saveFailure(m: Modules, flags: ChaosFlags, target: ChaosTarget, outDir: string, check: SeedCheck, sampledMismatch: string | null): ChaosFailure {
  const variant = m.variantByName(target.variant);
  const config = m.buildSimConfig({ ...target.config, seed: check.seed });
  const plan = target.planFor(config);
  const original = m.checkRunSafely({ config, plan, variant });
  const mismatch = sampledMismatch ?? compareRuns(check, original.check);
  const checkers = mismatch === null ? [...check.failed] : [...check.failed, m.DETERMINISM_CHECK];
  const targets = check.failed.filter((name) => original.check.failed.includes(name));
  const originalSize = { clients: config.clients, ops: plan.ops.length, faults: plan.faults.length, durationMs: config.durationMs, events: original.check.events };
  let shrunk: ShrinkResult | null = null;
  if (flags.shrink && targets.length > 0) {
    process.stderr.write(`chaos: shrinking seed ${check.seed} (${targets.join(', ')}) …`);
    shrunk = m.shrinkFailure({ config, plan, variant, failing: targets, runsMax: flags.shrinkRuns, wallMsMax: flags.shrinkTime });
    process.stderr.write(` ${m.describeSize(shrunk.original)} → ${m.describeSize(shrunk.shrunk)} (${shrunk.runs} runs, ${m.formatMs(shrunk.wallMs)}, ${shrunk.stoppedBy})\n`);
  }
  const final = shrunk === null ? { config, plan, check: original.check, run: original.run } : { config: shrunk.config, plan: shrunk.plan, check: shrunk.check, run: shrunk.run };
  const dir = join(outDir, 'failures');
  mkdirSync(dir, { recursive: true });
  const base = `seed-${check.seed}`;
  const replayPath = join(dir, `${base}.json`);
  const replayCommand = `npx syncstorm replay ${relativeToCwd(replayPath)}`;
  const runFile = final.run === null ? exceptionRunFile(m, final.config, final.plan, target.variant, final.check) : m.toRunFile(final.run, final.check.summary);
  writeFileSync(replayPath, JSON.stringify(runFile, null, 1) + '\n');
  const text = failureText(m, { target, check, checkers, mismatch, original: original.check, originalSize, shrunk, final, replayCommand });
  writeFileSync(join(dir, `${base}.txt`), text);
  let report: string | null = null;
  if (final.run !== null) {
    const { htmlPath } = m.writeChaosFailureReport(join(dir, base), { run: final.run, results: final.check.results, seed: check.seed, variant: target.variant, shrunk: shrunk !== null, replayCommand });
    report = relative(outDir, htmlPath);
  }
  return {
    seed: check.seed,
    checkers,
    explanation: m.firstExplanation(final.check.results) || m.firstExplanation(check.results) || (mismatch ?? ''),
    original: originalSize,
    shrunk: shrunk?.shrunk ?? null,
    shrink: shrunk === null ? null : { runs: shrunk.runs, wallMs: Math.round(shrunk.wallMs), stoppedBy: shrunk.stoppedBy, steps: shrunk.steps.length },
    replay: relative(outDir, replayPath),
    explanations: relative(outDir, join(dir, `${base}.txt`)),
    report,
    replayCommand,
  };
}

/** A run that threw has no history; its run file still carries config, plan and variant (replay re-throws). */
function exceptionRunFile(m: Modules, config: SimConfig, plan: RunPlan, variant: string, check: SeedCheck) {
  return { format: m.RUN_FILE_FORMAT, version: m.RUN_FILE_VERSION, config, plan, variant, traceHash: '', summary: check.summary, error: check.error ?? null };
}

interface FailureTextInput {
  readonly target: ChaosTarget;
  readonly check: SeedCheck;
  readonly checkers: readonly string[];
  readonly mismatch: string | null;
  readonly original: SeedCheck;
  readonly originalSize: { clients: number; ops: number; faults: number; durationMs: number; events: number };
  readonly shrunk: ShrinkResult | null;
  readonly final: { config: SimConfig; plan: RunPlan; check: SeedCheck; run: RunResult | null };
  readonly replayCommand: string;
}

function failureText(m: Modules, input: FailureTextInput): string {
  const { target, check, shrunk, final } = input;
  const lines = [
    `syncstorm chaos failure · seed ${check.seed} · variant ${target.variant}${target.bug === null ? '' : ` (bug ${target.bug})`} · scenario ${target.scenario}`,
    `violated: ${input.checkers.join(', ')}`,
    `fault mix: ${m.describeFaultMix(final.plan)}`,
    '',
    `original run: ${m.describeSize(input.originalSize)}`,
    ...m.explainFailures(input.original.results).map((line) => `  ${line}`),
  ];
  if (input.mismatch !== null) lines.push('', `determinism: ${input.mismatch}`);
  if (shrunk !== null) {
    lines.push('', `shrunk in ${shrunk.runs} runs, ${m.formatMs(shrunk.wallMs)} (${shrunk.stoppedBy}): ${m.describeSize(shrunk.shrunk)}`);
    for (const step of shrunk.steps) lines.push(`  ${step.pass}: ${step.change} → ${m.describeSize(step.size)}`);
    lines.push('', 'why the shrunk run fails:', ...m.explainFailures(final.check.results).map((line) => `  ${line}`));
  }
  lines.push('', `counterexample (${final.config.clients} clients in teams of ${final.config.teamSize}, ${m.formatMs(final.config.durationMs)} chaos phase):`);
  lines.push(...describePlan(m, final.plan));
  lines.push('', `replay: ${input.replayCommand}`, '');
  return lines.join('\n');
}

/** One readable line per clock, op and fault (STYLE §9). Long plans are cut. */
function describePlan(m: Modules, plan: RunPlan): string[] {
  const LINES_MAX = 200;
  const lines = plan.clocks.map((clock, client) => `  clock c${client}: ${m.skewText(clock.offsetMs)}, drift ${clock.driftPpm} ppm`);
  const events = [
    ...plan.ops.map((op) => ({ atMs: op.atMs, text: `op     c${op.client} ${op.action} entity ${op.entity}` })),
    ...plan.faults.map((f) => ({ atMs: f.atMs, text: `fault  ${f.kind}${f.client >= 0 ? ` on c${f.client}` : ''} for ${m.formatMs(f.durationMs)}${f.param === 0 ? '' : ` (param ${f.param})`}` })),
  ].sort((a, b) => a.atMs - b.atMs);
  for (const event of events.slice(0, LINES_MAX)) lines.push(`  ${m.clockText(event.atMs)}  ${event.text}`);
  if (events.length > LINES_MAX) lines.push(`  … ${events.length - LINES_MAX} more ops and faults (all in the replay file)`);
  return lines;
}

// ——— summary and junit ———

interface SummaryInput {
  readonly flags: ChaosFlags;
  readonly target: ChaosTarget;
  readonly range: { start: number; count: number | null; shard: Shard | null };
  readonly pool: PoolResult;
  readonly failures: readonly ChaosFailure[];
  readonly sampled: readonly number[];
  readonly startedMs: number;
}

function buildSummary(m: Modules, input: SummaryInput): ChaosSummary {
  const { target, pool, failures } = input;
  const c = target.config;
  const run = pool.checks.length;
  return {
    format: m.CHAOS_SUMMARY_FORMAT,
    version: m.CHAOS_SUMMARY_VERSION,
    ok: failures.length === 0,
    target: { scenario: target.scenario, bug: target.bug, variant: target.variant, clients: c.clients, teamSize: c.teamSize, durationMs: c.durationMs, faults: describeFaultConfig(target) },
    seeds: {
      start: input.range.start,
      requested: input.range.count,
      run,
      passed: run - failures.length,
      failed: failures.length,
      first: pool.checks[0]?.seed ?? null,
      last: pool.checks.at(-1)?.seed ?? null,
      description: m.describeSeedRange(input.range),
    },
    budgetMs: input.flags.budget ?? null,
    stoppedBy: pool.stoppedBy,
    shard: input.range.shard,
    workers: pool.workers,
    wallMs: Math.round(performance.now() - input.startedMs),
    runWallMs: Math.round(pool.wallMs),
    seedsPerHour: m.seedsPerHour(run, pool.wallMs),
    checkerFailures: m.countCheckerFailures(failures),
    // Sampled seeds and failing seeds (re-run when saved) whose second run differed.
    determinism: { sampled: [...input.sampled].sort((a, b) => a - b), mismatches: failures.filter((f) => f.checkers.includes(m.DETERMINISM_CHECK)).map((f) => f.seed) },
    failures,
    failuresNotSaved: failures.filter((f) => f.replay === null).length,
  };
}

function renderChaosJunit(m: Modules, target: ChaosTarget, pool: PoolResult, failures: readonly ChaosFailure[], shard: Shard | null): string {
  const bySeed = new Map(failures.map((f) => [f.seed, f]));
  const classname = `syncstorm.chaos.${target.variant}`;
  const cases = pool.checks.map((check) => {
    const failure = bySeed.get(check.seed);
    if (failure === undefined) return { name: `seed ${check.seed}`, classname, timeMs: check.wallMs };
    const body = [...m.explainFailures(check.results), ...(failure.checkers.includes(m.DETERMINISM_CHECK) ? [`determinism: ${failure.explanation}`] : [])];
    if (failure.replayCommand !== null) body.push(`replay: ${failure.replayCommand}`);
    return {
      name: `seed ${check.seed}`,
      classname,
      timeMs: check.wallMs,
      failure: { message: `violated ${failure.checkers.join(', ')}: ${failure.explanation}`, type: failure.checkers[0] ?? 'failure', body: body.join('\n') },
    };
  });
  const suiteName = `syncstorm chaos · ${target.variant}${shard === null ? '' : ` · shard ${shard.index}/${shard.count}`}`;
  const properties = { variant: target.variant, scenario: target.scenario, clients: target.config.clients, durationMs: target.config.durationMs, ...(shard === null ? {} : { shard: `${shard.index}/${shard.count}` }) };
  return m.renderJunit([{ name: suiteName, cases, timeMs: pool.wallMs, properties }]);
}

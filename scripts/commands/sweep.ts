// `syncstorm sweep`: every combination of some engine options over the same seeds; per
// combination throughput, p99 latency, bytes and requests per op, violations; the Pareto front
// and a recommended setting. Writes DIR/sweep.json (shape: SweepFile in reports/sweep.ts) and a
// one-file DIR/report.html. Exit 0 when written (violations are reported, not fatal), 2 usage error.
// Also owns the progress display compare.ts shares (cli-progress on a TTY, lines otherwise).

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseBoundedDurationArg, parseIntegerArg, parseSeedArg } from '../cli-args.ts';
import { DURATION_MS_MAX, DURATION_MS_MIN } from '../../sim/config.ts';
import { addSweepParam, EngineParamError, parseSweepParam, type SweepParam } from '../../reports/sweep-params.ts';

export interface SweepFlags {
  readonly param?: readonly SweepParam[];
  readonly seeds: number;
  readonly seedStart: number;
  readonly clients: number;
  readonly duration: number;
  readonly opsPerHour?: number;
  readonly out: string;
}

export const SWEEP_SEEDS_MAX = 10_000;
/** Non-TTY progress: one line at most this often. */
const PROGRESS_LINE_MS = 5_000;

/** A repeatable `--param NAME=V1,V2` parser: accumulates, names the flag and the value on error. */
export function parseParamArg(flag = '--param'): (value: string, previous: readonly SweepParam[] | undefined) => SweepParam[] {
  return (value, previous) => {
    try {
      return addSweepParam(previous ?? [], parseSweepParam(value));
    } catch (error) {
      if (error instanceof EngineParamError) throw new InvalidArgumentError(`${flag} ${error.message}`);
      throw error;
    }
  };
}

/** The flags that shape every run of a sweep or a comparison: seeds, clients, duration, workload, output. */
export function addRunShapeOptions(command: Command, seedsHelp: string, outHelp: string): Command {
  return command
    .option('--seeds <n>', seedsHelp, parseIntegerArg('--seeds', 1, SWEEP_SEEDS_MAX), 20)
    .option('--seed-start <s>', 'the first seed S', parseSeedArg('--seed-start'), 1)
    .option('--clients <n>', 'virtual clients per run', parseIntegerArg('--clients', 1, 10_000), 50)
    .option('--duration <d>', 'simulated chaos phase per run, e.g. 2m, 10m', parseBoundedDurationArg('--duration', DURATION_MS_MIN, DURATION_MS_MAX), 600_000)
    .option('--ops-per-hour <n>', "ops each client issues per simulated hour (default: the sim config's, 60)", parseIntegerArg('--ops-per-hour', 0, 100_000))
    .requiredOption('--out <dir>', outHelp);
}

export function registerSweep(program: Command): void {
  const command = program
    .command('sweep')
    .description('every combination of engine options over the same seeds: throughput vs p99, bytes, requests, violations, Pareto front, a recommendation; DIR/sweep.json + DIR/report.html')
    .option('--param <name=v1,v2,…>', 'an engine option and its values, e.g. batchItemsMax=1,5,25,100 or backoffBaseMs=1s,10s (repeat for more options)', parseParamArg('--param'));
  addRunShapeOptions(command, 'seeds per combination: S, S+1, …', 'output directory (sweep.json, report.html)')
    .action(async (options: SweepFlags) => {
      await runSweepCommand(options);
    });
}

export function seedList(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}

export function commandLine(): string {
  return ['syncstorm', ...process.argv.slice(2)].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

let version: string | null = null;
export function generatedBy(): string {
  if (version === null) {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  }
  return `syncstorm ${version}`;
}

export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

export async function runSweepCommand(flags: SweepFlags): Promise<void> {
  const params = flags.param ?? [];
  if (params.length === 0) throw new InvalidArgumentError('--param NAME=V1,V2,… is required at least once, e.g. --param batchItemsMax=1,5,25,100');
  const [{ runSweep }, { combinations, describeOverrides }, { writeSweepFiles }, { formatMs }] = await Promise.all([
    import('../../reports/sweep.ts'),
    import('../../reports/sweep-params.ts'),
    import('../../reports/sweep-write.ts'),
    import('../../reports/format.ts'),
  ]);
  let comboCount: number;
  try {
    comboCount = combinations(params).length;
  } catch (error) {
    if (error instanceof EngineParamError) throw new InvalidArgumentError(`--param ${error.message}`);
    throw error;
  }
  const seeds = seedList(flags.seedStart, flags.seeds);
  const total = comboCount * seeds.length;
  process.stderr.write(`sweep: ${params.map((p) => `${p.name} ∈ {${p.values.join(', ')}}`).join(' × ')} = ${comboCount} settings × ${seeds.length} seeds = ${total} runs · ${flags.clients} clients · ${formatMs(flags.duration)} simulated\n`);
  const progress = await startProgress('sweep', total);
  let file;
  try {
    file = runSweep({ params, seeds, setup: { clients: flags.clients, teamSize: 5, durationMs: flags.duration, ...(flags.opsPerHour === undefined ? {} : { opsPerClientPerHour: flags.opsPerHour }) }, generatedBy: generatedBy(), onProgress: progress.tick });
  } finally {
    progress.stop();
  }
  const written = writeSweepFiles(flags.out, file, commandLine());
  for (const c of file.combinations) {
    const mark = c.recommended ? '★' : c.pareto ? '◆' : ' ';
    console.log(`${mark} ${describeOverrides(c.engine).padEnd(40)} throughput ${(c.throughputPerS.mean ?? 0).toFixed(3)}/s · p99 ${formatMs(c.p99Ms.mean)} · ${(c.bytesPerOp.mean ?? 0).toFixed(0)} B/op · ${(c.requestsPerOp.mean ?? 0).toFixed(2)} req/op · ${c.violations} violations`);
  }
  console.log('★ recommended · ◆ Pareto-optimal');
  console.log(file.recommendation === null ? 'no recommendation' : `recommendation: ${file.recommendation.reason}`);
  const unsafe = file.combinations.filter((c) => c.violations > 0);
  if (unsafe.length > 0) console.log(`warning: ${unsafe.length} setting${unsafe.length === 1 ? '' : 's'} had checker violations (see the report)`);
  console.log(`sweep.json: ${relativeToCwd(written.jsonPath)} · report: ${relativeToCwd(written.htmlPath)}`);
}

// ——— progress (shared with compare) ———

export interface RunProgress {
  readonly tick: (done: number, total: number, label: string) => void;
  stop(): void;
}

/**
 * Runs happen synchronously on this thread, so the display is driven by tick (a timer could not
 * fire): cli-progress redraws on update when stderr is a TTY; otherwise one line every few seconds.
 */
export async function startProgress(name: string, total: number): Promise<RunProgress> {
  const started = performance.now();
  let done = 0;
  let label = '';
  const eta = (): string => {
    const elapsed = performance.now() - started;
    if (done === 0) return 'ETA —';
    const remainingS = ((total - done) * elapsed) / done / 1000;
    return `ETA ${remainingS < 120 ? `${remainingS.toFixed(0)} s` : `${(remainingS / 60).toFixed(1)} min`}`;
  };
  if (process.stderr.isTTY === true) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { format: `${name} [{bar}] {value}/{total} runs · {eta_text} · {label}`, stream: process.stderr, hideCursor: true, barsize: 30, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { eta_text: 'ETA —', label: '' });
    return {
      tick: (d, _t, l) => {
        done = d;
        label = l;
        bar.update(done, { eta_text: eta(), label });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = started;
  const line = (): void => {
    lastLine = performance.now();
    process.stderr.write(`${name}: ${done}/${total} runs · ${eta()}${label === '' ? '' : ` · ${label}`}\n`);
  };
  return {
    tick: (d, _t, l) => {
      done = d;
      label = l;
      if (performance.now() - lastLine >= PROGRESS_LINE_MS) line();
    },
    stop: line,
  };
}

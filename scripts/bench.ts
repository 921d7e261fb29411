// `npm run bench` (issues 3, 5 and 7): every performance figure with its target and a
// pass/short mark. Groups: standard (100, then 1,000 clients × one hour, again on one CPU; vs fake-timers), chaos (nightly
// seeds per hour with 1 and 2 workers), scale (10,000 clients, memory per idle client), growth
// (engine drain, checkers), push (issue 5: durable HTTP push throughput), report (issue 6: the
// standard run's report, size and render time in Chromium). Each run is a fresh
// child process (scripts/bench/*-child.ts); progress goes to stderr, the table to stdout, every
// figure to out/bench/bench.json. Always exits 0: it reports, it does not gate CI. Targets live
// in scripts/bench/rows.ts, never in tests. Run some groups alone with `npm run bench -- --only
// chaos` (or `--only=standard,growth`, or BENCH_ONLY=push; `sim` means standard and scale);
// a partial run writes out/bench/bench-<groups>.json so the full bench.json is not overwritten.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureChaosRate } from './bench/chaos-rate.ts';
import { measureGrowth } from './bench/growth.ts';
import { measurePush } from './bench/push-bench.ts';
import { pushNotes, pushRows } from './bench/push-rows.ts';
import { measureReport } from './bench/report-bench.ts';
import { reportNotes, reportRows } from './bench/report-rows.ts';
import { chaosNotes, chaosRows, growthRows, scaleRows, sizeRows, standardRows, TARGETS, type Row } from './bench/rows.ts';
import { measureScale } from './bench/scale.ts';
import { announce, ROOT } from './bench/spawn-child.ts';
import { measureStandard } from './bench/standard.ts';
import { formatTable } from './bench/table.ts';
import { BENCH_SEED, TEAM_SIZE } from './bench/workloads.ts';

const OUT_DIR = join(ROOT, 'out', 'bench');

function machine(): Record<string, unknown> {
  return { node: process.version, cpus: availableParallelism(), loadAverage1m: Number(loadavg()[0]!.toFixed(2)) };
}

/** What one group measured: its raw entry (for the JSON), its rows and notes. */
interface GroupResult {
  readonly entry: unknown;
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

/** Figures a later group reuses from an earlier one in the same bench. */
interface BenchContext {
  /** cpu ms of the standard run's median (the scale run projects from it). */
  standardCpuMs: number | null;
}

const GROUPS: Record<string, (context: BenchContext) => Promise<GroupResult>> = {
  standard: async (context) => {
    const entry = await measureStandard();
    context.standardCpuMs = entry.run.median?.cpuMs ?? null;
    const notes = [
      'time compression = the chaos span (the hour) ÷ (wall + checkers); wall = plan generation + run (its convergence phase included).',
      'speed ratio = fake-timers wall ÷ simulator wall over the same span and ops, no faults (the simulator also runs its short convergence check).',
      ...(entry.baseline.shortened === null ? [] : [`fake-timers baseline: both sides ran ${entry.baseline.spanMs / 60_000} min, not an hour: ${entry.baseline.shortened}.`]),
      'on one CPU = the standard run again with its process pinned to CPU 0 (taskset -c 0), as issue 3 reads it ("10 s of wall time on one core"): V8\'s GC and compiler threads then share the simulating thread\'s CPU.',
      ...[entry.small, entry.run, entry.oneCore].flatMap((size) => (size.median?.checkFailures ?? []).map((failure) => `${size.clients} clients${size === entry.oneCore ? ' on one CPU' : ''}: checker ${failure}`)),
    ];
    return { entry, rows: [...sizeRows(entry.small), ...standardRows(entry.run, entry.baseline, entry.oneCore)], notes };
  },
  chaos: async () => {
    const entry = await measureChaosRate();
    const notes = [`nightly seeds/h: seeds 1, 2, 3, … of the quick scenario through runPool (as \`chaos --workers k\`), ${entry.budgetMs / 1000} s of wall per measurement, worker start-up included; 1 and 2 workers alternate. cpu well under wall × workers means other work on the machine took the CPUs.`];
    return { entry, rows: chaosRows(entry), notes: [...notes, ...chaosNotes(entry)] };
  },
  scale: async (context) => {
    const entry = await measureScale(context.standardCpuMs);
    const notes = [
      ...(entry.run.shortened === null ? [] : [`scale: ${entry.run.durationMs / 60_000} simulated min, not an hour: ${entry.run.shortened}. Its targets are for the hour, so it is marked short.`]),
      'memory per idle client: heap after full GC with a settled world of N idle clients alive, then with a second one of N more beside it, ÷ N (server state included, history excluded).',
    ];
    return { entry, rows: scaleRows(entry), notes };
  },
  growth: async () => {
    const entry = await measureGrowth();
    return { entry, rows: growthRows(entry), notes: ['growth: ratios of CPU time (wall is shown too; on a shared machine it is mostly load); a history is not exactly 10× longer, so the 12×-per-10× allowance is scaled to its actual size ratio.'] };
  },
  push: async () => {
    const entry = await measurePush();
    return { entry, rows: pushRows(entry), notes: pushNotes(entry) };
  },
  // Issue 6: the standard run's report — size, and render time in Chromium (skipped without it).
  report: async () => {
    const entry = await measureReport();
    return { entry, rows: reportRows(entry), notes: reportNotes(entry) };
  },
};

/** Names `--only` accepts besides the groups: each stands for several. */
const ALIASES: Record<string, readonly string[]> = { sim: ['standard', 'scale'] };

/** The groups asked for by `--only X[,Y]`, `--only=X` or BENCH_ONLY, in bench order, or null for all. */
function onlyGroups(argv: readonly string[], env: string | undefined): string[] | null {
  let asked: string | undefined = env;
  argv.forEach((arg, i) => {
    if (arg === '--only') asked = argv[i + 1];
    else if (arg.startsWith('--only=')) asked = arg.slice('--only='.length);
  });
  if (asked === undefined || asked === '') return null;
  const names = new Set<string>();
  for (const name of asked.split(',')) {
    const expanded = ALIASES[name] ?? (name in GROUPS ? [name] : null);
    if (expanded === null) throw new Error(`--only should be one of ${[...Object.keys(GROUPS), ...Object.keys(ALIASES)].join(', ')} (comma-separated), got ${name}`);
    for (const group of expanded) names.add(group);
  }
  return Object.keys(GROUPS).filter((group) => names.has(group));
}

async function main(): Promise<void> {
  const only = onlyGroups(process.argv.slice(2), process.env['BENCH_ONLY']);
  const startedAt = new Date().toISOString();
  const before = machine();
  announce(`seed ${BENCH_SEED}, teams of ${TEAM_SIZE}; ${before['cpus']} CPUs, load average ${before['loadAverage1m']} (other work on the machine skews wall times)`);
  const context: BenchContext = { standardCpuMs: null };
  const entries: Record<string, unknown> = {};
  const rows: Row[] = [];
  const lines: string[] = [];
  for (const [name, measure] of Object.entries(GROUPS)) {
    if (only !== null && !only.includes(name)) continue;
    const result = await measure(context);
    entries[name] = result.entry;
    rows.push(...result.rows);
    lines.push(...result.notes);
  }
  lines.push('cpu = user + system time of the child; wall well above cpu means other work on the machine took the CPUs. Each run is a fresh process; peak RSS is its maxRSS.');
  const after = machine();
  mkdirSync(OUT_DIR, { recursive: true });
  const jsonPath = join(OUT_DIR, only === null ? 'bench.json' : `bench-${only.join('-')}.json`);
  const report = { startedAt, finishedAt: new Date().toISOString(), only, seed: BENCH_SEED, teamSize: TEAM_SIZE, machineBefore: before, machineAfter: after, targets: TARGETS, ...entries, rows, notes: lines };
  writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');
  console.log(formatTable(rows));
  console.log('');
  for (const line of lines) console.log(`note: ${line}`);
  console.log(`load average (1 min) ${before['loadAverage1m']} before, ${after['loadAverage1m']} after, on ${before['cpus']} CPUs`);
  console.log(`figures: ${jsonPath}`);
}

main().catch((error: unknown) => {
  // A benchmark reports; even its own failure must not fail CI (a bad --only is the exception).
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (error instanceof Error && error.message.startsWith('--only should be')) process.exitCode = 2;
});

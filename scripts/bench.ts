// `npm run bench` (issue 3): simulator throughput at 100, 1,000 and 10,000 clients with the
// default swarm, and the same engine and workload under @sinonjs/fake-timers for comparison.
// Each run is a fresh child process (scripts/bench/*-child.ts); progress goes to stderr, the
// table to stdout, every figure to out/bench/bench.json. Always exits 0: it reports, it does
// not gate CI. Speed targets live here (scripts/bench/rows.ts), never in tests.
// Issue 5 adds durable push throughput over HTTP (scripts/bench/push-*.ts). Run one section
// alone with `npm run bench -- --only push` (or `--only sim`, or BENCH_ONLY=push); a partial run
// writes out/bench/bench-<section>.json so the full bench.json is not overwritten.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureBaseline } from './bench/baseline.ts';
import { measurePush, type PushEntry } from './bench/push-bench.ts';
import { pushNotes, pushRows } from './bench/push-rows.ts';
import { baselineRows, notes, TARGETS, throughputRows } from './bench/rows.ts';
import { announce, ROOT } from './bench/spawn-child.ts';
import { formatTable } from './bench/table.ts';
import { measureThroughput, type ThroughputEntry } from './bench/throughput.ts';
import type { BaselineEntry } from './bench/baseline.ts';
import { BENCH_SEED, TEAM_SIZE } from './bench/workloads.ts';

const OUT_DIR = join(ROOT, 'out', 'bench');

function machine(): Record<string, unknown> {
  return { node: process.version, cpus: availableParallelism(), loadAverage1m: Number(loadavg()[0]!.toFixed(2)) };
}

const SECTIONS = ['sim', 'push'] as const;
type Section = (typeof SECTIONS)[number];

/** The one section asked for by `--only X`, `--only=X` or BENCH_ONLY, or null for all. */
function onlySection(argv: readonly string[]): Section | null {
  let asked: string | undefined = process.env['BENCH_ONLY'];
  argv.forEach((arg, i) => {
    if (arg === '--only') asked = argv[i + 1];
    else if (arg.startsWith('--only=')) asked = arg.slice('--only='.length);
  });
  if (asked === undefined || asked === '') return null;
  if (!(SECTIONS as readonly string[]).includes(asked)) throw new Error(`--only should be one of ${SECTIONS.join(', ')}, got ${asked}`);
  return asked as Section;
}

async function main(): Promise<void> {
  const only = onlySection(process.argv.slice(2));
  const runs = (section: Section): boolean => only === null || only === section;
  const startedAt = new Date().toISOString();
  const before = machine();
  announce(`seed ${BENCH_SEED}, teams of ${TEAM_SIZE}; ${before['cpus']} CPUs, load average ${before['loadAverage1m']} (other work on the machine skews wall times)`);
  const throughput: ThroughputEntry[] = runs('sim') ? await measureThroughput() : [];
  const baseline: BaselineEntry[] = runs('sim') ? await measureBaseline() : [];
  const push: PushEntry | null = runs('push') ? await measurePush() : null;
  const rows = [...throughput.flatMap(throughputRows), ...baseline.flatMap(baselineRows), ...(push === null ? [] : pushRows(push))];
  const lines = [...(runs('sim') ? notes(throughput, baseline) : []), ...(push === null ? [] : pushNotes(push))];
  const after = machine();
  mkdirSync(OUT_DIR, { recursive: true });
  const jsonPath = join(OUT_DIR, only === null ? 'bench.json' : `bench-${only}.json`);
  const report = { startedAt, finishedAt: new Date().toISOString(), only, seed: BENCH_SEED, teamSize: TEAM_SIZE, machineBefore: before, machineAfter: after, targets: TARGETS, throughput, baseline, push, rows, notes: lines };
  writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');
  console.log(formatTable(rows));
  console.log('');
  for (const line of lines) console.log(`note: ${line}`);
  console.log(`load average (1 min) ${before['loadAverage1m']} before, ${after['loadAverage1m']} after, on ${before['cpus']} CPUs`);
  console.log(`figures: ${jsonPath}`);
}

main().catch((error: unknown) => {
  // A benchmark reports; even its own failure must not fail CI.
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
});

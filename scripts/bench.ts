// `npm run bench` (issue 3): simulator throughput at 100, 1,000 and 10,000 clients with the
// default swarm, and the same engine and workload under @sinonjs/fake-timers for comparison.
// Each run is a fresh child process (scripts/bench/*-child.ts); progress goes to stderr, the
// table to stdout, every figure to out/bench/bench.json. Always exits 0: it reports, it does
// not gate CI. Speed targets live here (scripts/bench/rows.ts), never in tests.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureBaseline } from './bench/baseline.ts';
import { baselineRows, notes, TARGETS, throughputRows } from './bench/rows.ts';
import { announce, ROOT } from './bench/spawn-child.ts';
import { formatTable } from './bench/table.ts';
import { measureThroughput } from './bench/throughput.ts';
import { BENCH_SEED, TEAM_SIZE } from './bench/workloads.ts';

const OUT_DIR = join(ROOT, 'out', 'bench');

function machine(): Record<string, unknown> {
  return { node: process.version, cpus: availableParallelism(), loadAverage1m: Number(loadavg()[0]!.toFixed(2)) };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const before = machine();
  announce(`seed ${BENCH_SEED}, teams of ${TEAM_SIZE}; ${before['cpus']} CPUs, load average ${before['loadAverage1m']} (other work on the machine skews wall times)`);
  const throughput = await measureThroughput();
  const baseline = await measureBaseline();
  const rows = [...throughput.flatMap(throughputRows), ...baseline.flatMap(baselineRows)];
  const lines = notes(throughput, baseline);
  const after = machine();
  mkdirSync(OUT_DIR, { recursive: true });
  const jsonPath = join(OUT_DIR, 'bench.json');
  const report = { startedAt, finishedAt: new Date().toISOString(), seed: BENCH_SEED, teamSize: TEAM_SIZE, machineBefore: before, machineAfter: after, targets: TARGETS, throughput, baseline, rows, notes: lines };
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

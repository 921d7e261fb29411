// The workload `npm run profile` profiles: the standard run of issue 7 (1,000 clients in
// teams of 5, one simulated hour, swarm faults, seed 1) and every checker over its history,
// once, in this process. PROFILE_CLIENTS and PROFILE_MINUTES shrink it (for a quick look).
// With PROFILE_RESULT set it writes its summary there at the end: clinic exits 0 and writes
// its HTML even when the profiled process failed, so the caller checks for this file.

import { writeFileSync } from 'node:fs';
import { runChecks } from '../../scenarios/checkers/index.ts';
import { checkContextOf } from '../../scenarios/chaos/run-seed.ts';
import { runSimulation } from '../../sim/runner.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import { swarmConfig } from '../bench/workloads.ts';
import { standardRunSize } from './options.ts';
import { recordCount } from '../../sim/history.ts';

const { clients, durationMs } = standardRunSize(process.env);
const started = performance.now();
const config = swarmConfig(clients, durationMs);
const { history, eventsProcessed } = runSimulation({ config });
const simulatedMs = performance.now() - started;
const results = runChecks(history, checkContextOf(config, CORRECT_SYSTEM));
const failed = results.filter((r) => !r.valid).map((r) => r.name);
const totalMs = performance.now() - started;
process.stderr.write(
  `standard run: ${clients} clients × ${durationMs / 60_000} min: ${eventsProcessed} events, ${recordCount(history)} history events; ` +
    `simulation ${(simulatedMs / 1000).toFixed(2)} s, checkers ${((totalMs - simulatedMs) / 1000).toFixed(2)} s (${failed.length === 0 ? 'all valid' : `failed: ${failed.join(', ')}`})\n`,
);
const resultPath = process.env['PROFILE_RESULT'];
if (resultPath !== undefined && resultPath !== '') {
  writeFileSync(resultPath, JSON.stringify({ clients, durationMs, eventsProcessed, historyEvents: recordCount(history), simulationMs: simulatedMs, checkMs: totalMs - simulatedMs, checksFailed: failed }) + '\n');
}

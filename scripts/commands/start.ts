// `syncstorm start` (npm start): the main job on the embedded default. A short chaos run in
// process: several seeds of the default configuration (50 clients, 10 simulated minutes,
// swarm faults, every checker), an HTML report of the first failing seed (or of the first
// seed when all pass), and a summary. Exit 1 when a property was violated.

import { DEFAULT_SIM_CONFIG, buildSimConfig } from '../../sim/config.ts';
import { describeFaultMix } from '../../sim/plan.ts';
import { summarize } from '../../sim/summary.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import { formatChecks, formatMs, formatSummary, runCheckAndSave, type SavedRun } from './run.ts';

export const START_SEEDS = 20;
export const START_OUT = 'out/start';

export type StartOptions = Record<string, unknown>;

export async function runStart(_options: StartOptions): Promise<void> {
  const c = DEFAULT_SIM_CONFIG;
  console.log(`syncstorm: default chaos run — ${START_SEEDS} seeds × ${c.clients} clients (teams of ${c.teamSize}), ${formatMs(c.durationMs)} simulated each, swarm faults, engine ${c.engine.conflictPolicy ?? 'default'}`);
  const runs: Array<SavedRun & { wallMs: number }> = [];
  for (let seed = 1; seed <= START_SEEDS; seed++) {
    const saved = runCheckAndSave(buildSimConfig({ seed }), CORRECT_SYSTEM, START_OUT);
    runs.push(saved);
    const failed = saved.checks.filter((r) => !r.valid).map((r) => r.name);
    const s = summarize(saved.result.history);
    console.log(
      `  seed ${seed}: ${failed.length === 0 ? 'PASS' : `FAIL (${failed.join(', ')})`} · ${s.ops.invoked} ops, ${s.faults} faults [${describeFaultMix(saved.result.plan)}] · ` +
        `${s.converged ? `converged ${formatMs(s.convergenceMs ?? 0)} after heal` : 'did not converge'} · ${(saved.wallMs / 1000).toFixed(2)} s`,
    );
  }
  const shown = runs.find((r) => r.checks.some((c) => !c.valid)) ?? runs[0]!;
  const failing = runs.filter((r) => r.checks.some((c) => !c.valid));
  console.log('');
  console.log(`report of seed ${shown.result.config.seed}:`);
  console.log(formatSummary(shown.result, summarize(shown.result.history), shown.wallMs));
  console.log(formatChecks(shown.checks));
  console.log('');
  console.log(`${runs.length - failing.length} of ${runs.length} seeds held every property.`);
  for (const run of failing) console.log(`  replay seed ${run.result.config.seed}: npx syncstorm replay ${run.runFile}`);
  console.log(`HTML report: ${shown.report}`);
  console.log(`all output: ${START_OUT}/ (a run file and a report per seed)`);
  if (failing.length > 0) process.exitCode = 1;
}

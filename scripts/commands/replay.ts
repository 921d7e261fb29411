// `syncstorm replay FILE`: re-run a run file exactly, compare the trace hash, and run every
// checker over the replayed history (a counterexample shows its violation again). Exit 1 when
// the verdict is not the one expected: the run file's `expect` ('pass' or 'fail:<checker>', as
// the regression corpus keeps), else every checker holding, as for `run`; and, for a file with
// no `expect`, when the run diverged from its trace hash (a determinism bug). A regression file
// keeps the run that once failed, which the engine may replay along another path since its fix:
// the hash is then reported, and the expectation decides.

import { readFileSync } from 'node:fs';
import { parseRunFile } from '../../sim/run-file.ts';
import { runSimulation } from '../../sim/runner.ts';
import { summarize } from '../../sim/summary.ts';
import { checkRun, formatChecks, formatSummary } from './run.ts';
import { simulationProgress } from './sim-progress.ts';
import { variantByName } from '../../sim/variants.ts';
import { expectationHolds, expectationOf } from '../../scenarios/expectation.ts';
import { InvalidArgumentError } from 'commander';
import '../../scenarios/bugs.ts'; // registers the bug zoo's variants, so their run files replay

export async function runReplay(file: string): Promise<void> {
  const { runFile, expectation, variant } = readReplayInput(file);
  const progress = await simulationProgress('replay');
  const started = performance.now();
  const result = runSimulation({ config: runFile.config, plan: runFile.plan, variant, onProgress: progress.onProgress });
  const wallMs = performance.now() - started;
  progress.stop();
  progress.phase('checking the properties');
  const checks = checkRun(result, variant);
  console.log(formatSummary(result, summarize(result.history), wallMs));
  console.log(formatChecks(checks));
  const diverged = result.history.traceHash !== runFile.traceHash;
  if (!diverged) console.log(`replay matches the recorded trace hash ${runFile.traceHash}`);
  else if (expectation === null) console.log(`DIVERGED: the run file recorded trace hash ${runFile.traceHash}, this replay gave ${result.history.traceHash}`);
  else console.log(`trace hash ${result.history.traceHash}, recorded ${runFile.traceHash}: the engine takes another path than when this file was saved; a file with an expect is held to its verdict`);
  const failed = checks.filter((c) => !c.valid).map((c) => c.name);
  const holds = expectationHolds(expectation ?? 'pass', failed);
  const verdict = failed.length === 0 ? 'every property held' : `violated: ${failed.join(', ')}`;
  console.log(expectation === null ? verdict : `${verdict} · the file expects ${expectation}: ${holds ? 'as expected' : 'NOT as expected'}`);
  if (!holds || (diverged && expectation === null)) process.exitCode = 1;
}

/** The run file, its expectation and its variant; anything wrong with the file is a usage error (exit 2) naming it. */
export function readReplayInput(file: string) {
  try {
    const json: unknown = JSON.parse(readText(file));
    const runFile = parseRunFile(json, file);
    return { runFile, expectation: expectationOf(json, file), variant: variantByName(runFile.variant) };
  } catch (error) {
    const message = error instanceof SyntaxError ? `${file} is not JSON: ${error.message}` : (error as Error).message;
    throw new InvalidArgumentError(message);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read run file ${file}: ${(error as Error).message}`);
  }
}

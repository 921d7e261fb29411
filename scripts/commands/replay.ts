// `syncstorm replay FILE`: re-run a run file exactly and compare the trace hash.
// Exit 0 when it matches, 1 when the run diverged (a determinism bug).

import { readFileSync } from 'node:fs';
import { parseRunFile } from '../../sim/run-file.ts';
import { runSimulation } from '../../sim/runner.ts';
import { summarize } from '../../sim/summary.ts';
import { formatSummary } from './run.ts';
import { variantByName } from '../../sim/variants.ts';
import '../../scenarios/bugs.ts'; // registers the bug zoo's variants, so their run files replay

export async function runReplay(file: string): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read run file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  const runFile = parseRunFile(json, file);
  const started = performance.now();
  const result = runSimulation({ config: runFile.config, plan: runFile.plan, variant: variantByName(runFile.variant) });
  const wallMs = performance.now() - started;
  console.log(formatSummary(result, summarize(result.history), wallMs));
  if (result.history.traceHash !== runFile.traceHash) {
    process.exitCode = 1;
    console.log(`DIVERGED: the run file recorded trace hash ${runFile.traceHash}, this replay gave ${result.history.traceHash}`);
  } else {
    console.log(`replay matches the recorded trace hash ${runFile.traceHash}`);
  }
}

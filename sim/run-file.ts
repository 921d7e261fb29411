// Run files: everything needed to re-run a simulation exactly (config, plan, variant) plus
// the trace hash it gave, as one JSON document. `replay` re-runs one and compares hashes.

import { buildSimConfig, SimConfigError } from './config.ts';
import type { RunResult } from './runner.ts';
import type { RunPlan, SimConfig } from './types.ts';
import type { RunSummary } from './summary.ts';

export const RUN_FILE_FORMAT = 'syncstorm-run';
export const RUN_FILE_VERSION = 1;

export interface RunFile {
  readonly format: typeof RUN_FILE_FORMAT;
  readonly version: typeof RUN_FILE_VERSION;
  readonly config: SimConfig;
  readonly plan: RunPlan;
  /** Name of the engine variant ('correct', or a bug of the zoo). */
  readonly variant: string;
  readonly traceHash: string;
  readonly summary: RunSummary;
}

export class RunFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

export function toRunFile(result: RunResult, summary: RunSummary): RunFile {
  return { format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, config: result.config, plan: result.plan, variant: result.variant, traceHash: result.history.traceHash, summary };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed run file; errors name the field and the value. */
export function parseRunFile(json: unknown, source: string): RunFile {
  if (!isObject(json)) throw new RunFileError(`${source}: a run file is a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  if (json.format !== RUN_FILE_FORMAT) throw new RunFileError(`${source}: format should be "${RUN_FILE_FORMAT}", got ${JSON.stringify(json.format)}`);
  if (json.version !== RUN_FILE_VERSION) throw new RunFileError(`${source}: version should be ${RUN_FILE_VERSION}, got ${JSON.stringify(json.version)}`);
  let config: SimConfig;
  try {
    config = buildSimConfig(json.config as never);
  } catch (error) {
    if (error instanceof SimConfigError) throw new RunFileError(`${source}: config.${error.message}`);
    throw error;
  }
  const plan = json.plan;
  if (!isObject(plan) || !Array.isArray(plan.ops) || !Array.isArray(plan.faults) || !Array.isArray(plan.clocks)) {
    throw new RunFileError(`${source}: plan should have ops, faults and clocks arrays`);
  }
  if (plan.clocks.length !== config.clients) throw new RunFileError(`${source}: plan.clocks has ${plan.clocks.length} entries for ${config.clients} clients`);
  for (const [i, op] of (plan.ops as unknown[]).entries()) {
    if (!isObject(op) || typeof op.client !== 'number' || op.client < 0 || op.client >= config.clients || typeof op.atMs !== 'number') {
      throw new RunFileError(`${source}: plan.ops[${i}] is not an op of a client in 0..${config.clients - 1}: ${JSON.stringify(op)}`);
    }
  }
  if (typeof json.variant !== 'string') throw new RunFileError(`${source}: variant should be a string, got ${JSON.stringify(json.variant)}`);
  if (typeof json.traceHash !== 'string') throw new RunFileError(`${source}: traceHash should be a string, got ${JSON.stringify(json.traceHash)}`);
  // The config as built: defaults filled in for fields added since the file was written.
  return { ...json, config } as unknown as RunFile;
}

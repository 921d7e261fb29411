// One chaos seed: run the simulation, run every checker over its history, and say which
// properties failed. The unit of work of the chaos pool, the shrinker and the determinism
// sample; its result is plain data (no history), so it crosses worker threads cheaply.

import { buildEngineOptions } from '../../engine/options.ts';
import { runSimulation, type RunResult } from '../../sim/runner.ts';
import { downCounts, summarize, type RunSummary } from '../../sim/summary.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import type { SystemVariant } from '../../sim/variants.ts';
import { runChecks, type CheckContext, type CheckResult } from '../checkers/index.ts';
import { recordCount } from '../../sim/history.ts';

export interface SeedRunOptions {
  readonly config: SimConfig;
  /** A plan to execute instead of the seed's own (shrinking, replay). */
  readonly plan?: RunPlan;
  readonly variant: SystemVariant;
  /** Run only these checkers (all by default); the shrinker only needs the ones that failed. */
  readonly only?: readonly string[];
}

export interface SeedCheck {
  readonly seed: number;
  readonly variant: string;
  readonly traceHash: string;
  /** Every checker that ran held. */
  readonly ok: boolean;
  /** Names of the checkers that found a violation, in CHECKERS order. */
  readonly failed: readonly string[];
  readonly results: readonly CheckResult[];
  readonly summary: RunSummary;
  /** Recorded history events (a run's size as the shrinker reports it). */
  readonly events: number;
  /** Wall time of the simulation and the checks. */
  readonly wallMs: number;
  /** The simulation threw (a broken invariant, STYLE §3): its message; the check is then the one 'exception' result. */
  readonly error?: string;
  /** What the pool's per-seed hook made of the run (SeedExtra; `chaos --samples`: the seed's metrics); absent when none ran or the run threw. */
  readonly extra?: unknown;
}

/**
 * A per-seed hook of the pool: turns the run, while it is still at hand, into plain data that
 * travels back with the check (a layer above scenarios/ decides what: the pool only carries it).
 */
export type SeedExtra = (run: RunResult, check: SeedCheck) => unknown;

/** The pseudo-checker a run that throws fails: an assert inside the engine or the simulator is a finding too. */
export const EXCEPTION_CHECK = 'exception';
/** The one rule of EXCEPTION_CHECK. */
export const EXCEPTION_RULE = 'threw';

/** What the checkers need from the run's engine options: the variant's options override the config's. */
export function checkContextOf(config: SimConfig, variant: SystemVariant): CheckContext {
  const options = buildEngineOptions({ ...config.engine, ...variant.engine, clientId: 'x' });
  return { conflictPolicy: options.conflictPolicy, backoffBaseMs: options.backoffBaseMs, backoffCapMs: options.backoffCapMs };
}

/** One simulation and the checkers, keeping the run (for reports and replay files). */
export function checkRun(options: SeedRunOptions): { check: SeedCheck; run: RunResult } {
  const started = performance.now();
  const run = runSimulation({ config: options.config, variant: options.variant, ...(options.plan === undefined ? {} : { plan: options.plan }) });
  const results = runChecks(run.history, checkContextOf(options.config, options.variant), options.only);
  const failed = results.filter((r) => !r.valid).map((r) => r.name);
  const check: SeedCheck = {
    seed: options.config.seed,
    variant: run.variant,
    traceHash: run.history.traceHash,
    ok: failed.length === 0,
    failed,
    results,
    summary: summarize(run.history),
    events: recordCount(run.history),
    wallMs: performance.now() - started,
  };
  return { check, run };
}

/** One simulation and the checkers; the history is dropped. */
export function checkSeed(options: SeedRunOptions): SeedCheck {
  return checkRun(options).check;
}

/** Like checkRun, but a run that throws is a failed check named EXCEPTION_CHECK (and no run). */
export function checkRunSafely(options: SeedRunOptions): { check: SeedCheck; run: RunResult | null } {
  const started = performance.now();
  try {
    return checkRun(options);
  } catch (error) {
    return { check: exceptionCheck(options, error, performance.now() - started), run: null };
  }
}

/** checkSeed for the pool: a throwing run is reported, not propagated; `extra`, when given, adds its data from the run. */
export function checkSeedSafely(options: SeedRunOptions, extra?: SeedExtra): SeedCheck {
  const { check, run } = checkRunSafely(options);
  return extra === undefined || run === null ? check : { ...check, extra: extra(run, check) };
}

function exceptionCheck(options: SeedRunOptions, error: unknown, wallMs: number): SeedCheck {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const result: CheckResult = {
    name: EXCEPTION_CHECK,
    property: 'the run completes without a broken invariant (no assert fails, nothing throws)',
    valid: false,
    summary: `the simulation threw: ${message}`,
    violations: [],
    violationCount: 1,
    rules: [EXCEPTION_RULE],
  };
  return {
    seed: options.config.seed,
    variant: options.variant.name,
    traceHash: '',
    ok: false,
    failed: [EXCEPTION_CHECK],
    results: [result],
    summary: EMPTY_SUMMARY,
    events: 0,
    wallMs,
    error: message,
  };
}

const EMPTY_SUMMARY: RunSummary = Object.freeze({
  ops: { invoked: 0, ok: 0, fail: 0, info: 0, reads: 0 },
  acked: 0, replayedAcks: 0, conflicts: 0, deadLetters: 0, retries: 0, applies: 0,
  messages: { sent: 0, dropped: 0, duplicated: 0, refused: 0 },
  downs: downCounts(), faults: 0, converged: false, convergenceMs: null, queueRemaining: 0, simulatedMs: 0,
});

/** Plain-words explanation of a failed check: its summary line, then each kept violation. */
export function explainFailures(results: readonly CheckResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    if (result.valid) continue;
    lines.push(`✗ ${result.name} — ${result.property}`);
    lines.push(`  ${result.summary}`);
    for (const violation of result.violations) lines.push(`  · [${violation.rule}] ${violation.message}`);
    const hidden = result.violationCount - result.violations.length;
    if (hidden > 0) lines.push(`  … and ${hidden} more`);
  }
  return lines;
}

/** The first violation's message of the first failed check, for one-line reports. */
export function firstExplanation(results: readonly CheckResult[]): string {
  const failed = results.find((r) => !r.valid);
  if (failed === undefined) return '';
  return failed.violations[0]?.message ?? failed.summary;
}

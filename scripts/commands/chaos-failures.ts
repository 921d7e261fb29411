// `syncstorm chaos` after the pool: the determinism sample (seeds re-run in this thread, trace
// hashes compared) and the failing seeds, each re-run, shrunk and saved under DIR/failures/ as
// a replay file, a plain-words explanation (.txt) and an HTML report; or, past
// --keep-failures, only listed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SeedCheck } from '../../scenarios/chaos/run-seed.ts';
import type { ShrinkResult } from '../../scenarios/chaos/shrink.ts';
import type { ChaosFailure } from '../../scenarios/chaos/summary.ts';
import type { ChaosTarget } from '../../scenarios/chaos/target.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import type { RunResult } from '../../sim/runner.ts';
import type { ChaosFlags } from './chaos-flags.ts';
import type { Modules } from './chaos-modules.ts';

// ——— determinism ———

/**
 * Re-runs an evenly spread sample of seeds in this thread; a different trace hash or verdict
 * than the pool's is a determinism failure. (Failing seeds are re-run anyway when saved.)
 */
export function determinismSample(m: Modules, target: ChaosTarget, checks: readonly SeedCheck[], sampleSize: number): { sampled: number[]; mismatches: Map<number, string> } {
  const sampled: number[] = [];
  const mismatches = new Map<number, string>();
  const k = Math.min(sampleSize, checks.length);
  const variant = m.variantByName(target.variant);
  for (let j = 0; j < k; j++) {
    const check = checks[Math.floor(((j + 0.5) * checks.length) / k)]!;
    sampled.push(check.seed);
    const config = m.buildSimConfig({ ...target.config, seed: check.seed });
    const again = m.checkSeedSafely({ config, plan: target.planFor(config), variant });
    const why = compareRuns(check, again);
    if (why !== null) mismatches.set(check.seed, why);
  }
  return { sampled, mismatches };
}

function compareRuns(first: SeedCheck, again: SeedCheck): string | null {
  if (first.traceHash === again.traceHash && first.failed.join() === again.failed.join()) return null;
  return `re-running seed ${first.seed} gave trace hash ${again.traceHash || '(threw)'} [${again.failed.join(', ') || 'all held'}], the first run gave ${first.traceHash || '(threw)'} [${first.failed.join(', ') || 'all held'}]`;
}

// ——— failures ———

function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

export function unsavedFailure(m: Modules, check: SeedCheck, mismatch: string | null): ChaosFailure {
  return {
    seed: check.seed,
    checkers: mismatch === null ? [...check.failed] : [...check.failed, m.DETERMINISM_CHECK],
    rules: m.violatedRules(check.results),
    explanation: m.firstExplanation(check.results) || (mismatch ?? ''),
    original: null,
    shrunk: null,
    shrink: null,
    replay: null,
    explanations: null,
    report: null,
    replayCommand: null,
  };
}

/** Re-runs the seed here, shrinks it, and writes its replay file, explanation and report. */
export function saveFailure(m: Modules, flags: ChaosFlags, target: ChaosTarget, outDir: string, check: SeedCheck, sampledMismatch: string | null): ChaosFailure {
  const variant = m.variantByName(target.variant);
  const config = m.buildSimConfig({ ...target.config, seed: check.seed });
  const plan = target.planFor(config);
  const original = m.checkRunSafely({ config, plan, variant });
  const mismatch = sampledMismatch ?? compareRuns(check, original.check);
  const checkers = mismatch === null ? [...check.failed] : [...check.failed, m.DETERMINISM_CHECK];
  const targets = check.failed.filter((name) => original.check.failed.includes(name));
  const originalSize = { clients: config.clients, ops: plan.ops.length, faults: plan.faults.length, durationMs: config.durationMs, events: original.check.events };
  let shrunk: ShrinkResult | null = null;
  if (flags.shrink && targets.length > 0) {
    const rules = m.violatedRules(original.check.results).filter((key) => targets.some((name) => key.startsWith(`${name}/`)));
    process.stderr.write(`chaos: shrinking seed ${check.seed} (${rules.join(', ')}) …`);
    shrunk = m.shrinkFailure({ config, plan, variant, failing: targets, runsMax: flags.shrinkRuns, wallMsMax: flags.shrinkTime });
    process.stderr.write(` ${m.describeSize(shrunk.original)} → ${m.describeSize(shrunk.shrunk)} (${shrunk.runs} runs, ${m.formatMs(shrunk.wallMs)}, ${shrunk.stoppedBy})\n`);
  }
  const final = shrunk === null ? { config, plan, check: original.check, run: original.run } : { config: shrunk.config, plan: shrunk.plan, check: shrunk.check, run: shrunk.run };
  const dir = join(outDir, 'failures');
  mkdirSync(dir, { recursive: true });
  const base = `seed-${check.seed}`;
  const replayPath = join(dir, `${base}.json`);
  const replayCommand = `npx syncstorm replay ${relativeToCwd(replayPath)}`;
  const traceCommand = final.run === null ? null : traceCommandFor(m, relativeToCwd(replayPath), final.run, final.check);
  const runFile = final.run === null ? exceptionRunFile(m, final.config, final.plan, target.variant, final.check) : m.toRunFile(final.run, final.check.summary);
  writeFileSync(replayPath, JSON.stringify(runFile, null, 1) + '\n');
  const text = failureText(m, { target, check, checkers, mismatch, original: original.check, originalSize, shrunk, final, replayCommand, traceCommand });
  writeFileSync(join(dir, `${base}.txt`), text);
  let report: string | null = null;
  if (final.run !== null) {
    const { htmlPath } = m.writeChaosFailureReport(join(dir, base), { run: final.run, results: final.check.results, seed: check.seed, variant: target.variant, shrunk: shrunk !== null, replayCommand, ...(traceCommand === null ? {} : { traceCommand }) });
    report = relative(outDir, htmlPath);
  }
  return {
    seed: check.seed,
    checkers,
    rules: m.violatedRules(check.results),
    explanation: m.firstExplanation(final.check.results) || m.firstExplanation(check.results) || (mismatch ?? ''),
    original: originalSize,
    shrunk: shrunk?.shrunk ?? null,
    shrink: shrunk === null ? null : { runs: shrunk.runs, wallMs: Math.round(shrunk.wallMs), stoppedBy: shrunk.stoppedBy, steps: shrunk.steps.length },
    replay: relative(outDir, replayPath),
    explanations: relative(outDir, join(dir, `${base}.txt`)),
    report,
    replayCommand,
  };
}

/** The first violation's story, record by record: `npx syncstorm trace FILE` with its clients and the entities of its items. */
function traceCommandFor(m: Modules, file: string, run: RunResult, check: SeedCheck): string {
  const violation = check.results.find((r) => !r.valid)?.violations[0];
  const args = violation === undefined ? '' : m.traceArgsFor(run.history, violation);
  return `npx syncstorm trace ${file}${args === '' ? '' : ` ${args}`}`;
}

/** A run that threw has no history; its run file still carries config, plan and variant (replay re-throws). */
function exceptionRunFile(m: Modules, config: SimConfig, plan: RunPlan, variant: string, check: SeedCheck) {
  return { format: m.RUN_FILE_FORMAT, version: m.RUN_FILE_VERSION, config, plan, variant, traceHash: '', summary: check.summary, error: check.error ?? null };
}

interface FailureTextInput {
  readonly target: ChaosTarget;
  readonly check: SeedCheck;
  readonly checkers: readonly string[];
  readonly mismatch: string | null;
  readonly original: SeedCheck;
  readonly originalSize: { clients: number; ops: number; faults: number; durationMs: number; events: number };
  readonly shrunk: ShrinkResult | null;
  readonly final: { config: SimConfig; plan: RunPlan; check: SeedCheck; run: RunResult | null };
  readonly replayCommand: string;
  /** `npx syncstorm trace FILE` with the first violation's clients and entities; null when the run threw (no history). */
  readonly traceCommand: string | null;
}

function failureText(m: Modules, input: FailureTextInput): string {
  const { target, check, shrunk, final } = input;
  const lines = [
    `syncstorm chaos failure · seed ${check.seed} · variant ${target.variant}${target.bug === null ? '' : ` (bug ${target.bug})`} · scenario ${target.scenario}`,
    `violated: ${m.describeViolated(input.checkers, m.violatedRules(check.results))}`,
    `fault mix: ${m.describeFaultMix(final.plan)}`,
    '',
    `original run: ${m.describeSize(input.originalSize)}`,
    ...m.explainFailures(input.original.results).map((line) => `  ${line}`),
  ];
  if (input.mismatch !== null) lines.push('', `determinism: ${input.mismatch}`);
  if (shrunk !== null) {
    const kept = shrunk.failedRules.length === 0 ? '' : `, still breaking ${shrunk.failedRules.join(', ')}`;
    lines.push('', `shrunk in ${shrunk.runs} runs, ${m.formatMs(shrunk.wallMs)} (${shrunk.stoppedBy})${kept}: ${m.describeSize(shrunk.shrunk)}`);
    for (const step of shrunk.steps) lines.push(`  ${step.pass}: ${step.change} → ${m.describeSize(step.size)}`);
    lines.push('', 'why the shrunk run fails:', ...m.explainFailures(final.check.results).map((line) => `  ${line}`));
  }
  lines.push('', `counterexample (${final.config.clients} clients in teams of ${final.config.teamSize}, ${m.formatMs(final.config.durationMs)} chaos phase):`);
  lines.push(...describePlan(m, final.plan));
  lines.push('', `replay: ${input.replayCommand}`);
  if (input.traceCommand !== null) lines.push(`trace:  ${input.traceCommand}`);
  lines.push('');
  return lines.join('\n');
}

/** One readable line per clock, op and fault (STYLE §9). Long plans are cut. */
function describePlan(m: Modules, plan: RunPlan): string[] {
  const LINES_MAX = 200;
  const lines = plan.clocks.map((clock, client) => `  clock c${client}: ${m.skewText(clock.offsetMs)}, drift ${clock.driftPpm} ppm`);
  const events = [
    ...plan.ops.map((op) => ({ atMs: op.atMs, text: `op     c${op.client} ${op.action} entity ${op.entity}` })),
    ...plan.faults.map((f) => ({ atMs: f.atMs, text: `fault  ${f.kind}${f.client >= 0 ? ` on c${f.client}` : ''} for ${m.formatMs(f.durationMs)}${m.faultSettingSuffix(f.kind, f.param)}` })),
  ].sort((a, b) => a.atMs - b.atMs);
  for (const event of events.slice(0, LINES_MAX)) lines.push(`  ${m.clockText(event.atMs)}  ${event.text}`);
  if (events.length > LINES_MAX) lines.push(`  … ${events.length - LINES_MAX} more ops and faults (all in the replay file)`);
  return lines;
}


// summary.json of a chaos run (and of merged shards): what ran, what held, what failed and
// where each failure's replay file, explanation and report are. Paths inside are relative to
// the summary's own directory, so a directory can be moved, uploaded or merged as a whole.
//
// {
//   "format": "syncstorm-chaos-summary", "version": 1,
//   "ok": false,                         // every property held on every seed run
//   "target": { "scenario", "bug" | null, "variant", "clients", "teamSize", "durationMs", "policy", "faults", "opsPerClientPerHour", "convergenceBudgetMs" },
//   "seeds": { "start", "requested" | null (budget), "run", "passed", "failed", "first" | null, "last" | null,
//              "description" },
//   "budgetMs": number | null, "stoppedBy": "done" | "budget" | "aborted" | "failures" (--bail),
//   "shard": { "index", "count" } | null, "workers",
//   "wallMs",          // the whole command, shrinking and files included
//   "runWallMs",       // running the seeds
//   "seedsPerHour",    // seeds run / runWallMs
//   "checkerFailures": { "<checker>": seeds that violated it, … },  // every checker, 0 when it held,
//                                                                  // plus "determinism" and "exception"
//   "determinism": { "sampled": [seeds re-run in-process], "mismatches": [seeds whose trace hash differed] },
//   "failures": [ { "seed", "checkers": [...], "rules": ["<checker>/<rule>", …] (what the original run broke),
//                   "explanation": "first violation in words",
//                   "original": size, "shrunk": size | null, "shrink": { "runs", "wallMs", "stoppedBy", "steps" } | null,
//                   "replay": "failures/seed-<n>.json" | null, "explanations": "failures/seed-<n>.txt" | null,
//                   "report": "failures/seed-<n>/report.html" | null, "replayCommand": "…" } ],
//   "failuresNotSaved": number,          // failing seeds past --keep-failures (counted and listed, no files)
//   "merged": { "from": [dirs] } | undefined
// }
// size = { "clients", "ops", "faults", "durationMs", "events" }

import { CHECKER_NAMES } from '../checkers/index.ts';
import { EXCEPTION_CHECK } from './run-seed.ts';
import type { Shard } from './seeds.ts';
import type { PoolStop } from './pool.ts';
import { describeSize, type ShrinkSize, type ShrinkStop } from './shrink.ts';
import { checkerOfRule, type RuleKey } from './shrink-targets.ts';

export const CHAOS_SUMMARY_FORMAT = 'syncstorm-chaos-summary';
export const CHAOS_SUMMARY_VERSION = 1;
export const DETERMINISM_CHECK = 'determinism';
/** Failures the closing text lists at most (summary.json has all). */
const FAILURES_PRINTED_MAX = 20;
/** Every property a chaos run reports on, in report order. */
export const CHAOS_PROPERTIES: readonly string[] = [...CHECKER_NAMES, DETERMINISM_CHECK, EXCEPTION_CHECK];

export interface ChaosFailure {
  readonly seed: number;
  readonly checkers: readonly string[];
  /** The (checker, rule) pairs the run broke (absent from summaries written before rules existed). */
  readonly rules?: readonly RuleKey[];
  readonly explanation: string;
  readonly original: ShrinkSize | null;
  readonly shrunk: ShrinkSize | null;
  readonly shrink: { readonly runs: number; readonly wallMs: number; readonly stoppedBy: ShrinkStop; readonly steps: number } | null;
  readonly replay: string | null;
  readonly explanations: string | null;
  readonly report: string | null;
  readonly replayCommand: string | null;
}

export interface ChaosSummary {
  readonly format: typeof CHAOS_SUMMARY_FORMAT;
  readonly version: typeof CHAOS_SUMMARY_VERSION;
  readonly ok: boolean;
  readonly target: {
    readonly scenario: string;
    readonly bug: string | null;
    readonly variant: string;
    readonly clients: number;
    readonly teamSize: number;
    readonly durationMs: number;
    /** The conflict policy the engines ran under. */
    readonly policy: string;
    readonly faults: string;
    /** Ops each client issues per simulated hour (absent in summaries written before it was kept). */
    readonly opsPerClientPerHour?: number;
    /** The convergence phase's budget after the heal (absent in summaries written before it was kept). */
    readonly convergenceBudgetMs?: number;
  };
  readonly seeds: {
    readonly start: number;
    readonly requested: number | null;
    readonly run: number;
    readonly passed: number;
    readonly failed: number;
    readonly first: number | null;
    readonly last: number | null;
    readonly description: string;
  };
  readonly budgetMs: number | null;
  readonly stoppedBy: PoolStop;
  readonly shard: Shard | null;
  readonly workers: number;
  readonly wallMs: number;
  readonly runWallMs: number;
  readonly seedsPerHour: number;
  readonly checkerFailures: Readonly<Record<string, number>>;
  readonly determinism: { readonly sampled: readonly number[]; readonly mismatches: readonly number[] };
  readonly failures: readonly ChaosFailure[];
  readonly failuresNotSaved: number;
  readonly merged?: { readonly from: readonly string[] };
}

export class ChaosSummaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChaosSummaryError';
  }
}

export function seedsPerHour(seeds: number, wallMs: number): number {
  return wallMs <= 0 ? 0 : Math.round((seeds * 3_600_000) / wallMs);
}

/** Per property, the seeds that violated it: every property listed, 0 when it held. */
export function countCheckerFailures(failures: readonly { readonly checkers: readonly string[] }[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(CHAOS_PROPERTIES.map((name) => [name, 0]));
  for (const failure of failures) for (const name of failure.checkers) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Checks the fields merge relies on; errors name the file and the field. */
/** What the summary line says of why the run stopped. */
const STOP_NOTES: Record<PoolStop, string> = { done: '', budget: ' · stopped at the budget', aborted: ' · INTERRUPTED', failures: ' · stopped early: --bail reached' };

export function parseChaosSummary(json: unknown, source: string): ChaosSummary {
  const fail = (what: string): never => {
    throw new ChaosSummaryError(`${source}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('a chaos summary is a JSON object');
  const s = json as Record<string, unknown>;
  if (s['format'] !== CHAOS_SUMMARY_FORMAT) fail(`format should be "${CHAOS_SUMMARY_FORMAT}", got ${JSON.stringify(s['format'])}`);
  if (s['version'] !== CHAOS_SUMMARY_VERSION) fail(`version should be ${CHAOS_SUMMARY_VERSION}, got ${JSON.stringify(s['version'])}`);
  const seeds = s['seeds'] as Record<string, unknown> | undefined;
  for (const field of ['run', 'passed', 'failed'] as const) {
    if (typeof seeds?.[field] !== 'number') fail(`seeds.${field} should be a number, got ${JSON.stringify(seeds?.[field])}`);
  }
  if (!Array.isArray(s['failures'])) fail(`failures should be an array, got ${JSON.stringify(s['failures'])}`);
  if (typeof s['checkerFailures'] !== 'object' || s['checkerFailures'] === null) fail('checkerFailures should be an object');
  return json as ChaosSummary;
}

/**
 * Shards as one run. `relocate(shardIndex, path)` maps a shard's relative artifact path to
 * its path in the merged directory. Targets must agree (same variant, config, seed range).
 */
export function mergeSummaries(
  parts: readonly { readonly dir: string; readonly summary: ChaosSummary }[],
  relocate: (part: number, path: string) => string,
): ChaosSummary {
  if (parts.length === 0) throw new ChaosSummaryError('merge needs at least one summary');
  const first = parts[0]!.summary;
  for (const { dir, summary } of parts) {
    if (JSON.stringify(summary.target) !== JSON.stringify(first.target)) {
      throw new ChaosSummaryError(`${dir}: its target ${JSON.stringify(summary.target)} differs from ${parts[0]!.dir}'s ${JSON.stringify(first.target)}; only shards of one run merge`);
    }
  }
  const failures = parts
    .flatMap(({ summary }, part) => summary.failures.map((f) => relocateFailure(f, (path) => relocate(part, path))))
    .sort((a, b) => a.seed - b.seed);
  const all = parts.map((p) => p.summary);
  const sum = (pick: (s: ChaosSummary) => number): number => all.reduce((n, s) => n + pick(s), 0);
  const firsts = all.map((s) => s.seeds.first).filter((x): x is number => x !== null);
  const lasts = all.map((s) => s.seeds.last).filter((x): x is number => x !== null);
  const checkerFailures: Record<string, number> = {};
  for (const s of all) for (const [name, count] of Object.entries(s.checkerFailures)) checkerFailures[name] = (checkerFailures[name] ?? 0) + count;
  const runWallMs = Math.max(...all.map((s) => s.runWallMs));
  const run = sum((s) => s.seeds.run);
  const stops: PoolStop[] = ['aborted', 'failures', 'budget', 'done'];
  return {
    format: CHAOS_SUMMARY_FORMAT,
    version: CHAOS_SUMMARY_VERSION,
    ok: all.every((s) => s.ok),
    target: first.target,
    seeds: {
      start: Math.min(...all.map((s) => s.seeds.start)),
      requested: all.every((s) => s.seeds.requested === first.seeds.requested) ? first.seeds.requested : null,
      run,
      passed: sum((s) => s.seeds.passed),
      failed: sum((s) => s.seeds.failed),
      first: firsts.length === 0 ? null : Math.min(...firsts),
      last: lasts.length === 0 ? null : Math.max(...lasts),
      description: `${parts.length} merged runs: ${all.map((s) => s.seeds.description).join('; ')}`,
    },
    budgetMs: first.budgetMs,
    stoppedBy: stops.find((stop) => all.some((s) => s.stoppedBy === stop)) ?? 'done',
    shard: null,
    workers: sum((s) => s.workers),
    // Shards run side by side: the merged run took as long as the slowest.
    wallMs: Math.max(...all.map((s) => s.wallMs)),
    runWallMs,
    seedsPerHour: sum((s) => s.seedsPerHour),
    checkerFailures,
    determinism: {
      sampled: all.flatMap((s) => s.determinism.sampled).sort((a, b) => a - b),
      mismatches: all.flatMap((s) => s.determinism.mismatches).sort((a, b) => a - b),
    },
    failures,
    failuresNotSaved: sum((s) => s.failuresNotSaved),
    merged: { from: parts.map((p) => p.dir) },
  };
}

function relocateFailure(failure: ChaosFailure, relocate: (path: string) => string): ChaosFailure {
  const move = (path: string | null): string | null => (path === null ? null : relocate(path));
  return { ...failure, replay: move(failure.replay), explanations: move(failure.explanations), report: move(failure.report) };
}

/** The closing lines a person reads: verdict, violated properties, and per failure the replay command. */
export function formatChaosSummary(summary: ChaosSummary): string {
  const s = summary;
  const lines: string[] = [];
  const shard = s.shard === null ? '' : ` · shard ${s.shard.index}/${s.shard.count}`;
  lines.push(
    `chaos: ${s.seeds.run} seeds (${s.seeds.description}) · ${s.target.variant}${s.target.scenario === 'default' ? '' : ` · scenario ${s.target.scenario}`} · ${s.target.clients} clients · ${formatMs(s.target.durationMs)} simulated each · policy ${s.target.policy}${shard}`,
    `       ${s.workers} worker${s.workers === 1 ? '' : 's'} · ${formatMs(s.runWallMs)} running seeds (${s.seedsPerHour} seeds/hour) · ${formatMs(s.wallMs)} in all${STOP_NOTES[s.stoppedBy]}`,
    `       determinism re-checked on ${s.determinism.sampled.length} seed${s.determinism.sampled.length === 1 ? '' : 's'}: ${s.determinism.mismatches.length === 0 ? 'same trace hashes' : `MISMATCH on ${s.determinism.mismatches.join(', ')}`}`,
  );
  if (s.ok) {
    lines.push(`✓ every property held on all ${s.seeds.run} seeds (${CHECKER_NAMES.length} checkers)`);
    return lines.join('\n');
  }
  lines.push(`✗ ${s.seeds.failed} of ${s.seeds.run} seeds violated a property:`);
  for (const [name, count] of Object.entries(s.checkerFailures)) if (count > 0) lines.push(`    ${name}: ${count} seed${count === 1 ? '' : 's'}`);
  const printed = s.failures.slice(0, FAILURES_PRINTED_MAX);
  for (const f of printed) {
    lines.push(`  seed ${f.seed}: ${describeViolated(f.checkers, f.rules)} — ${f.explanation}`);
    if (f.original !== null && f.shrunk !== null) lines.push(`    shrunk ${describeSize(f.original)} → ${describeSize(f.shrunk)}`);
    if (f.replayCommand !== null) lines.push(`    replay: ${f.replayCommand}`);
  }
  if (s.failures.length > printed.length) lines.push(`  … ${s.failures.length - printed.length} more failing seeds in summary.json`);
  if (s.failuresNotSaved > 0) lines.push(`  (${s.failuresNotSaved} more failing seeds listed in summary.json without files: past --keep-failures)`);
  return lines.join('\n');
}

/** `eventual-delivery (early-retry), determinism`: each violated checker with the rules of it that broke. */
export function describeViolated(checkers: readonly string[], rules: readonly RuleKey[] | undefined): string {
  return checkers.map((name) => {
    const broken = (rules ?? []).filter((key) => checkerOfRule(key) === name).map((key) => key.slice(name.length + 1));
    return broken.length === 0 ? name : `${name} (${broken.join(', ')})`;
  }).join(', ');
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

// `syncstorm chaos` results: DIR/summary.json's ChaosSummary (shape in
// scenarios/chaos/summary.ts), DIR/junit.xml (one test case per seed), DIR/trace-hashes.txt
// (one line per seed), and the one-line description of the fault config the command prints
// and the summary records.

import type { Shard } from '../../scenarios/chaos/seeds.ts';
import type { ChaosFailure, ChaosSummary } from '../../scenarios/chaos/summary.ts';
import type { ChaosTarget } from '../../scenarios/chaos/target.ts';
import type { PoolResult } from '../../scenarios/chaos/pool.ts';
import type { ChaosFlags } from './chaos-flags.ts';
import type { Modules } from './chaos-modules.ts';

export function describeFaultConfig(target: ChaosTarget): string {
  const f = target.config.faults;
  const schedule = target.scheduled ? `the scenario's schedule` : '';
  if (f.kinds.length === 0 || f.faultsPerHour === 0) return schedule === '' ? 'none' : schedule;
  const generated = `${f.swarm ? 'swarm over ' : ''}${f.kinds.length} kind${f.kinds.length === 1 ? '' : 's'}${f.kinds.length <= 4 ? ` (${f.kinds.join(', ')})` : ''} · ${f.faultsPerHour}/h`;
  return schedule === '' ? generated : `${generated} + ${schedule}`;
}

/**
 * DIR/trace-hashes.txt: `SEED HASH` per seed run, in seed order ('-' for a seed whose run threw).
 * Two runs of the same seeds diff line by line: a refactor should change no line, and a
 * protocol change shows which seeds it changed.
 */
export function renderTraceHashes(pool: Pick<PoolResult, 'checks'>): string {
  return pool.checks.map((check) => `${check.seed} ${check.traceHash === '' ? '-' : check.traceHash}\n`).join('');
}

/** Shards' trace-hashes.txt as one, in seed order (shards run disjoint seeds). */
export function mergeTraceHashes(docs: readonly string[]): string {
  const lines = docs.flatMap((doc) => doc.split('\n').filter((line) => line !== ''));
  const seedOf = (line: string): number => Number(line.slice(0, line.indexOf(' ')));
  return lines.sort((a, b) => seedOf(a) - seedOf(b)).map((line) => `${line}\n`).join('');
}

interface SummaryInput {
  readonly flags: ChaosFlags;
  readonly target: ChaosTarget;
  readonly range: { start: number; count: number | null; shard: Shard | null };
  readonly pool: PoolResult;
  readonly failures: readonly ChaosFailure[];
  readonly sampled: readonly number[];
  readonly startedMs: number;
}

export function buildSummary(m: Modules, input: SummaryInput): ChaosSummary {
  const { target, pool, failures } = input;
  const c = target.config;
  const run = pool.checks.length;
  return {
    format: m.CHAOS_SUMMARY_FORMAT,
    version: m.CHAOS_SUMMARY_VERSION,
    ok: failures.length === 0,
    target: { scenario: target.scenario, bug: target.bug, variant: target.variant, clients: c.clients, teamSize: c.teamSize, durationMs: c.durationMs, policy: target.policy, faults: describeFaultConfig(target), opsPerClientPerHour: c.workload.opsPerClientPerHour, convergenceBudgetMs: c.convergenceBudgetMs },
    seeds: {
      start: input.range.start,
      requested: input.range.count,
      run,
      passed: run - failures.length,
      failed: failures.length,
      first: pool.checks[0]?.seed ?? null,
      last: pool.checks.at(-1)?.seed ?? null,
      description: m.describeSeedRange(input.range),
    },
    budgetMs: input.flags.budget ?? null,
    stoppedBy: pool.stoppedBy,
    shard: input.range.shard,
    workers: pool.workers,
    wallMs: Math.round(performance.now() - input.startedMs),
    runWallMs: Math.round(pool.wallMs),
    seedsPerHour: m.seedsPerHour(run, pool.wallMs),
    checkerFailures: m.countCheckerFailures(failures),
    // Sampled seeds and failing seeds (re-run when saved) whose second run differed.
    determinism: { sampled: [...input.sampled].sort((a, b) => a - b), mismatches: failures.filter((f) => f.checkers.includes(m.DETERMINISM_CHECK)).map((f) => f.seed) },
    failures,
    failuresNotSaved: failures.filter((f) => f.replay === null).length,
  };
}

export function renderChaosJunit(m: Modules, target: ChaosTarget, pool: PoolResult, failures: readonly ChaosFailure[], shard: Shard | null): string {
  const bySeed = new Map(failures.map((f) => [f.seed, f]));
  const classname = `syncstorm.chaos.${target.variant}`;
  const cases = pool.checks.map((check) => {
    const failure = bySeed.get(check.seed);
    if (failure === undefined) return { name: `seed ${check.seed}`, classname, timeMs: check.wallMs };
    const body = [...m.explainFailures(check.results), ...(failure.checkers.includes(m.DETERMINISM_CHECK) ? [`determinism: ${failure.explanation}`] : [])];
    if (failure.replayCommand !== null) body.push(`replay: ${failure.replayCommand}`);
    return {
      name: `seed ${check.seed}`,
      classname,
      timeMs: check.wallMs,
      failure: { message: `violated ${failure.checkers.join(', ')}: ${failure.explanation}`, type: failure.checkers[0] ?? 'failure', body: body.join('\n') },
    };
  });
  const suiteName = `syncstorm chaos · ${target.variant}${shard === null ? '' : ` · shard ${shard.index}/${shard.count}`}`;
  const properties = { variant: target.variant, scenario: target.scenario, clients: target.config.clients, durationMs: target.config.durationMs, ...(shard === null ? {} : { shard: `${shard.index}/${shard.count}` }) };
  return m.renderJunit([{ name: suiteName, cases, timeMs: pool.wallMs, properties }]);
}

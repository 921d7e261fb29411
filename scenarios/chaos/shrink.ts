// Shrinking a failing chaos run to a small counterexample (DESIGN §1, §7): deterministic
// delta debugging over the run's plan, the same plan a run file carries. A candidate is kept
// when its re-run still breaks one of the (checker, rule) pairs the original broke, not merely
// one of its checkers (shrink-targets.ts says why). Passes, repeated until
// a whole round changes nothing or the budget is spent:
//   0. cut at the violation: drop every op and fault after the first target violation's time
//   1. clients: remove the highest-index clients (their ops, faults and clocks go with them),
//      top halves first, then quarters, … one; then whole teams (later teams move down
//      intact); then clients nobody uses; then the smallest count that still fails (up to 16
//      sizes from the clients in use upward); then any single client (renumbering the rest)
//   2. faults: remove chunks (halves, quarters, … single faults), from the end backwards
//   3. ops: the same over the workload
//   4. duration: end the chaos phase just after the last op or fault
// Why not fast-check's shrinker: it shrinks values it generated itself, one arbitrary at a
// time; here the plan, the client count and the clocks must shrink together (a client's ops,
// faults and clock entry leave as one), and each try is a whole simulation, so the work needs
// an explicit run budget. The loop has no randomness: the same failure shrinks the same way
// (the wall-time budget is a safety net; when it is what stops the loop, the output depends on
// machine speed, and the result says so).

import { DURATION_MS_MIN } from '../../sim/config.ts';
import type { RunResult } from '../../sim/runner.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import type { SystemVariant } from '../../sim/variants.ts';
import { CHECKER_NAMES, type CheckResult } from '../checkers/index.ts';
import { checkRunSafely, EXCEPTION_CHECK, type SeedCheck, type SeedRunOptions } from './run-seed.ts';
import { checkerOfRule, checkersOf, violatedRules, violationsOf, type RuleKey } from './shrink-targets.ts';

import { keepsRolloutOrder, range, renumberClients, sizeOf, keepClients, usedClients, withConfig, withPlan, type Candidate, type ShrinkSize } from './shrink-plan.ts';

export { violatedRules, type RuleKey } from './shrink-targets.ts';
export { describeSize, keepClients, renumberClients, usedClients, type ShrinkSize } from './shrink-plan.ts';

export const SHRINK_RUNS_MAX_DEFAULT = 300;
export const SHRINK_WALL_MS_MAX_DEFAULT = 60_000;
/** Hard ceilings whatever the caller asks (STYLE §4). */
export const SHRINK_RUNS_LIMIT = 100_000;
export const SHRINK_WALL_MS_LIMIT = 24 * 60 * 60 * 1000;

/** Client counts fewestClients tries per round at most. */
const FEWEST_CLIENTS_TRIED = 16;

export type ShrinkPass = 'cut-at-violation' | 'clients' | 'teams' | 'compact-clients' | 'faults' | 'ops' | 'duration';


export interface ShrinkStep {
  readonly pass: ShrinkPass;
  /** What this step removed, in one line. */
  readonly change: string;
  /** The run's size after the step. */
  readonly size: ShrinkSize;
  /** The target checkers the smaller run still fails. */
  readonly failed: readonly string[];
  /** The target (checker, rule) pairs it still breaks: `eventual-delivery/early-retry`. */
  readonly failedRules: readonly RuleKey[];
}

export type ShrinkStop = 'fixpoint' | 'runs-budget' | 'wall-time-budget' | 'not-reproduced';

export interface ShrinkOptions {
  readonly config: SimConfig;
  readonly plan: RunPlan;
  readonly variant: SystemVariant;
  /**
   * Checkers the original run failed: only these run on each candidate. The targets are the
   * (checker, rule) pairs of theirs that the original's re-run breaks; a candidate must still
   * break at least one of those pairs.
   */
  readonly failing: readonly string[];
  /** Runs one candidate and its checkers: checkRunSafely, unless a test stands in for it. */
  readonly check?: (options: SeedRunOptions) => { readonly check: SeedCheck; readonly run: RunResult | null };
  /** Most simulations to run (the original's re-run included). Default 300. */
  readonly runsMax?: number;
  /** Wall-time budget in ms. Default 60 s. */
  readonly wallMsMax?: number;
  /** Told of every kept step as it happens (progress output). */
  readonly onStep?: (step: ShrinkStep) => void;
}

export interface ShrinkResult {
  readonly config: SimConfig;
  readonly plan: RunPlan;
  readonly variant: string;
  /** The smallest run found, re-run with every checker (its results explain the failure). */
  readonly check: SeedCheck;
  /** Null when the shrunk run throws (an EXCEPTION_CHECK failure). */
  readonly run: RunResult | null;
  /** The target checkers the shrunk run fails. */
  readonly failed: readonly string[];
  /** The (checker, rule) pairs the original run broke: what every kept step still breaks one of. */
  readonly targets: readonly RuleKey[];
  /** The target pairs the shrunk run breaks. */
  readonly failedRules: readonly RuleKey[];
  readonly original: ShrinkSize;
  readonly shrunk: ShrinkSize;
  readonly steps: readonly ShrinkStep[];
  /** Simulations run while shrinking (the final full re-check not counted). */
  readonly runs: number;
  readonly wallMs: number;
  readonly stoppedBy: ShrinkStop;
}


export class ShrinkOptionsError extends Error {
  constructor(field: string, value: unknown, expectation: string) {
    super(`shrink: ${field} should be ${expectation}, got ${JSON.stringify(value)}`);
    this.name = 'ShrinkOptionsError';
  }
}

/** Shrinks a failing run; see the file comment for the passes. */
export function shrinkFailure(options: ShrinkOptions): ShrinkResult {
  const shrinker = new Shrinker(options);
  const stoppedBy = shrinker.shrink();
  return shrinker.result(stoppedBy);
}

function validated(options: ShrinkOptions): { runsMax: number; wallMsMax: number; targets: readonly string[] } {
  const runsMax = options.runsMax ?? SHRINK_RUNS_MAX_DEFAULT;
  const wallMsMax = options.wallMsMax ?? SHRINK_WALL_MS_MAX_DEFAULT;
  if (!Number.isInteger(runsMax) || runsMax < 1 || runsMax > SHRINK_RUNS_LIMIT) {
    throw new ShrinkOptionsError('runsMax', runsMax, `an integer from 1 to ${SHRINK_RUNS_LIMIT}`);
  }
  if (!Number.isFinite(wallMsMax) || wallMsMax < 0 || wallMsMax > SHRINK_WALL_MS_LIMIT) {
    throw new ShrinkOptionsError('wallMsMax', wallMsMax, `a number of ms from 0 to ${SHRINK_WALL_MS_LIMIT}`);
  }
  if (options.failing.length === 0) throw new ShrinkOptionsError('failing', options.failing, 'at least one checker name');
  const known = [...CHECKER_NAMES, EXCEPTION_CHECK];
  for (const name of options.failing) {
    if (!known.includes(name)) throw new ShrinkOptionsError('failing', name, `a checker name (${known.join(', ')})`);
  }
  if (options.plan.clocks.length !== options.config.clients) {
    throw new ShrinkOptionsError('plan.clocks', options.plan.clocks.length, `one entry per client (${options.config.clients})`);
  }
  return { runsMax, wallMsMax, targets: [...options.failing] };
}

class BudgetSpent extends Error {
  constructor(readonly stop: ShrinkStop) {
    super(stop);
  }
}

class Shrinker {
  private readonly runsMax: number;
  private readonly wallMsMax: number;
  private readonly targets: readonly string[];
  /** Set from the original's re-run: the (checker, rule) pairs a candidate must still break one of. */
  private targetRules: readonly RuleKey[] = [];
  private readonly runCheck: NonNullable<ShrinkOptions['check']>;
  private readonly started = performance.now();
  private current: Candidate;
  private currentEvents = 0;
  private currentResults: readonly CheckResult[] = [];
  private originalSize: ShrinkSize | null = null;
  private runs = 0;
  private readonly steps: ShrinkStep[] = [];

  constructor(private readonly options: ShrinkOptions) {
    const limits = validated(options);
    this.runsMax = limits.runsMax;
    this.wallMsMax = limits.wallMsMax;
    this.targets = limits.targets;
    this.runCheck = options.check ?? checkRunSafely;
    this.current = { config: options.config, plan: options.plan };
  }

  shrink(): ShrinkStop {
    try {
      const original = this.attempt(this.current);
      this.originalSize = sizeOf(this.current, original.events);
      if (original.rules.length === 0) return 'not-reproduced';
      this.targetRules = original.rules;
      this.currentEvents = original.events;
      this.currentResults = original.results;
      for (;;) {
        const before = this.steps.length;
        this.round();
        if (this.steps.length === before) return 'fixpoint';
      }
    } catch (error) {
      if (error instanceof BudgetSpent) return error.stop;
      throw error;
    }
  }

  private round(): void {
    this.cutAtViolation();
    this.dropTopClients();
    this.dropTeams();
    this.compactClients();
    this.fewestClients();
    this.dropEachClient();
    this.dropChunks('faults', () => this.current.plan.faults, (faults) => withPlan(this.current, { faults }));
    this.dropChunks('ops', () => this.current.plan.ops, (ops) => withPlan(this.current, { ops }));
    this.shortenDuration();
  }

  /** Runs a candidate with the target checkers only; throws BudgetSpent when the budget is gone. */
  private attempt(candidate: Candidate): { rules: RuleKey[]; events: number; results: readonly CheckResult[] } {
    if (this.runs >= this.runsMax) throw new BudgetSpent('runs-budget');
    if (performance.now() - this.started >= this.wallMsMax) throw new BudgetSpent('wall-time-budget');
    this.runs++;
    const { check } = this.runCheck({ config: candidate.config, plan: candidate.plan, variant: this.options.variant, only: this.targets });
    const rules = violatedRules(check.results).filter((key) => this.targets.includes(checkerOfRule(key)));
    return { rules, events: check.events, results: check.results };
  }

  /** Keeps the candidate when it still breaks a target rule (the same checker under another rule is another failure). */
  private tryCandidate(pass: ShrinkPass, change: string, candidate: Candidate): boolean {
    if (!keepsRolloutOrder(this.current, candidate)) return false;
    const outcome = this.attempt(candidate);
    const failedRules = outcome.rules.filter((key) => this.targetRules.includes(key));
    if (failedRules.length === 0) return false;
    this.current = candidate;
    this.currentEvents = outcome.events;
    this.currentResults = outcome.results;
    const step: ShrinkStep = { pass, change, size: sizeOf(candidate, outcome.events), failed: checkersOf(failedRules), failedRules };
    this.steps.push(step);
    this.options.onStep?.(step);
    return true;
  }

  /** Causes come before effects: ops and faults that start after the first violation rarely matter. */
  private cutAtViolation(): void {
    const times = violationsOf(this.currentResults, this.targetRules).map((v) => v.t);
    if (times.length === 0) return;
    const cutMs = Math.min(...times);
    const { ops, faults } = this.current.plan;
    const keptOps = ops.filter((op) => op.atMs <= cutMs);
    const keptFaults = faults.filter((fault) => fault.atMs <= cutMs);
    const dropped = ops.length - keptOps.length + faults.length - keptFaults.length;
    if (dropped === 0) return;
    this.tryCandidate('cut-at-violation', `dropped ${ops.length - keptOps.length} ops and ${faults.length - keptFaults.length} faults after ${cutMs} ms`, withPlan(this.current, { ops: keptOps, faults: keptFaults }));
  }

  /** Top halves, then quarters, … then single clients; each size repeated while it works. */
  private dropTopClients(): void {
    for (let chunk = Math.floor(this.current.config.clients / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
      while (chunk < this.current.config.clients) {
        const from = this.current.config.clients;
        const to = from - chunk;
        if (!this.tryCandidate('clients', `clients ${from} → ${to}`, keepClients(this.current, to))) break;
      }
    }
  }

  /** A whole team leaves and the later teams move down intact (team membership is index / teamSize). */
  private dropTeams(): void {
    const { teamSize } = this.current.config;
    for (let team = Math.ceil(this.current.config.clients / teamSize) - 1; team >= 0; team--) {
      const clients = this.current.config.clients;
      const first = team * teamSize;
      if (first >= clients || clients - teamSize < 1) continue;
      const kept = range(clients).filter((client) => client < first || client >= first + teamSize);
      if (kept.length === 0) continue;
      this.tryCandidate('teams', `dropped team ${team} (clients ${first}..${Math.min(first + teamSize, clients) - 1}); clients ${clients} → ${kept.length}`, renumberClients(this.current, kept));
    }
  }

  /**
   * Idle clients still pull and so draw from the shared network and server streams: removing
   * them perturbs the rest, and a failure that hangs on those draws may survive at some small
   * size though not at half. So: every size from the clients in use upward (a bounded scan).
   */
  private fewestClients(): void {
    const clients = this.current.config.clients;
    const used = usedClients(this.current.plan);
    const idle = range(clients).filter((client) => !used.includes(client));
    const from = Math.max(1, used.length);
    for (let count = from; count < clients && count < from + FEWEST_CLIENTS_TRIED; count++) {
      const kept = [...used, ...idle.slice(0, count - used.length)].sort((a, b) => a - b);
      if (this.tryCandidate('clients', `clients ${clients} → ${count} (kept ${kept.join(',')}, renumbered)`, renumberClients(this.current, kept))) return;
    }
  }

  /** Any single client (with its ops and faults), renumbering the rest: last, since it regroups teams. */
  private dropEachClient(): void {
    for (let client = this.current.config.clients - 1; client >= 0; client--) {
      const clients = this.current.config.clients;
      if (clients === 1 || client >= clients) continue;
      const kept = range(clients).filter((c) => c !== client);
      this.tryCandidate('clients', `dropped client ${client}; clients ${clients} → ${kept.length}`, renumberClients(this.current, kept));
    }
  }

  private compactClients(): void {
    const used = usedClients(this.current.plan);
    const clients = this.current.config.clients;
    const kept = used.length === 0 ? [0] : used;
    if (kept.length === clients) return;
    this.tryCandidate('compact-clients', `clients ${clients} → ${kept.length} (renumbered ${kept.join(',')})`, renumberClients(this.current, kept));
  }

  /** Chunked removal from the end backwards: halves, quarters, … single items. */
  private dropChunks<T>(pass: 'faults' | 'ops', items: () => readonly T[], build: (kept: readonly T[]) => Candidate): void {
    for (let chunk = Math.ceil(items().length / 2); chunk >= 1; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
      let end = items().length;
      while (end > 0) {
        const list = items();
        const start = Math.max(0, end - chunk);
        const kept = [...list.slice(0, start), ...list.slice(end)];
        const change = end - start === 1 ? `dropped ${pass.slice(0, -1)} #${start}` : `dropped ${pass} #${start}..#${end - 1} (${end - start})`;
        // After a removal the items before `start` are still untried at this size; either way move left.
        this.tryCandidate(pass, change, build(kept));
        end = start;
      }
    }
  }

  private shortenDuration(): void {
    const { plan, config } = this.current;
    const lastStartMs = Math.max(0, ...plan.ops.map((op) => op.atMs), ...plan.faults.map((fault) => fault.atMs));
    const lastEndMs = Math.max(lastStartMs, ...plan.faults.map((fault) => fault.atMs + fault.durationMs));
    for (const endMs of [lastStartMs, lastEndMs]) {
      const durationMs = Math.max(DURATION_MS_MIN, endMs + 1);
      if (durationMs >= this.current.config.durationMs) continue;
      if (this.tryCandidate('duration', `chaos phase ${config.durationMs} ms → ${durationMs} ms`, withConfig(this.current, { durationMs }))) return;
    }
  }

  result(stoppedBy: ShrinkStop): ShrinkResult {
    // The final re-run with every checker: its results explain the counterexample in full.
    const { check, run } = this.runCheck({ config: this.current.config, plan: this.current.plan, variant: this.options.variant });
    const failedRules = violatedRules(check.results).filter((key) => this.targetRules.includes(key));
    const original = this.originalSize ?? sizeOf({ config: this.options.config, plan: this.options.plan }, check.events);
    return {
      config: this.current.config,
      plan: this.current.plan,
      variant: this.options.variant.name,
      check,
      run,
      failed: checkersOf(failedRules),
      targets: this.targetRules,
      failedRules,
      original,
      shrunk: sizeOf(this.current, this.steps.length === 0 ? original.events : this.currentEvents),
      steps: this.steps,
      runs: this.runs,
      wallMs: performance.now() - this.started,
      stoppedBy,
    };
  }
}

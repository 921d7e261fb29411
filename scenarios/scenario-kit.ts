// What a catalogue scenario is (scenarios/catalogue.ts), and the pieces its entries are built
// from: time units, the schedule helpers that place faults at precise times (crashParam aims a
// client crash at one step, crashAtWrite at a seed's own write), and the workload and engine
// settings several scenarios share. The entries themselves live in scenarios/stories-*.ts.

import { CRASH_TARGETS, type CrashTarget } from '../sim/client.ts';
import type { DeepPartial } from '../sim/config.ts';
import { generatePlan } from '../sim/plan.ts';
import type { Fault, FaultKind, SimConfig, WorkloadOp } from '../sim/types.ts';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

export interface Scenario {
  /** kebab-case, unique: `syncstorm run --scenario NAME`. */
  readonly name: string;
  readonly title: string;
  /** The bug story it guards (shared/reference/bug-stories.md number, repository and issue). */
  readonly story: string;
  /** What the scenario does and why that reproduces the story. */
  readonly description: string;
  /** Workload and generated faults; the seed is scenarioRun's. */
  readonly config: DeepPartial<SimConfig>;
  /** Faults at precise times, appended to the generated ones (a config with no fault kinds makes it the whole nemesis). */
  readonly schedule?: (config: SimConfig) => readonly Fault[];
  /** Engine options over config.engine (e.g. the conflict policy under test). */
  readonly engine?: SimConfig['engine'];
  /** The checkers that catch the story's bug (the correct engine must pass every checker). */
  readonly guardedBy: readonly string[];
  /** A deliberate counterexample: the correct engine under these options must fail this checker, its message naming the cause. */
  readonly expectFailure?: { readonly checker: string; readonly mentions: string };
  /** Bugs of the zoo (scenarios/bugs.ts) this scenario catches with one of its guardedBy checkers: evidence that it bites. */
  readonly catches?: readonly string[];
}

// ---- schedule helpers -------------------------------------------------------------------

export function clientFault(kind: FaultKind, client: number, atMs: number, durationMs: number, param = 0): Fault {
  return { atMs, kind, durationMs, client, param };
}

export function serverFault(kind: FaultKind, atMs: number, durationMs: number, param = 0): Fault {
  return { atMs, kind, durationMs, client: -1, param };
}

/** The client-crash param that cuts the next `target` step after `afterEffects` effects (the inverse of sim/client.ts crashOfParam). */
export function crashParam(target: CrashTarget, afterEffects: number): number {
  if (!Number.isInteger(afterEffects) || afterEffects < 0 || afterEffects > 7) throw new Error(`crashParam: afterEffects should be an integer from 0 to 7, got ${afterEffects}`);
  return (CRASH_TARGETS.indexOf(target) << 3) | afterEffects;
}

/** The client's first 'write' op at or after fromMs (the seed's own workload), or null. */
function nextWriteOf(config: SimConfig, client: number, fromMs: number): WorkloadOp | null {
  return generatePlan(config).ops.find((op) => op.client === client && op.atMs >= fromMs && op.action === 'write') ?? null;
}

/** The client's last 'write' op of the chaos phase (the seed's own workload), or null. */
export function lastWriteOf(config: SimConfig, client: number): WorkloadOp | null {
  const ops = generatePlan(config).ops;
  for (let i = ops.length - 1; i >= 0; i--) if (ops[i]!.client === client && ops[i]!.action === 'write') return ops[i]!;
  return null;
}

/** A crash armed at the client's first write at or after fromMs (or at fromMs when it has none): it cuts that write's step. */
export function crashAtWrite(config: SimConfig, client: number, fromMs: number, afterEffects: number, downMs: number): Fault {
  const atMs = nextWriteOf(config, client, fromMs)?.atMs ?? fromMs;
  return clientFault('client-crash', client, atMs, downMs, crashParam('write', afterEffects));
}

// ---- shared pieces ----------------------------------------------------------------------

/** A small team, busy enough that every fault bites: an op every ~6 s per client, 5 simulated minutes, quick backoff. */
export const SMALL_TEAM = { clients: 6, teamSize: 3, durationMs: 5 * MINUTE_MS, convergenceBudgetMs: HOUR_MS } as const;
export const QUICK_BACKOFF = { backoffBaseMs: 1_000, backoffCapMs: 60_000 } as const;
export const BUSY = { opsPerClientPerHour: 600, entitiesPerTeam: 10, zipfS: 1.0, writePerMille: 800, deletePerMille: 50 } as const;
export const NO_GENERATED_FAULTS = { swarm: false, kinds: [], faultsPerHour: 0 } as const;

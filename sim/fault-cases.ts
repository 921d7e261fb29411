// Shared machinery of the per-fault acceptance tests (case tables in sim/fault-cases-*.ts, run
// by sim/faults-*.test.ts): the Case type, the fixed seeds, the fault window and the schedule
// helpers (clientFault, serverFault), the runner (runFaults), the checks that (a) the schedule
// ran and (b) the engine survived it (survive), and describeFaultCases, which turns a case table
// into one test per kind run under every seed. Test-only: imported by the fault tests and tables.

import { describe, expect, it } from 'vitest';
import type { History } from './history.ts';
import { DEFAULT_LINK } from './link.ts';
import { generatePlan } from './plan.ts';
import type { RunResult } from './runner.ts';
import { MINUTE_MS, eventsOf, faultTestConfig, isSendSide, messagesOf, runWithFaults, survivalProblems } from './testing.ts';
import { SWARM_FAULT_KINDS, type Fault, type FaultKind, type SimConfig } from './types.ts';

/** Fixed seeds: each case runs under each (a case's timings are derived from the seed's own run). */
export const SEEDS = [7, 11, 23] as const;
/** The client a client fault hits (client 1 of team-0). */
export const C = 1;
export const START = MINUTE_MS;
export const DURATION = 2 * MINUTE_MS;
export const STOP = START + DURATION;
export const inWindow = (t: number): boolean => t >= START && t < STOP;

export function clientFault(kind: FaultKind, param: number, over: Partial<Fault> = {}): Fault {
  return { atMs: START, kind, durationMs: DURATION, client: C, param, ...over };
}

export function serverFault(kind: FaultKind, param: number, over: Partial<Fault> = {}): Fault {
  return { atMs: START, kind, durationMs: DURATION, client: -1, param, ...over };
}

export interface Run {
  readonly seed: number;
  readonly config: SimConfig;
  readonly result: RunResult;
  readonly history: History;
}

export function runFaults(seed: number, faults: readonly Fault[]): Run {
  const config = faultTestConfig(seed);
  const result = runWithFaults(config, faults);
  return { seed, config, result, history: result.history };
}

/** (a) Every fault of the schedule started, and stopped when its window ended inside the chaos phase. */
export function expectFaultsRan(run: Run): void {
  const { history, seed } = run;
  const faults = run.result.plan.faults;
  faults.forEach((fault, index) => {
    const phases = eventsOf(history, 'fault').filter((e) => e.index === index).map((e) => `${e.phase}@${e.t}`);
    const expected = [`start@${fault.atMs}`];
    if (fault.atMs + fault.durationMs < run.config.durationMs) expected.push(`stop@${fault.atMs + fault.durationMs}`);
    expect(phases, `seed ${seed}: ${fault.kind} #${index}`).toEqual(expected);
  });
}

/** (b) The engine survived: converged, queues empty, clients equal to the server, at-most-once, nothing lost. */
export function expectSurvived(run: Run): void {
  expect(survivalProblems(run.history), `seed ${run.seed}: ${run.result.plan.faults.map((f) => f.kind).join(', ')}`).toEqual([]);
}

/** Runs the case's schedule for a seed and checks both (a) the schedule ran and (b) survival; returns the run for (a)'s effect checks. */
export function survive(seed: number, faults: readonly Fault[]): Run {
  const run = runFaults(seed, faults);
  expectFaultsRan(run);
  expectSurvived(run);
  return run;
}

export function sendSideRequests(history: History, client: number) {
  return messagesOf(history, client).filter((m) => m.dir === 'request' && isSendSide(m));
}

/** The first op of `client` at or after `fromMs` whose action is a write (it always resolves to create or update). */
export function firstWriteOf(config: SimConfig, client: number, fromMs: number) {
  const op = generatePlan(config).ops.find((o) => o.client === client && o.atMs >= fromMs && o.action === 'write');
  if (op === undefined) throw new Error(`seed ${config.seed}: client ${client} has no write after ${fromMs} ms`);
  return op;
}

export const LATENCY_MS_MAX = DEFAULT_LINK.latencyMsMax;

export interface Case {
  /** The story the test guards. */
  readonly story: string;
  readonly check: (seed: number) => void;
}

/** A table of cases by fault kind; the family tables together hold exactly one per kind of SWARM_FAULT_KINDS (sim/faults.test.ts checks). */
export type FaultCases = Partial<Record<FaultKind, Case>>;

/** One test per case of the table, in SWARM_FAULT_KINDS order, each running its check under every seed of SEEDS. */
export function describeFaultCases(cases: FaultCases): void {
  describe('every fault kind bites and the engine survives it', () => {
    for (const kind of SWARM_FAULT_KINDS) {
      const c = cases[kind];
      if (c === undefined) continue;
      it(`${kind}: ${c.story}`, () => {
        for (const seed of SEEDS) c.check(seed);
      });
    }
  });
}

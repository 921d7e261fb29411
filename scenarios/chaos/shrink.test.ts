// Shrinking a failing chaos run: the counterexample still fails the same checker, is smaller
// (fewer ops and faults, no more clients), is found the same way every time, respects the
// run budget, and its run file replays to the same trace hash.

import { describe, expect, it } from 'vitest';
import { BUGS, type Bug } from '../bugs.ts';
import { buildSimConfig } from '../../sim/config.ts';
import { generatePlan } from '../../sim/plan.ts';
import { parseRunFile, toRunFile } from '../../sim/run-file.ts';
import { runSimulation } from '../../sim/runner.ts';
import type { RunSummary } from '../../sim/summary.ts';
import type { Fault, RunPlan, SimConfig } from '../../sim/types.ts';
import { variantByName } from '../../sim/variants.ts';
import type { CheckResult } from '../checkers/index.ts';
import { checkRun, checkSeed, type SeedCheck, type SeedRunOptions } from './run-seed.ts';
import { keepClients, renumberClients, shrinkFailure, usedClients, type ShrinkResult } from './shrink.ts';

const SEEDS_MAX = 20;

function bugNamed(name: string): Bug {
  return BUGS.find((b) => b.name === name)!;
}

/** The chaos command's emphasis for a bug: its faults, not swarmed, 120/h, 10 clients. */
function bugConfig(bug: Bug, seed: number): SimConfig {
  return buildSimConfig({ seed, clients: 10, faults: { kinds: [...bug.faults], swarm: false, faultsPerHour: 120 } });
}

function firstFailure(bug: Bug): { config: SimConfig; plan: RunPlan; failed: readonly string[] } {
  for (let seed = 1; seed <= SEEDS_MAX; seed++) {
    const config = bugConfig(bug, seed);
    const { check, run } = checkRun({ config, variant: bug.variant });
    if (!check.ok) return { config, plan: run.plan, failed: check.failed };
  }
  throw new Error(`${bug.name}: no failure in seeds 1..${SEEDS_MAX}`);
}

function expectSmallerAndStillFailing(bug: Bug, shrunk: ShrinkResult): void {
  expect(shrunk.stoppedBy).not.toBe('not-reproduced');
  expect(shrunk.failed).toContain(bug.breaks);
  expect(shrunk.check.failed).toContain(bug.breaks);
  expect(shrunk.shrunk.clients).toBeLessThanOrEqual(shrunk.original.clients);
  expect(shrunk.shrunk.ops).toBeLessThan(shrunk.original.ops);
  expect(shrunk.shrunk.faults).toBeLessThan(shrunk.original.faults);
  expect(shrunk.shrunk.events).toBeLessThan(shrunk.original.events);
  expect(shrunk.plan.clocks).toHaveLength(shrunk.config.clients);
  for (const op of shrunk.plan.ops) expect(op.client).toBeLessThan(shrunk.config.clients);
  for (const fault of shrunk.plan.faults) expect(fault.client).toBeLessThan(shrunk.config.clients);
  expect(shrunk.steps.length).toBeGreaterThan(0);
  expect(shrunk.steps.at(-1)!.size).toEqual(shrunk.shrunk);
}

describe('shrinkFailure', () => {
  it.each(['transient-dead-lettered', 'lww-skewed-clocks'])('%s: shrinks to a smaller run that still fails the same checker', (name) => {
    const bug = bugNamed(name);
    const failure = firstFailure(bug);
    expect(failure.failed).toContain(bug.breaks);
    const shrunk = shrinkFailure({ config: failure.config, plan: failure.plan, variant: bug.variant, failing: [bug.breaks], wallMsMax: 15_000 });
    expectSmallerAndStillFailing(bug, shrunk);
    // Re-running the counterexample on its own fails the same way.
    const again = checkSeed({ config: shrunk.config, plan: shrunk.plan, variant: bug.variant });
    expect(again.failed).toContain(bug.breaks);
    expect(again.traceHash).toBe(shrunk.check.traceHash);
  });

  it("the shrunk counterexample's run file replays to the same trace hash", () => {
    const bug = bugNamed('transient-dead-lettered');
    const failure = firstFailure(bug);
    const shrunk = shrinkFailure({ config: failure.config, plan: failure.plan, variant: bug.variant, failing: failure.failed });
    const file = parseRunFile(JSON.parse(JSON.stringify(toRunFile(shrunk.run!, shrunk.check.summary))), 'shrunk.json');
    expect(file.variant).toBe(bug.name);
    expect(file.config.clients).toBe(shrunk.shrunk.clients);
    const replayed = runSimulation({ config: file.config, plan: file.plan, variant: variantByName(file.variant) });
    expect(replayed.history.traceHash).toBe(file.traceHash);
    expect(replayed.history.traceHash).toBe(shrunk.check.traceHash);
  });

  it('is deterministic: the same failure shrinks through the same steps to the same plan', () => {
    const bug = bugNamed('lww-skewed-clocks');
    const failure = firstFailure(bug);
    const options = { config: failure.config, plan: failure.plan, variant: bug.variant, failing: failure.failed };
    const a = shrinkFailure(options);
    const b = shrinkFailure(options);
    expect(a.steps).toEqual(b.steps);
    expect(a.plan).toEqual(b.plan);
    expect(a.config).toEqual(b.config);
    expect(a.runs).toBe(b.runs);
  });

  it('stops at the run budget and keeps the smallest failing run found so far', () => {
    const bug = bugNamed('transient-dead-lettered');
    const failure = firstFailure(bug);
    const shrunk = shrinkFailure({ config: failure.config, plan: failure.plan, variant: bug.variant, failing: failure.failed, runsMax: 4 });
    expect(shrunk.stoppedBy).toBe('runs-budget');
    expect(shrunk.runs).toBe(4);
    expect(shrunk.failed).toContain(bug.breaks);
  });

  it('says so when the run does not fail the named checkers', () => {
    const config = buildSimConfig({ seed: 2, clients: 4, teamSize: 2 });
    const shrunk = shrinkFailure({ config, plan: generatePlan(config), variant: variantByName('correct'), failing: ['at-most-once'] });
    expect(shrunk.stoppedBy).toBe('not-reproduced');
    expect(shrunk.steps).toEqual([]);
    expect(shrunk.runs).toBe(1);
  });

  it('refuses bad options naming the field', () => {
    const config = buildSimConfig({ seed: 2, clients: 2, teamSize: 1 });
    const base = { config, plan: generatePlan(config), variant: variantByName('correct') };
    expect(() => shrinkFailure({ ...base, failing: [] })).toThrow(/failing should be at least one checker name/);
    expect(() => shrinkFailure({ ...base, failing: ['no-such-checker'] })).toThrow(/failing should be a checker name/);
    expect(() => shrinkFailure({ ...base, failing: ['convergence'], runsMax: 0 })).toThrow(/runsMax should be an integer/);
  });
});

describe('shrink targets are (checker, rule) pairs', () => {
  // Rolling-upgrade seed 302499's story, with a stand-in for the simulation: the run breaks
  // eventual-delivery's early-retry rule only while one fault (the upgrade) is in the plan;
  // without it the run still fails eventual-delivery, but as not-converged: another failure.
  const config = buildSimConfig({ seed: 5, clients: 6, teamSize: 3, workload: { opsPerClientPerHour: 120 }, faults: { swarm: false, faultsPerHour: 600 } });
  const plan = generatePlan(config);
  const upgrade = plan.faults[Math.floor(plan.faults.length / 2)]!;
  const isUpgrade = (fault: Fault): boolean => fault.atMs === upgrade.atMs && fault.kind === upgrade.kind;
  const violation = (rule: string, t: number) => ({ rule, message: rule, clients: [], queueIds: [], t, slice: [] });

  /** With `alsoNotConverged`, the original run breaks both rules (the upgrade's run does not converge either). */
  const standIn = (alsoNotConverged: boolean) => (options: SeedRunOptions): { check: SeedCheck; run: null } => {
    const early = options.plan!.faults.some(isUpgrade);
    const violations = early ? [violation('early-retry', upgrade.atMs), ...(alsoNotConverged ? [violation('not-converged', config.durationMs)] : [])] : [violation('not-converged', config.durationMs)];
    const result: CheckResult = { name: 'eventual-delivery', property: 'p', valid: false, summary: 's', violations, violationCount: violations.length, rules: violations.map((v) => v.rule) };
    const events = options.plan!.ops.length + options.plan!.faults.length;
    const check: SeedCheck = { seed: 5, variant: 'correct', traceHash: '', ok: false, failed: ['eventual-delivery'], results: [result], summary: {} as RunSummary, events, wallMs: 0 };
    return { check, run: null };
  };

  it('a candidate failing the same checker under another rule is rejected', () => {
    const shrunk = shrinkFailure({ config, plan, variant: variantByName('correct'), failing: ['eventual-delivery'], check: standIn(false) });
    expect(shrunk.targets).toEqual(['eventual-delivery/early-retry']);
    expect(shrunk.failedRules).toEqual(['eventual-delivery/early-retry']);
    expect(shrunk.plan.faults.filter(isUpgrade)).toHaveLength(1);
    expect(shrunk.plan.faults.length + shrunk.plan.ops.length).toBeLessThan(plan.faults.length + plan.ops.length);
    expect(shrunk.steps.length).toBeGreaterThan(0);
    for (const step of shrunk.steps) expect(step.failedRules).toEqual(['eventual-delivery/early-retry']);
  });

  it('keeps a candidate that breaks any one of the pairs the original broke', () => {
    const shrunk = shrinkFailure({ config, plan, variant: variantByName('correct'), failing: ['eventual-delivery'], check: standIn(true) });
    expect(shrunk.targets).toEqual(['eventual-delivery/early-retry', 'eventual-delivery/not-converged']);
    expect(shrunk.plan.faults.filter(isUpgrade)).toHaveLength(0);
    expect(shrunk.failedRules).toEqual(['eventual-delivery/not-converged']);
    expect(shrunk.failed).toEqual(['eventual-delivery']);
  });
});

describe('client removal', () => {
  const config = buildSimConfig({ seed: 5, clients: 6, teamSize: 3, workload: { opsPerClientPerHour: 120 }, faults: { swarm: false, faultsPerHour: 600 } });
  const plan = generatePlan(config);

  it('keepClients drops the highest-index clients with their ops, faults and clocks', () => {
    const kept = keepClients({ config, plan }, 4);
    expect(kept.config.clients).toBe(4);
    expect(kept.config.teamSize).toBe(3);
    expect(kept.plan.clocks).toEqual(plan.clocks.slice(0, 4));
    expect(kept.plan.ops).toEqual(plan.ops.filter((op) => op.client < 4));
    expect(kept.plan.faults).toEqual(plan.faults.filter((fault) => fault.client < 4));
    expect(kept.plan.faults.some((fault) => fault.client === -1)).toBe(true); // server faults stay
  });

  it('renumberClients keeps the listed clients as 0..k-1, in order, with their clocks', () => {
    const renumbered = renumberClients({ config, plan }, [1, 4]);
    expect(renumbered.config.clients).toBe(2);
    expect(renumbered.config.teamSize).toBe(2);
    expect(renumbered.plan.clocks).toEqual([plan.clocks[1], plan.clocks[4]]);
    expect(renumbered.plan.ops.map((op) => op.atMs)).toEqual(plan.ops.filter((op) => op.client === 1 || op.client === 4).map((op) => op.atMs));
    expect(usedClients(renumbered.plan).every((client) => client === 0 || client === 1)).toBe(true);
  });
});

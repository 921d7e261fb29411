// The scenario catalogue (DESIGN §6): each real sync-engine bug story of
// shared/reference/bug-stories.md as a named scenario — its workload, its nemesis (faults drawn
// from the seed and, where the story needs precise timing, an explicit schedule), the engine
// options it runs with, and the checkers that guard it. Scenarios are data (STYLE 8): the
// entries live in scenarios/stories-*.ts and rollout.ts, built from scenarios/scenario-kit.ts;
// this file lists them in order, validates them on load, looks them up by name, and
// scenarioRun turns one and a seed into the config and plan a run executes.

import { buildEngineOptions } from '../engine/options.ts';
import { buildSimConfig } from '../sim/config.ts';
import { generatePlan } from '../sim/plan.ts';
import { CLIENT_FAULTS, FAULT_KINDS, type Fault, type FaultKind, type RunPlan, type SimConfig } from '../sim/types.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../sim/variants.ts';
import { CHECKER_NAMES, type CheckContext } from './checkers/index.ts';
import { ROLLING_UPGRADE_SCENARIO } from './rollout.ts';
import type { Scenario } from './scenario-kit.ts';
import { ACK_AND_CRASH_SCENARIOS } from './stories-acks-crashes.ts';
import { CLOCK_AND_CONFLICT_SCENARIOS } from './stories-clocks-conflicts.ts';
import { QUEUE_AND_ERROR_SCENARIOS } from './stories-queue-errors.ts';

// ---- the catalogue ----------------------------------------------------------------------

/** In this order: `syncstorm scenarios` lists them so. */
export const SCENARIOS: readonly Scenario[] = [...ACK_AND_CRASH_SCENARIOS, ...CLOCK_AND_CONFLICT_SCENARIOS, ...QUEUE_AND_ERROR_SCENARIOS, ROLLING_UPGRADE_SCENARIO];

// ---- lookups and runs -------------------------------------------------------------------

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Checks the catalogue on load: names kebab-case and unique, checkers known. A bad entry fails loudly, naming it. */
function validateCatalogue(scenarios: readonly Scenario[]): void {
  const seen = new Set<string>();
  for (const s of scenarios) {
    if (!KEBAB.test(s.name)) throw new Error(`scenario ${JSON.stringify(s.name)}: name should be kebab-case`);
    if (seen.has(s.name)) throw new Error(`scenario ${JSON.stringify(s.name)} is listed twice`);
    seen.add(s.name);
    if (s.guardedBy.length === 0) throw new Error(`scenario ${s.name}: guardedBy should name at least one checker`);
    const checkers = [...s.guardedBy, ...(s.expectFailure === undefined ? [] : [s.expectFailure.checker])];
    for (const checker of checkers) {
      if (!CHECKER_NAMES.includes(checker)) throw new Error(`scenario ${s.name}: unknown checker ${JSON.stringify(checker)}; known: ${CHECKER_NAMES.join(', ')}`);
    }
  }
}

validateCatalogue(SCENARIOS);

export function scenarioByName(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return scenario;
}

/** The scenario's config for one seed: its config, its engine options on top, validated by buildSimConfig. */
export function scenarioConfig(scenario: Scenario, seed: number): SimConfig {
  return buildSimConfig({ ...scenario.config, seed, engine: { ...scenario.config.engine, ...scenario.engine } });
}

/** The config and plan of one seed of a scenario: the generated plan, with the explicit schedule appended, faults sorted by time. */
export function scenarioRun(scenario: Scenario, seed: number): { config: SimConfig; plan: RunPlan } {
  const config = scenarioConfig(scenario, seed);
  const plan = generatePlan(config);
  if (scenario.schedule === undefined) return { config, plan };
  const scheduled = scenario.schedule(config);
  scheduled.forEach((fault, index) => checkScheduledFault(scenario.name, config, fault, index));
  // Array.prototype.sort is stable: at equal times generated faults come first, then the schedule's in order.
  const faults = [...plan.faults, ...scheduled].sort((a, b) => a.atMs - b.atMs);
  return { config, plan: { ...plan, faults } };
}

function checkScheduledFault(name: string, config: SimConfig, fault: Fault, index: number): void {
  const where = `scenario ${name}: schedule[${index}] (${JSON.stringify(fault)})`;
  if (!(FAULT_KINDS as readonly string[]).includes(fault.kind)) throw new Error(`${where}: kind should be one of ${FAULT_KINDS.join(', ')}`);
  if (!Number.isInteger(fault.atMs) || fault.atMs < 0 || fault.atMs >= config.durationMs) throw new Error(`${where}: atMs should be an integer in [0, ${config.durationMs})`);
  if (!Number.isInteger(fault.durationMs) || fault.durationMs < 1) throw new Error(`${where}: durationMs should be a positive integer`);
  if (!Number.isInteger(fault.param)) throw new Error(`${where}: param should be an integer`);
  const isClientFault = CLIENT_FAULTS.has(fault.kind);
  if (isClientFault && (!Number.isInteger(fault.client) || fault.client < 0 || fault.client >= config.clients)) {
    throw new Error(`${where}: client should be a client index from 0 to ${config.clients - 1}`);
  }
  if (!isClientFault && fault.client !== -1) throw new Error(`${where}: a server fault's client should be -1`);
}

/** One line for logs: the explicit schedule's faults by kind, e.g. `7 scheduled faults: server-failover×6 server-slow×1`. */
export function describeSchedule(scenario: Scenario, config: SimConfig): string {
  const faults = scenario.schedule?.(config) ?? [];
  if (faults.length === 0) return 'no scheduled faults';
  const counts = new Map<FaultKind, number>();
  for (const fault of faults) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
  return `${faults.length} scheduled fault${faults.length === 1 ? '' : 's'}: ${[...counts].map(([kind, n]) => `${kind}×${n}`).join(' ')}`;
}

/** What the checkers need of a run's engine options (the variant's forced options win, as in the runner). */
export function checkContextFor(config: SimConfig, variant: SystemVariant = CORRECT_SYSTEM): CheckContext {
  const engine = buildEngineOptions({ ...config.engine, ...variant.engine, clientId: 'check' });
  return { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs };
}

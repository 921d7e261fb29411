// What a chaos run runs: the base config, the variant and how a seed's plan is made, from
// `--scenario`, `--bug`, `--clients`, `--team-size`, `--duration` and `--policy` (a bug that needs a scenario, such as a
// broken migration needing an upgrade, brings it unless --scenario names one). Precedence, lowest first:
// DEFAULT_SIM_CONFIG, the scenario's config and engine options, the bug's emphasis (its fault kinds only, not swarmed, 120 faults per hour, 10
// clients unless the scenario sets its own count), then the flags. The variant is the bug's,
// else the scenario's, else the correct system. A scenario's explicit fault schedule is
// appended to each seed's generated plan. A bad name is a ChaosUsageError naming the flag.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSimConfig, CLIENTS_MAX, DURATION_MS_MAX, DURATION_MS_MIN, SimConfigError, type DeepPartial } from '../../sim/config.ts';
import { generatePlan } from '../../sim/plan.ts';
import type { Fault, RunPlan, SimConfig } from '../../sim/types.ts';
import { CORRECT_SYSTEM, variantByName, type SystemVariant } from '../../sim/variants.ts';
import { BUGS, type Bug } from '../bugs.ts';
import type { ConflictPolicy } from '../../engine/options.ts';
import { checkContextOf } from './run-seed.ts';

export const DEFAULT_SCENARIO = 'default';
/** The bug zoo's emphasis: its exposing faults, densely, on a small cluster. */
export const BUG_FAULTS_PER_HOUR = 120;
export const BUG_CLIENTS = 10;

export interface ChaosTargetFlags {
  readonly scenario?: string;
  readonly bug?: string;
  readonly clients?: number;
  /** Clients sharing one entity space, over the scenario's (capped at the cluster, as for run). */
  readonly teamSize?: number;
  readonly durationMs?: number;
  /** The conflict policy, over the scenario's. */
  readonly policy?: ConflictPolicy;
}

export interface ChaosTarget {
  readonly scenario: string;
  readonly bug: string | null;
  readonly variant: string;
  /** The base config (seed 0: every run replaces it). */
  readonly config: SimConfig;
  /** A seed's plan: the generated one, plus the scenario's explicit fault schedule if it has one. */
  readonly planFor: (config: SimConfig) => RunPlan;
  /** The scenario adds an explicit fault schedule to every seed's plan. */
  readonly scheduled: boolean;
  /** The scenario is a deliberate counterexample: this checker is expected to fail. */
  readonly expectedFailure: string | null;
  /** The conflict policy the engines run under (the variant's, else the config's). */
  readonly policy: ConflictPolicy;
}

/** A flag value the chaos command cannot use; the CLI reports it as a usage error (exit 2). */
export class ChaosUsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChaosUsageError';
  }
}

/** What chaos uses of a catalogue scenario (scenarios/catalogue.ts); fields past name and config are optional. */
interface CatalogueScenario {
  readonly name: string;
  readonly config: DeepPartial<SimConfig>;
  /** Engine options over config.engine. */
  readonly engine?: SimConfig['engine'];
  /** Faults at precise times, appended to the generated ones. */
  readonly schedule?: (config: SimConfig) => readonly Fault[];
  readonly variant?: string;
  readonly expectFailure?: { readonly checker: string };
}

export async function resolveChaosTarget(flags: ChaosTargetFlags): Promise<ChaosTarget> {
  const bug = flags.bug === undefined ? null : bugNamed(flags.bug);
  const scenarioName = flags.scenario ?? bug?.scenario ?? DEFAULT_SCENARIO;
  const scenario = await scenarioNamed(scenarioName);
  checkFlagRanges(flags);
  const variant = bug?.variant.name ?? scenario.variant ?? CORRECT_SYSTEM.name;
  let system: SystemVariant;
  try {
    system = variantByName(variant);
  } catch (error) {
    throw new ChaosUsageError('--scenario', `--scenario '${scenarioName}' names an unknown variant: ${(error as Error).message}`);
  }
  // A variant's own engine options win over the config's: a policy it pins cannot be changed.
  const pinned = system.engine.conflictPolicy;
  if (flags.policy !== undefined && pinned !== undefined && pinned !== flags.policy) {
    throw new ChaosUsageError('--policy', `--policy: variant '${variant}' runs under its own conflict policy '${pinned}', got '${flags.policy}'`);
  }
  const partial = composeConfig({ ...scenario.config, engine: { ...scenario.config.engine, ...scenario.engine } }, bug, flags);
  let config: SimConfig;
  try {
    config = buildSimConfig(partial);
  } catch (error) {
    if (!(error instanceof SimConfigError)) throw error;
    const flag = error.field === 'clients' ? '--clients' : error.field === 'teamSize' ? '--team-size' : error.field === 'durationMs' ? '--duration' : '--scenario';
    throw new ChaosUsageError(flag, `${flag}: the resulting config is not valid: ${error.message}`);
  }
  const planFor = plannerOf(scenario);
  checkSchedule(scenario, config);
  const policy = checkContextOf(config, system).conflictPolicy;
  return { scenario: scenarioName, bug: bug?.name ?? null, variant, config, planFor, scheduled: scenario.schedule !== undefined, expectedFailure: scenario.expectFailure?.checker ?? null, policy };
}

/** The plan of a seed under a scenario (by name), for worker threads that get only names. */
export async function seedPlanner(scenarioName: string): Promise<(config: SimConfig) => RunPlan> {
  return plannerOf(await scenarioNamed(scenarioName));
}

function plannerOf(scenario: CatalogueScenario): (config: SimConfig) => RunPlan {
  const schedule = scenario.schedule;
  if (schedule === undefined) return generatePlan;
  return (config) => {
    const plan = generatePlan(config);
    // Stable sort: at equal times the generated faults first, then the schedule's in order (as scenarioRun does).
    return { ...plan, faults: [...plan.faults, ...schedule(config)].sort((a, b) => a.atMs - b.atMs) };
  };
}

/** A schedule written for the scenario's own cluster may not fit --clients or --duration: say so up front. */
function checkSchedule(scenario: CatalogueScenario, config: SimConfig): void {
  if (scenario.schedule === undefined) return;
  for (const fault of scenario.schedule(config)) {
    if (fault.client >= config.clients) {
      throw new ChaosUsageError('--clients', `--clients: scenario '${scenario.name}' schedules '${fault.kind}' on client ${fault.client}, so it needs at least ${fault.client + 1} clients, got '${config.clients}'`);
    }
    if (fault.atMs >= config.durationMs) {
      throw new ChaosUsageError('--duration', `--duration: scenario '${scenario.name}' schedules '${fault.kind}' at ${fault.atMs} ms, so its chaos phase must be longer than that, got '${config.durationMs}ms'`);
    }
  }
}

function composeConfig(base: DeepPartial<SimConfig>, bug: Bug | null, flags: ChaosTargetFlags): DeepPartial<SimConfig> {
  const clients = flags.clients ?? base.clients ?? (bug === null ? undefined : BUG_CLIENTS);
  const teamSize = flags.teamSize ?? base.teamSize;
  const withBug: DeepPartial<SimConfig> =
    bug === null ? base : { ...base, faults: { ...base.faults, kinds: [...bug.faults], swarm: false, faultsPerHour: BUG_FAULTS_PER_HOUR } };
  const resolvedClients = clients ?? buildSimConfig({}).clients;
  return {
    ...withBug,
    seed: 0,
    ...(clients === undefined ? {} : { clients }),
    // A team never outgrows the cluster (a 3-client run keeps teams of at most 3).
    teamSize: Math.min(teamSize ?? buildSimConfig({}).teamSize, resolvedClients),
    ...(flags.durationMs === undefined ? {} : { durationMs: flags.durationMs }),
    ...(flags.policy === undefined ? {} : { engine: { ...withBug.engine, conflictPolicy: flags.policy } }),
  };
}

function checkFlagRanges(flags: ChaosTargetFlags): void {
  if (flags.clients !== undefined && (!Number.isInteger(flags.clients) || flags.clients < 1 || flags.clients > CLIENTS_MAX)) {
    throw new ChaosUsageError('--clients', `--clients must be an integer from 1 to ${CLIENTS_MAX}, got '${flags.clients}'`);
  }
  if (flags.teamSize !== undefined && (!Number.isInteger(flags.teamSize) || flags.teamSize < 1 || flags.teamSize > CLIENTS_MAX)) {
    throw new ChaosUsageError('--team-size', `--team-size must be an integer from 1 to ${CLIENTS_MAX}, got '${flags.teamSize}'`);
  }
  const d = flags.durationMs;
  if (d !== undefined && (!Number.isInteger(d) || d < DURATION_MS_MIN || d > DURATION_MS_MAX)) {
    throw new ChaosUsageError('--duration', `--duration must be from ${DURATION_MS_MIN} ms (1s) to ${DURATION_MS_MAX} ms (7 days), got '${d}ms'`);
  }
}

export function bugNamed(name: string): Bug {
  const bug = BUGS.find((b) => b.name === name);
  if (bug === undefined) throw new ChaosUsageError('--bug', `--bug must be a bug of the zoo (${BUGS.map((b) => b.name).join(', ')}), got '${name}'`);
  return bug;
}

/**
 * scenarios/catalogue.ts (when present) exports scenarioByName(name) → { name, config, variant? }.
 * Loaded by URL so this file builds with or without it. Without it only 'default' exists.
 */
async function scenarioNamed(name: string): Promise<CatalogueScenario> {
  const defaultScenario: CatalogueScenario = { name: DEFAULT_SCENARIO, config: {} };
  const lookup = await loadCatalogue();
  if (lookup === null) {
    if (name === DEFAULT_SCENARIO) return defaultScenario;
    throw new ChaosUsageError('--scenario', `--scenario must be '${DEFAULT_SCENARIO}' (this build has no scenario catalogue, scenarios/catalogue.ts), got '${name}'`);
  }
  let scenario: unknown;
  try {
    scenario = lookup.scenarioByName(name);
  } catch (error) {
    if (name === DEFAULT_SCENARIO) return defaultScenario;
    const known = lookup.names.length > 0 ? `'${DEFAULT_SCENARIO}' or a scenario of the catalogue (${lookup.names.join(', ')})` : `'${DEFAULT_SCENARIO}' or a scenario of the catalogue (${(error as Error).message})`;
    throw new ChaosUsageError('--scenario', `--scenario must be ${known}, got '${name}'`);
  }
  if (!isCatalogueScenario(scenario)) {
    throw new Error(`scenarios/catalogue.ts: scenarioByName('${name}') should return { name, config, engine?, schedule?, variant? }, got ${JSON.stringify(scenario)}`);
  }
  return scenario;
}

interface Catalogue {
  scenarioByName(name: string): unknown;
  readonly names: readonly string[];
}

async function loadCatalogue(): Promise<Catalogue | null> {
  const url = new URL('../catalogue.ts', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return null;
  const module = (await import(url.href)) as Record<string, unknown>;
  const scenarioByName = module['scenarioByName'];
  if (typeof scenarioByName !== 'function') throw new Error('scenarios/catalogue.ts should export scenarioByName(name)');
  const list = Object.values(module).find((value) => Array.isArray(value) && value.length > 0 && value.every(isCatalogueScenario)) as CatalogueScenario[] | undefined;
  return { scenarioByName: scenarioByName as (name: string) => unknown, names: list?.map((s) => s.name) ?? [] };
}

function isCatalogueScenario(value: unknown): value is CatalogueScenario {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['name'] === 'string' &&
    typeof v['config'] === 'object' &&
    v['config'] !== null &&
    (v['variant'] === undefined || typeof v['variant'] === 'string') &&
    (v['schedule'] === undefined || typeof v['schedule'] === 'function') &&
    (v['engine'] === undefined || (typeof v['engine'] === 'object' && v['engine'] !== null))
  );
}

// What a chaos run runs: the base config, the variant and how a seed's plan is made, from
// `--scenario`, `--bug`, `--clients`, `--team-size`, `--duration` and `--policy` (a bug that needs a scenario, such as a
// broken migration needing an upgrade, brings it unless --scenario names one). Precedence, lowest first:
// DEFAULT_SIM_CONFIG, the scenario's config and engine options, the bug's emphasis (its fault kinds only, not swarmed, 120 faults per hour, 10
// clients unless the scenario sets its own count), then the flags. The variant is the bug's,
// else the correct system. A scenario's explicit fault schedule is appended to each seed's
// generated plan. A bad name is a ChaosUsageError naming the flag.

import { buildSimConfig, CLIENTS_MAX, DURATION_MS_MAX, DURATION_MS_MIN, SimConfigError, type DeepPartial } from '../../sim/config.ts';
import { generatePlan } from '../../sim/plan.ts';
import type { RunPlan, SimConfig } from '../../sim/types.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../../sim/variants.ts';
import { BUGS, type Bug } from '../bugs.ts';
import { SCENARIOS } from '../catalogue.ts';
import type { Scenario } from '../scenario-kit.ts';
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

/** What chaos uses of a scenario: the catalogue's (scenarios/catalogue.ts), or the default one (no overrides). */
type CatalogueScenario = Pick<Scenario, 'name' | 'config' | 'engine' | 'schedule' | 'expectFailure'>;

export async function resolveChaosTarget(flags: ChaosTargetFlags): Promise<ChaosTarget> {
  const bug = flags.bug === undefined ? null : bugNamed(flags.bug);
  const scenarioName = flags.scenario ?? bug?.scenario ?? DEFAULT_SCENARIO;
  const scenario = scenarioNamed(scenarioName);
  checkFlagRanges(flags);
  const system: SystemVariant = bug?.variant ?? CORRECT_SYSTEM;
  const variant = system.name;
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
  return plannerOf(scenarioNamed(scenarioName));
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

/** The default simulation config, or a scenario of the catalogue (scenarios/catalogue.ts), by name. */
function scenarioNamed(name: string): CatalogueScenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario !== undefined) return scenario;
  if (name === DEFAULT_SCENARIO) return { name: DEFAULT_SCENARIO, config: {} };
  throw new ChaosUsageError('--scenario', `--scenario must be '${DEFAULT_SCENARIO}' or a scenario of the catalogue (${SCENARIOS.map((s) => s.name).join(', ')}), got '${name}'`);
}

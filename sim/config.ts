// A simulation run's configuration (STYLE §6): DEFAULT_SIM_CONFIG, buildSimConfig (deep-merge
// a partial over the defaults, validate every field, freeze), SimConfigError naming the dotted
// field and the bad value, and the client → team → user mapping the workload shares.

import { buildEngineOptions, DEFAULT_ENGINE_OPTIONS, OptionsError } from '../engine/options.ts';
import { CLOCK_DRIFT_PPM_MAX, CLOCK_OFFSET_MS_MAX } from './clock.ts';
import { buildLinkConfig, DEFAULT_LINK } from './link.ts';
import { clientReleaseIndex, CLIENT_RELEASES, LATEST_CLIENT_RELEASE, LATEST_SERVER_RELEASE, serverReleaseIndex, SERVER_RELEASES } from './releases.ts';
import { SWARM_FAULT_KINDS, type FaultKind, type SimConfig } from './types.ts';

const SECOND_MS = 1000;
const HOUR_MS = 60 * 60 * SECOND_MS;
const DAY_MS = 24 * HOUR_MS;

export const CLIENTS_MAX = 10_000;
export const DURATION_MS_MIN = SECOND_MS;
export const DURATION_MS_MAX = 7 * DAY_MS;
export const CONVERGENCE_BUDGET_MS_MAX = 30 * DAY_MS;
export const OPS_PER_CLIENT_PER_HOUR_MAX = 100_000;
export const ENTITIES_PER_TEAM_MAX = 1_000_000;
export const ZIPF_S_MAX = 4;
export const FAULTS_PER_HOUR_MAX = 100_000;
export const FAULT_DURATION_MS_MAX = 7 * DAY_MS;
/** Most ops (and faults) a plan may expect: past this a plan would not fit in memory. */
export const PLAN_OPS_EXPECTED_MAX = 10_000_000;
export const PLAN_FAULTS_EXPECTED_MAX = 1_000_000;

/** Objects merge field by field; arrays and scalars replace. */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? readonly E[]
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export const DEFAULT_SIM_CONFIG: SimConfig = deepFreeze({
  seed: 1,
  clients: 50,
  teamSize: 5,
  durationMs: 10 * 60 * SECOND_MS,
  convergenceBudgetMs: 2 * HOUR_MS,
  // The harness runs the skew-safe policy by default; the engine's own default (lww-client-clock,
  // as the seed design had it) is what the clock-skew scenario shows losing updates.
  engine: { conflictPolicy: 'lww-hlc' },
  workload: { opsPerClientPerHour: 60, entitiesPerTeam: 20, zipfS: 1.0, writePerMille: 800, deletePerMille: 50 },
  clock: { skewMsMax: 5 * 60 * SECOND_MS, driftPpmMax: 100 },
  link: {},
  faults: { swarm: true, kinds: [...SWARM_FAULT_KINDS], faultsPerHour: 60, durationMsMin: 5 * SECOND_MS, durationMsMax: 3 * 60 * SECOND_MS },
  recordMessages: true,
  release: { client: LATEST_CLIENT_RELEASE, server: LATEST_SERVER_RELEASE },
});

export class SimConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    expectation: string,
  ) {
    super(`${field} should be ${expectation}, got ${describeValue(value)}`);
    this.name = 'SimConfigError';
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Clients are grouped into teams of teamSize consecutive indices; a team shares one entity space. */
export function teamOf(client: number, teamSize: number): number {
  return Math.floor(client / teamSize);
}

/** The user (server-side account) a team's clients sign in as. */
export function userOfTeam(team: number): string {
  return 'team-' + team;
}

/** Merges partial over DEFAULT_SIM_CONFIG, validates every field, and returns a frozen config. */
export function buildSimConfig(partial: DeepPartial<SimConfig> = {}): SimConfig {
  requirePlainObject('config', partial);
  const d = DEFAULT_SIM_CONFIG;
  requireKnownKeys('', partial, d);
  const config: SimConfig = {
    seed: partial.seed ?? d.seed,
    clients: partial.clients ?? d.clients,
    teamSize: partial.teamSize ?? d.teamSize,
    durationMs: partial.durationMs ?? d.durationMs,
    convergenceBudgetMs: partial.convergenceBudgetMs ?? d.convergenceBudgetMs,
    engine: mergeSection('engine', d.engine, partial.engine),
    workload: mergeSection('workload', d.workload, partial.workload),
    clock: mergeSection('clock', d.clock, partial.clock),
    link: mergeSection('link', d.link, partial.link),
    faults: mergeSection('faults', d.faults, partial.faults),
    recordMessages: partial.recordMessages ?? d.recordMessages,
    release: mergeSection('release', d.release, partial.release),
  };
  validateTop(config);
  validateEngine(config.engine);
  validateWorkload(config);
  validateClock(config);
  validateLink(config.link);
  validateFaults(config);
  validateRelease(config);
  return deepFreeze({ ...config, faults: { ...config.faults, kinds: [...config.faults.kinds] } });
}

function mergeSection<T extends object>(field: string, defaults: T, partial: unknown): T {
  if (partial === undefined) return { ...defaults };
  requirePlainObject(field, partial);
  return { ...defaults, ...partial };
}

function validateTop(config: SimConfig): void {
  requireInteger('seed', config.seed, 0, Number.MAX_SAFE_INTEGER);
  requireInteger('clients', config.clients, 1, CLIENTS_MAX);
  requireInteger('teamSize', config.teamSize, 1, config.clients);
  requireInteger('durationMs', config.durationMs, DURATION_MS_MIN, DURATION_MS_MAX);
  requireInteger('convergenceBudgetMs', config.convergenceBudgetMs, 0, CONVERGENCE_BUDGET_MS_MAX);
  requireBoolean('recordMessages', config.recordMessages);
}

/** Engine options are checked by the engine's own builder; its field names get an `engine.` prefix. */
function validateEngine(engine: SimConfig['engine']): void {
  requireKnownKeys('engine.', engine, DEFAULT_ENGINE_OPTIONS);
  try {
    buildEngineOptions({ ...engine, clientId: 'sim-config-check' });
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    throw new SimConfigError(`engine.${error.field}`, error.value, expectationOf(error.message, error.field));
  }
}

function validateWorkload(config: SimConfig): void {
  const w = config.workload;
  requireKnownKeys('workload.', w, DEFAULT_SIM_CONFIG.workload);
  requireInteger('workload.opsPerClientPerHour', w.opsPerClientPerHour, 0, OPS_PER_CLIENT_PER_HOUR_MAX);
  requireInteger('workload.entitiesPerTeam', w.entitiesPerTeam, 1, ENTITIES_PER_TEAM_MAX);
  if (typeof w.zipfS !== 'number' || !Number.isFinite(w.zipfS) || w.zipfS < 0 || w.zipfS > ZIPF_S_MAX) {
    throw new SimConfigError('workload.zipfS', w.zipfS, `a number from 0 to ${ZIPF_S_MAX}`);
  }
  requireInteger('workload.writePerMille', w.writePerMille, 0, 1000);
  // The rest of the thousand are reads, so the two together may not pass 1000.
  requireInteger('workload.deletePerMille', w.deletePerMille, 0, 1000 - w.writePerMille);
  const hours = config.durationMs / HOUR_MS;
  const perClientMax = Math.floor(PLAN_OPS_EXPECTED_MAX / (config.clients * hours));
  if (w.opsPerClientPerHour > perClientMax) {
    const expectation = `at most ${perClientMax} for ${config.clients} clients over ${config.durationMs} ms (a plan expects at most ${PLAN_OPS_EXPECTED_MAX} ops)`;
    throw new SimConfigError('workload.opsPerClientPerHour', w.opsPerClientPerHour, expectation);
  }
}

function validateClock(config: SimConfig): void {
  requireKnownKeys('clock.', config.clock, DEFAULT_SIM_CONFIG.clock);
  requireInteger('clock.skewMsMax', config.clock.skewMsMax, 0, CLOCK_OFFSET_MS_MAX);
  requireInteger('clock.driftPpmMax', config.clock.driftPpmMax, 0, CLOCK_DRIFT_PPM_MAX);
}

/** The link's own builder checks values; its messages start with the field name, prefixed here with `link.`. */
function validateLink(link: SimConfig['link']): void {
  requireKnownKeys('link.', link, DEFAULT_LINK);
  try {
    buildLinkConfig(link);
  } catch (error) {
    const match = error instanceof Error ? /^(\w+) should be /.exec(error.message) : null;
    if (match === null) throw error;
    const field = match[1] as keyof typeof DEFAULT_LINK;
    const value = link[field] ?? DEFAULT_LINK[field];
    throw new SimConfigError(`link.${field}`, value, expectationOf((error as Error).message, field));
  }
}

function validateFaults(config: SimConfig): void {
  const f = config.faults;
  requireKnownKeys('faults.', f, DEFAULT_SIM_CONFIG.faults);
  requireBoolean('faults.swarm', f.swarm);
  if (!Array.isArray(f.kinds)) throw new SimConfigError('faults.kinds', f.kinds, `an array of fault kinds`);
  const seen = new Set<FaultKind>();
  f.kinds.forEach((kind: unknown, index) => {
    if (typeof kind !== 'string' || !(SWARM_FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new SimConfigError(`faults.kinds.${index}`, kind, `one of ${SWARM_FAULT_KINDS.join(', ')} (upgrades are scheduled by a scenario, not drawn)`);
    }
    if (seen.has(kind as FaultKind)) throw new SimConfigError(`faults.kinds.${index}`, kind, 'listed once (a duplicate)');
    seen.add(kind as FaultKind);
  });
  requireInteger('faults.faultsPerHour', f.faultsPerHour, 0, FAULTS_PER_HOUR_MAX);
  requireInteger('faults.durationMsMin', f.durationMsMin, 1, FAULT_DURATION_MS_MAX);
  requireInteger('faults.durationMsMax', f.durationMsMax, f.durationMsMin, FAULT_DURATION_MS_MAX);
  const perHourMax = Math.floor(PLAN_FAULTS_EXPECTED_MAX / (config.durationMs / HOUR_MS));
  if (f.faultsPerHour > perHourMax) {
    const expectation = `at most ${perHourMax} over ${config.durationMs} ms (a plan expects at most ${PLAN_FAULTS_EXPECTED_MAX} faults)`;
    throw new SimConfigError('faults.faultsPerHour', f.faultsPerHour, expectation);
  }
}

function validateRelease(config: SimConfig): void {
  requireKnownKeys('release.', config.release, DEFAULT_SIM_CONFIG.release);
  if (clientReleaseIndex(config.release.client) < 0) {
    throw new SimConfigError('release.client', config.release.client, `one of ${CLIENT_RELEASES.map((r) => r.name).join(', ')}`);
  }
  if (serverReleaseIndex(config.release.server) < 0) {
    throw new SimConfigError('release.server', config.release.server, `one of ${SERVER_RELEASES.map((r) => r.name).join(', ')}`);
  }
}

function requireInteger(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimConfigError(field, value, `an integer from ${min} to ${max}`);
  }
}

function requireBoolean(field: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new SimConfigError(field, value, 'true or false');
}

function requirePlainObject(field: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimConfigError(field, value, 'an object');
  }
}

/** A misspelt field would otherwise be silently ignored and its default used. */
function requireKnownKeys(prefix: string, value: object, known: object): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      const expectation = `absent (not a known field; known: ${Object.keys(known).join(', ')})`;
      throw new SimConfigError(prefix + key, (value as Record<string, unknown>)[key], expectation);
    }
  }
}

/** The "…" of another builder's `${field} should be …, got ${value}` message. */
function expectationOf(message: string, field: string): string {
  const head = `${field} should be `;
  const start = message.startsWith(head) ? head.length : 0;
  const end = message.lastIndexOf(', got ');
  return end > start ? message.slice(start, end) : message.slice(start);
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

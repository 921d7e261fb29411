// The simulator's data: a run's configuration, the workload and fault schedule it executes
// (plain data generated from the seed, so a run file can carry them and shrinking can cut
// them), and the fault kinds of DESIGN §5.

import type { EngineOptions } from '../engine/options.ts';
import type { LinkConfig } from './link.ts';

export const FAULT_KINDS = [
  // network, per client link
  'partition', // both directions dropped
  'partition-request', // asymmetric: requests dropped
  'partition-response', // asymmetric: responses dropped (the server still applies)
  'loss', // requests and responses dropped with lossPerMille
  'duplicate', // messages delivered twice
  'reorder', // messages held back so later ones overtake
  'latency', // latency spike
  'offline', // the device goes offline (the engine is told), then back
  // server
  'server-5xx', // 500/503 answers with errorPerMille
  'server-429', // 429 + Retry-After
  'server-413', // pushes over a small item limit refused with 413
  'token-expiry', // every token expires at once; clients must refresh
  'commit-then-fail', // the push is applied, then answered 500 (the ack is lost)
  'server-slow', // answers delayed
  'server-crash', // down for the duration, then restarts from durable state
  'server-rollback', // restored from an older snapshot: new epoch, recent writes gone
  'server-failover', // a fresh instance over the same durable state; in-flight requests lost
  'permanent-error', // items refused for good (403 forbidden, e.g. a permission change) with perMille
  // client
  'client-crash', // crash between two effects, restart after the duration
  'storage-quota', // commits fail with a quota error during the window
  // clock
  'clock-step', // the client's clock jumps (forward or backward)
  'clock-drift', // the client's clock drift changes
  // rollout (sim/releases.ts): scheduled by a scenario, never drawn by the swarm
  'client-upgrade', // the app closes, installs another engine release for the duration, restarts into it (migrating its store)
  'server-upgrade', // the server starts accepting another range of protocol versions (permanent)
  // server, again: last in the list, so the swarm draws of every kind above stay where they were
  // (a seed whose swarm leaves this kind off keeps its plan from before it existed)
  'item-busy', // items answered with a retryable item error (busy: a row lock timed out) with perMille, the rest of the batch applied
  // client, again
  'second-tab', // a second engine (a browser tab) opens over the client's store for the duration; the person works in it
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Upgrades are deliberate, not chaos: a scenario's schedule places them. */
export const ROLLOUT_KINDS: ReadonlySet<FaultKind> = new Set(['client-upgrade', 'server-upgrade']);

/** The kinds the swarm draws from (and a config may allow): every kind but the rollout ones. */
export const SWARM_FAULT_KINDS: readonly FaultKind[] = FAULT_KINDS.filter((kind) => !ROLLOUT_KINDS.has(kind));

export const CLIENT_FAULTS: ReadonlySet<FaultKind> = new Set([
  'partition', 'partition-request', 'partition-response', 'loss', 'duplicate', 'reorder', 'latency', 'offline',
  'client-crash', 'storage-quota', 'clock-step', 'clock-drift', 'client-upgrade', 'second-tab',
]);

/** One scheduled fault. `client` is a client index for client faults, -1 for server faults. */
export interface Fault {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly durationMs: number;
  readonly client: number;
  /** Kind-specific integer parameters: perMille, retryAfterMs, deltaMs, driftPpm, latencyMs, itemsMax, crashAfterEffects. */
  readonly param: number;
}

export type WorkloadAction = 'write' | 'delete' | 'read';

/**
 * One user operation as data. Resolved against the client's local view when it runs:
 * 'write' creates the entity if the client does not know it, else updates one field.
 */
export interface WorkloadOp {
  readonly atMs: number;
  readonly client: number;
  readonly action: WorkloadAction;
  /** Index into the client's team's entity space. */
  readonly entity: number;
}

export interface WorkloadConfig {
  readonly opsPerClientPerHour: number;
  /** Entities in each team's shared space. */
  readonly entitiesPerTeam: number;
  /** Zipf exponent for choosing entities: 0 is uniform, ~1 is a few hot keys. */
  readonly zipfS: number;
  readonly writePerMille: number;
  readonly deletePerMille: number;
  /** The rest are reads. */
}

export interface ClockConfig {
  /** Each client's offset is drawn in [-skewMsMax, +skewMsMax]. */
  readonly skewMsMax: number;
  readonly driftPpmMax: number;
}

export interface FaultConfig {
  /** Swarm testing: the seed switches some fault kinds off and weights the rest. */
  readonly swarm: boolean;
  /** Kinds allowed at all (before the swarm draw). */
  readonly kinds: readonly FaultKind[];
  /** Mean faults per simulated hour, across the whole run. */
  readonly faultsPerHour: number;
  readonly durationMsMin: number;
  readonly durationMsMax: number;
}

export interface SimConfig {
  readonly seed: number;
  readonly clients: number;
  readonly teamSize: number;
  /** Chaos phase length (simulated). */
  readonly durationMs: number;
  /** Liveness phase: after healing, how long (simulated) the system has to converge. */
  readonly convergenceBudgetMs: number;
  readonly engine: Partial<Omit<EngineOptions, 'clientId'>>;
  readonly workload: WorkloadConfig;
  readonly clock: ClockConfig;
  readonly link: Partial<LinkConfig>;
  readonly faults: FaultConfig;
  /** Record every message in the history (large runs may turn this off). */
  readonly recordMessages: boolean;
  /** The releases the run starts on (sim/releases.ts); 'client-upgrade' and 'server-upgrade' faults change them. */
  readonly release: ReleaseConfig;
}

export interface ReleaseConfig {
  /** Every client's engine release at the start. */
  readonly client: string;
  readonly server: string;
}

/** The schedule a run executes: everything random about the run's inputs, as data. */
export interface RunPlan {
  readonly ops: readonly WorkloadOp[];
  readonly faults: readonly Fault[];
  /** Kinds the swarm draw switched on, with their weights, for printing. */
  readonly faultMix: Readonly<Partial<Record<FaultKind, number>>>;
  readonly clocks: readonly { readonly offsetMs: number; readonly driftPpm: number }[];
}

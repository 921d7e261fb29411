// The rolling-upgrade scenario (issue #8): a fleet starts on engine release v1 (local schema
// v1, wire protocol 1) against a v1 server; during the chaos phase the server is upgraded to
// accept protocol 2, then clients restart one by one into v2 — migrating their stores on
// start, some losing power in the middle of the migration — while the rest stay on v1 to
// the end. The usual swarm keeps running throughout, and every checker judges the whole run.
// The order is the safe one (server first): clients that reach a server too old for them stop
// syncing until it is upgraded, which the scenario would show as an eventual-delivery failure.

import { clientReleaseNamed, clientUpgradeParam, serverReleaseIndex } from '../sim/releases.ts';
import { RngStreams } from '../sim/rng.ts';
import type { Fault, SimConfig } from '../sim/types.ts';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** A fault-stream name of its own, so the rollout never moves the workload or the swarm. */
const STREAM_ROLLOUT = 'rollout';
/** Of every 1000 clients, this many upgrade during the run; the rest stay on v1 (a mixed fleet at the heal). */
const UPGRADED_PER_MILLE = 700;
/** Of the upgrades, this many lose power in the middle of the migration. */
const POWER_LOSS_PER_MILLE = 400;
/** Migration steps from v1 to v2 (one per schema version between them); a power loss lands before one of them. */
const MIGRATION_STEPS_V1_TO_V2 = clientReleaseNamed('v2').schemaVersion - clientReleaseNamed('v1').schemaVersion;

/** The server at 10% of the chaos phase, then the clients (a seeded order and subset) between 20% and 85%. */
export function rolloutSchedule(config: SimConfig): Fault[] {
  const rng = new RngStreams(config.seed).stream(STREAM_ROLLOUT);
  const { durationMs } = config;
  const faults: Fault[] = [{ atMs: Math.floor(durationMs / 10), kind: 'server-upgrade', durationMs: SECOND_MS, client: -1, param: serverReleaseIndex('v2') }];
  const windowStartMs = Math.floor(durationMs / 5);
  const windowEndMs = Math.floor((durationMs * 85) / 100);
  for (let client = 0; client < config.clients; client++) {
    const upgrades = rng.chance(UPGRADED_PER_MILLE);
    const atMs = rng.int(windowStartMs, windowEndMs);
    const downMs = rng.int(5 * SECOND_MS, 60 * SECOND_MS);
    const crashBeforeStep = rng.chance(POWER_LOSS_PER_MILLE) ? rng.int(1, MIGRATION_STEPS_V1_TO_V2) : 0;
    if (upgrades) faults.push({ atMs, kind: 'client-upgrade', durationMs: downMs, client, param: clientUpgradeParam('v2', crashBeforeStep) });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

export const ROLLING_UPGRADE_SCENARIO = {
  name: 'rolling-upgrade',
  title: 'Rolling upgrade: stores migrated and protocol 2 rolled out across a fleet, mid-chaos',
  story:
    'issue #8 (upgrades under chaos); TigerBeetle’s VOPR upgrades replicas mid-run; Hive-style versioned local schemas; ' +
    'a protocol change is riskiest while old and new clients share one server',
  description:
    'Every client starts on release v1 (local schema v1, protocol 1: updates sent as whole entities) against a server that accepts ' +
    'only protocol 1. At 10% of the chaos phase the server is upgraded to accept 1–2; from 20% to 85% about 70% of the clients, in ' +
    'an order drawn from the seed, close, install v2 and restart: the store migrates v1 → v5 one atomic step at a time (about 40% ' +
    'lose power before one of the steps and finish on the next start), then the engine speaks protocol 2 (field deltas). The rest ' +
    'stay on v1, so old and new clients write the same entities until the end. The swarm runs throughout; every checker judges the run.',
  config: {
    clients: 12,
    teamSize: 4,
    durationMs: 20 * MINUTE_MS,
    convergenceBudgetMs: 2 * HOUR_MS,
    engine: { backoffBaseMs: 1_000, backoffCapMs: 60_000 },
    workload: { opsPerClientPerHour: 240, entitiesPerTeam: 12, zipfS: 1.0, writePerMille: 800, deletePerMille: 80 },
    release: { client: 'v1', server: 'v1' },
  },
  schedule: rolloutSchedule,
  guardedBy: ['local-durability', 'at-most-once', 'per-entity-order', 'eventual-delivery', 'convergence', 'no-lost-ack'],
  catches: ['migration-drops-queued-deletes'],
} as const;

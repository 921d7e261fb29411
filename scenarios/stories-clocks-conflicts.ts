// Catalogue scenarios (scenarios/catalogue.ts), second part: skewed and stepped clocks (the
// clock-skew-lww counterexample and its skew-safe twin), a late push behind a checkpoint, a
// stale update resurrecting a deleted entity, and the echo of a client's own writes.

import type { DeepPartial } from '../sim/config.ts';
import type { Fault, SimConfig } from '../sim/types.ts';
import { BUSY, clientFault, HOUR_MS, MINUTE_MS, NO_GENERATED_FAULTS, QUICK_BACKOFF, SECOND_MS, serverFault, SMALL_TEAM, type Scenario } from './scenario-kit.ts';

/**
 * Clock-skew twins: clocks skewed up to ±3 h, a few contended entities, writes rare enough that
 * the write holding an entity on the server is often minutes old, and clients offline for three
 * minutes in turn so their writes reach the server late, on a stale base revision.
 */
const SKEW_CONFIG: DeepPartial<SimConfig> = {
  clients: 6,
  teamSize: 3,
  durationMs: 12 * MINUTE_MS,
  convergenceBudgetMs: HOUR_MS,
  engine: QUICK_BACKOFF,
  workload: { opsPerClientPerHour: 120, entitiesPerTeam: 5, zipfS: 0.5, writePerMille: 900, deletePerMille: 0 },
  clock: { skewMsMax: 3 * HOUR_MS, driftPpmMax: 100 },
  faults: NO_GENERATED_FAULTS,
};

/** Client 0 of each team steps 3 h back; then each client of a team in turn spends three minutes offline, writing. */
function skewSchedule(config: SimConfig): Fault[] {
  const faults: Fault[] = [];
  for (let client = 0; client < config.clients; client += config.teamSize) {
    faults.push(clientFault('clock-step', client, SECOND_MS, SECOND_MS, -3 * HOUR_MS));
  }
  for (let client = 0; client < config.clients; client++) {
    faults.push(clientFault('offline', client, 30 * SECOND_MS + (client % config.teamSize) * 210 * SECOND_MS, 3 * MINUTE_MS));
  }
  return faults;
}

export const CLOCK_AND_CONFLICT_SCENARIOS: readonly Scenario[] = [
  {
    name: 'clock-skew-lww',
    title: 'Clock-skew LWW overwrite (deliberately unsafe policy)',
    story: 'DESIGN §3: the seed design\'s lww-client-clock policy; #12 rxdb#6292 (trusting client updatedAt)',
    description:
      'Clocks skewed up to ±3 h and one client per team stepped 3 h back; clients write five contended entities while offline for ' +
      'three minutes in turn. Under lww-client-clock a write made minutes later in true time loses to an earlier one from a fast clock: ' +
      'this scenario must FAIL lww-real-time, naming the skew. Its twin clock-skew-hlc passes the same seeds.',
    config: SKEW_CONFIG,
    schedule: skewSchedule,
    engine: { conflictPolicy: 'lww-client-clock' },
    guardedBy: ['lww-real-time'],
    expectFailure: { checker: 'lww-real-time', mentions: 'skew' },
  },
  {
    name: 'clock-skew-hlc',
    title: 'Clock-skew LWW with the skew-safe policy',
    story: 'DESIGN §3 skew-safe LWW (hybrid logical clock); twin of clock-skew-lww',
    description:
      'The clock-skew-lww workload and schedule (±3 h skew, a 3 h backward step, offline writers) under lww-hlc: stamps corrected by ' +
      'the NTP-style skew estimate and a hybrid logical clock, so the write made last in true time wins.',
    config: SKEW_CONFIG,
    schedule: skewSchedule,
    engine: { conflictPolicy: 'lww-hlc' },
    guardedBy: ['lww-real-time', 'convergence', 'conflict-accounting'],
    catches: ['lww-skewed-clocks'],
  },
  {
    name: 'late-push-behind-checkpoint',
    title: 'Late-arriving push behind a client-clock checkpoint',
    story: '#12 rxdb#6292 (a checkpoint based on client updatedAt misses late-arriving documents) and rxdb PR#6684',
    description:
      'Client 1\'s clock is stepped 3 h back and its pushes are held up (offline, then a 20 s latency spike) while the others keep ' +
      'pulling: its writes reach the server minutes late with old client times. Pull cursors are server sequences, so nobody may miss them.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      clock: { skewMsMax: 10 * MINUTE_MS, driftPpmMax: 100 },
      faults: NO_GENERATED_FAULTS,
    },
    schedule: () => [
      clientFault('clock-step', 1, 30 * SECOND_MS, SECOND_MS, -3 * HOUR_MS),
      clientFault('offline', 1, MINUTE_MS, 90 * SECOND_MS),
      clientFault('latency', 1, 150 * SECOND_MS, MINUTE_MS, 20 * SECOND_MS),
    ],
    guardedBy: ['convergence', 'cursor-monotonic', 'no-lost-ack', 'lww-real-time'],
    catches: ['lww-skewed-clocks'],
  },
  {
    name: 'create-delete-stale-update-resurrects',
    title: 'create → delete → stale update resurrects',
    story: '#13 WatermelonDB#1219 and #649 (create→sync→delete→sync resurrects the record), #1462',
    description:
      'Deletes are frequent (25 %) on four hot entities per team, and clients go offline for a minute in turn, so their updates to ' +
      'entities another client deleted arrive late; a tombstone is final: no older op may bring the entity back.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: { opsPerClientPerHour: 600, entitiesPerTeam: 4, zipfS: 0.8, writePerMille: 650, deletePerMille: 250 },
      faults: { swarm: false, kinds: ['offline', 'partition'], faultsPerHour: 24, durationMsMin: 10 * SECOND_MS, durationMsMax: MINUTE_MS },
    },
    schedule: (config) => Array.from({ length: config.clients }, (_, client) => clientFault('offline', client, 30 * SECOND_MS + client * 40 * SECOND_MS, MINUTE_MS)),
    guardedBy: ['tombstone-safety', 'convergence', 'conflict-accounting'],
    catches: ['tombstone-resurrection'],
  },
  {
    name: 'echo-overwrites-local-edit',
    title: 'Echo of own writes overwrites a newer local edit',
    story: '#13 WatermelonDB#649 (server timestamps later than lastPulledAt echo back) and #20 TanStack/db#1323 (a refetch raced ahead of the queue and reverted state)',
    description:
      'Pushes are applied but answered 500 (and some 503s), so items stay pending while pulls keep bringing the echo of the client\'s ' +
      'own earlier writes and others\' changes to the same hot entities; a local read must still see the pending edit.',
    config: {
      ...SMALL_TEAM,
      engine: { ...QUICK_BACKOFF, syncIntervalMs: 10_000 },
      workload: { opsPerClientPerHour: 900, entitiesPerTeam: 4, zipfS: 1.0, writePerMille: 600, deletePerMille: 0 },
      faults: { swarm: false, kinds: ['commit-then-fail', 'server-5xx'], faultsPerHour: 24, durationMsMin: 10 * SECOND_MS, durationMsMax: MINUTE_MS },
    },
    schedule: () => [serverFault('commit-then-fail', MINUTE_MS, 90 * SECOND_MS, 700)],
    guardedBy: ['read-your-writes', 'convergence'],
    catches: ['pull-overwrites-pending'],
  },
];

// The scenario catalogue (DESIGN §6): each real sync-engine bug story of
// shared/reference/bug-stories.md as a named scenario — its workload, its nemesis (faults drawn
// from the seed and, where the story needs precise timing, an explicit schedule), the engine
// options it runs with, and the checkers that guard it. Scenarios are data (STYLE 8);
// scenarioRun turns one and a seed into the config and plan a run executes.

import { buildEngineOptions } from '../engine/options.ts';
import { CRASH_TARGETS, type CrashTarget } from '../sim/client.ts';
import { buildSimConfig, type DeepPartial } from '../sim/config.ts';
import { generatePlan } from '../sim/plan.ts';
import { CLIENT_FAULTS, FAULT_KINDS, type Fault, type FaultKind, type RunPlan, type SimConfig, type WorkloadOp } from '../sim/types.ts';
import { CORRECT_SYSTEM, type SystemVariant } from '../sim/variants.ts';
import { CHECKER_NAMES, type CheckContext } from './checkers/index.ts';
import { ROLLING_UPGRADE_SCENARIO } from './rollout.ts';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

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

function clientFault(kind: FaultKind, client: number, atMs: number, durationMs: number, param = 0): Fault {
  return { atMs, kind, durationMs, client, param };
}

function serverFault(kind: FaultKind, atMs: number, durationMs: number, param = 0): Fault {
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
function lastWriteOf(config: SimConfig, client: number): WorkloadOp | null {
  const ops = generatePlan(config).ops;
  for (let i = ops.length - 1; i >= 0; i--) if (ops[i]!.client === client && ops[i]!.action === 'write') return ops[i]!;
  return null;
}

/** A crash armed at the client's first write at or after fromMs (or at fromMs when it has none): it cuts that write's step. */
function crashAtWrite(config: SimConfig, client: number, fromMs: number, afterEffects: number, downMs: number): Fault {
  const atMs = nextWriteOf(config, client, fromMs)?.atMs ?? fromMs;
  return clientFault('client-crash', client, atMs, downMs, crashParam('write', afterEffects));
}

// ---- shared pieces ----------------------------------------------------------------------

/** A small team, busy enough that every fault bites: an op every ~6 s per client, 5 simulated minutes, quick backoff. */
const SMALL_TEAM = { clients: 6, teamSize: 3, durationMs: 5 * MINUTE_MS, convergenceBudgetMs: HOUR_MS } as const;
const QUICK_BACKOFF = { backoffBaseMs: 1_000, backoffCapMs: 60_000 } as const;
const BUSY = { opsPerClientPerHour: 600, entitiesPerTeam: 10, zipfS: 1.0, writePerMille: 800, deletePerMille: 50 } as const;
const NO_GENERATED_FAULTS = { swarm: false, kinds: [], faultsPerHour: 0 } as const;

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

// ---- the catalogue ----------------------------------------------------------------------

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'lost-ack-replayed-twice',
    title: 'Lost ack replayed twice',
    story: '#1 firebase-android-sdk#8440: a batch whose ack was lost was replayed and increment() ran twice',
    description:
      'Responses are dropped after the server applied the push (asymmetric partition-response: a minute each on clients 1, 2 and 4, ' +
      'plus windows drawn from the seed) while teammates keep writing the same five hot entities; the engine resends under the same ' +
      'queueIds, and each replay must be answered from the idempotency record, applied once. Under client-wins, so a replay the server ' +
      'fails to recognise is forced through and applied twice instead of being absorbed as a conflict.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: { ...BUSY, entitiesPerTeam: 5 },
      faults: { swarm: false, kinds: ['partition-response'], faultsPerHour: 24, durationMsMin: 10 * SECOND_MS, durationMsMax: MINUTE_MS },
    },
    schedule: () => [1, 2, 4].map((client, i) => clientFault('partition-response', client, MINUTE_MS + i * 50 * SECOND_MS, MINUTE_MS)),
    // client-wins re-sends every conflicting item: a replay that slipped past idempotency is applied again, not absorbed as a conflict.
    engine: { conflictPolicy: 'client-wins' },
    guardedBy: ['at-most-once', 'no-lost-ack', 'convergence'],
    catches: ['no-server-dedup'],
  },
  {
    name: 'ack-lost-network-toggle',
    title: 'Ack lost and item re-sent after a network toggle',
    story: '#2 firebase-ios-sdk#772 and firebase-js-sdk PR#559 (acked-but-held writes resent after a network toggle); #9 powersync.dart#253 (flaky connect/disconnect)',
    description:
      'Clients 1 and 4 lose the answers to their pushes for 20 s (a 5 s request timeout, so several are lost), then go offline while ' +
      'those items are still held (between the server\'s ack and its local removal), then flap offline/online four more times; the ' +
      'items are re-sent in order, answered as replays, applied once, and the queue drains.',
    config: { ...SMALL_TEAM, engine: { ...QUICK_BACKOFF, requestTimeoutMs: 5_000 }, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () =>
      [1, 4].flatMap((client, i) => {
        const atMs = MINUTE_MS + i * 7_919;
        return [
          clientFault('partition-response', client, atMs, 20 * SECOND_MS),
          clientFault('offline', client, atMs + 15 * SECOND_MS, 30 * SECOND_MS),
          ...[0, 1, 2, 3].map((k) => clientFault('offline', client, atMs + MINUTE_MS + k * 30 * SECOND_MS, 10 * SECOND_MS)),
        ];
      }),
    guardedBy: ['at-most-once', 'per-entity-order', 'local-durability', 'eventual-delivery'],
    catches: ['new-queueid-on-retry', 'no-entity-order'],
  },
  {
    name: 'error-500-after-commit',
    title: '500 after commit',
    story: '#5 rocicorp/mono PR#4608: the server errored after committing; the client waited forever',
    description:
      'For a minute every push is applied and then answered 500 (commit-then-fail), plus drawn windows of it; the client must retry ' +
      'under the same queueIds, learn the outcome from the replay, and not wait forever.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      faults: { swarm: false, kinds: ['commit-then-fail'], faultsPerHour: 12, durationMsMin: 5 * SECOND_MS, durationMsMax: 30 * SECOND_MS },
    },
    schedule: () => [serverFault('commit-then-fail', MINUTE_MS, MINUTE_MS, 1000)],
    guardedBy: ['at-most-once', 'eventual-delivery', 'no-lost-ack', 'error-classification'],
    catches: ['transient-dead-lettered', 'no-backoff'],
  },
  {
    name: 'failover-resend-applied',
    title: 'Applied-but-unacked ops re-sent to a new server instance',
    story: '#6 rocicorp/mono PR#5985: applied-but-unacked mutations resent to a new node after failover or redeploy',
    description:
      'Answers are slowed by 3 s for four minutes and the server fails over to a fresh instance every 30 s, so pushes applied by the ' +
      'old instance lose their answers; the re-sends reach the new instance, which must answer them as replays from the durable state.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [
      serverFault('server-slow', 30 * SECOND_MS, 4 * MINUTE_MS, 3 * SECOND_MS),
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => serverFault('server-failover', 30 * SECOND_MS + i * 30 * SECOND_MS, SECOND_MS)),
    ],
    // As in lost-ack-replayed-twice: a replay the new instance failed to recognise is applied again, not absorbed as a conflict.
    engine: { conflictPolicy: 'client-wins' },
    guardedBy: ['at-most-once', 'no-lost-ack', 'convergence'],
    catches: ['no-server-dedup'],
  },
  {
    name: 'server-restored-from-backup',
    title: 'Server restored from backup (time goes back)',
    story: '#7 rocicorp/todo-nextjs PR#13 (mutations "from the future" ignored after a restore) and medic/cht-core#8093 (a client-only checkpoint never re-uploads)',
    description:
      'The server snapshots at 1 min and is restored from it at 2.5 min (a new epoch: 90 s of acked writes gone), and again later for ' +
      '45 s; every client must notice the epoch, pull the restored state, and re-upload what it lost — never absorb the loss silently.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [serverFault('server-rollback', MINUTE_MS, 90 * SECOND_MS), serverFault('server-rollback', 3 * MINUTE_MS, 45 * SECOND_MS)],
    guardedBy: ['no-lost-ack', 'convergence', 'cursor-monotonic', 'local-durability'],
  },
  {
    name: 'crash-between-write-and-enqueue',
    title: 'Crash between local write and enqueue',
    story: '#8 replicache#40 and replicache PR#799: pending writes lost on refresh or tab close',
    description:
      'Crashes aimed at local writes: on clients 0–2 the first write after 1, 2 and 3 min is cut after 0, 1 and 2 of its effects ' +
      '(before the commit, between the commit and the reply, after the reply), the last write of clients 3–5 is cut after its first ' +
      'effect with the client down until the heal, plus crashes drawn from the seed; an ok write must stay durable and queued, an ' +
      'unanswered one is unknown but never half-done.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      faults: { swarm: false, kinds: ['client-crash'], faultsPerHour: 24, durationMsMin: 5 * SECOND_MS, durationMsMax: 30 * SECOND_MS },
    },
    schedule: (config) => [
      ...[0, 1, 2].flatMap((afterEffects) => [0, 1, 2].map((client) => crashAtWrite(config, client, (1 + afterEffects) * MINUTE_MS + client * 5 * SECOND_MS, afterEffects, 20 * SECOND_MS))),
      // The last write of clients 3–5 cut right after its first effect, down until the heal: no later write can hide a lost one.
      ...[3, 4, 5].flatMap((client) => {
        const op = lastWriteOf(config, client);
        return op === null ? [] : [clientFault('client-crash', client, op.atMs, config.durationMs, crashParam('write', 1))];
      }),
    ],
    guardedBy: ['local-durability', 'convergence', 'read-your-writes'],
    catches: ['ack-before-durable'],
  },
  {
    name: 'crash-between-pull-apply-and-cursor-save',
    title: 'Crash between pull apply and cursor save',
    story: '#11 pouchdb#1240: the checkpoint advanced before the docs were written, so an abort lost changes permanently',
    description:
      'Crashes aimed at pull answers: on every client a crash is armed for its next pull result, cut after 0, 1 or 2 effects, three ' +
      'times in the run; after the restart the cursor must not have moved past changes that were not applied.',
    config: {
      ...SMALL_TEAM,
      engine: { ...QUICK_BACKOFF, syncIntervalMs: 10_000 },
      workload: BUSY,
      faults: NO_GENERATED_FAULTS,
    },
    schedule: (config) =>
      [0, 1, 2].flatMap((round) =>
        // Odd offsets: a restart on a round second would put the client's pull interval in phase with the runner's convergence check.
        Array.from({ length: config.clients }, (_, client) => clientFault('client-crash', client, (1 + round) * MINUTE_MS + client * 3_217 + 411, 15_173, crashParam('pull-result', (client + round) % 3))),
      ),
    guardedBy: ['convergence', 'cursor-monotonic'],
    catches: ['cursor-before-apply'],
  },
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
  {
    name: 'queue-stuck-after-reboot',
    title: 'Queue stuck after reboot until a new write',
    story: '#19 firebase-android-sdk#3221 (the queue stays blocked after a reboot until a new write is made); #10 powersync.dart PR#203 (upload not triggered on reconnect)',
    description:
      'Writes are rare (one every ~90 s per client) and there is no background sync interval. Clients 1 and 4 queue writes behind a ' +
      'partition, crash, and reboot after it healed; the restarted engine must resume its queue by itself, from its durable state. ' +
      'Limitation: the heal at the end sends every client a sync, so a queue that only moves on a new write is caught only if that ' +
      'write or sync never comes before the budget runs out.',
    config: {
      ...SMALL_TEAM,
      durationMs: 10 * MINUTE_MS,
      engine: { ...QUICK_BACKOFF, syncIntervalMs: 0 },
      workload: { opsPerClientPerHour: 40, entitiesPerTeam: 10, zipfS: 1.0, writePerMille: 900, deletePerMille: 50 },
      faults: NO_GENERATED_FAULTS,
    },
    schedule: () => [1, 4].flatMap((client) => [
      clientFault('partition', client, 30 * SECOND_MS, 4 * MINUTE_MS),
      // Armed at 3 min, the crash cuts the client's next step (a retry behind the partition); it reboots at 5 min, with the link back.
      clientFault('client-crash', client, 3 * MINUTE_MS, 2 * MINUTE_MS, crashParam('any', 0)),
    ]),
    guardedBy: ['eventual-delivery', 'local-durability', 'convergence'],
  },
  {
    name: 'permanent-error-blocks-queue',
    title: 'Permanent error blocks the queue forever',
    story: '#19 firebase-android-sdk#6181 (a permission change while offline silently drops data); #15 electric#1552 (must-refetch loops)',
    description:
      'For two minutes 30 % of pushed items are refused for good (403 forbidden), plus drawn windows; each must be dead-lettered with ' +
      'its payload (not retried forever, not dropped), and the items behind it must keep flowing.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      faults: { swarm: false, kinds: ['permanent-error'], faultsPerHour: 12, durationMsMin: 10 * SECOND_MS, durationMsMax: MINUTE_MS },
    },
    schedule: () => [serverFault('permanent-error', MINUTE_MS, 2 * MINUTE_MS, 300)],
    guardedBy: ['error-classification', 'eventual-delivery', 'conflict-accounting'],
    catches: ['permanent-retried-forever'],
  },
  {
    name: 'retry-storm',
    title: 'Retry storm / refetch loop',
    story: '#15 electric @core/sync-service@1.6.4 (a non-monotonic cursor made over 600 requests/s) and electric#1552/#2689/#3116 (409 refetch loops)',
    description:
      'Ten clients against a server answering 90 % of requests 503 for three minutes, then 429 with a 20 s Retry-After for a minute, ' +
      'with the engine\'s default backoff (10 s base): retries must back off exponentially with jitter, honour Retry-After, and keep ' +
      'each client\'s request rate bounded.',
    config: {
      clients: 10,
      teamSize: 5,
      durationMs: 6 * MINUTE_MS,
      convergenceBudgetMs: 2 * HOUR_MS,
      engine: { backoffBaseMs: 10_000 },
      workload: { opsPerClientPerHour: 300, entitiesPerTeam: 20, zipfS: 1.0, writePerMille: 800, deletePerMille: 50 },
      faults: NO_GENERATED_FAULTS,
    },
    schedule: () => [serverFault('server-5xx', 30 * SECOND_MS, 3 * MINUTE_MS, 900), serverFault('server-429', 4 * MINUTE_MS, MINUTE_MS, 20 * SECOND_MS)],
    guardedBy: ['eventual-delivery', 'error-classification'],
    catches: ['no-backoff', 'transient-dead-lettered'],
  },
  {
    name: 'dropped-message-wedges-updates',
    title: 'One dropped message wedges all later updates',
    story: '#18 yjs#550 and nextcloud/text#4600 (one dropped message leaves later updates pending forever); #17 automerge#702',
    description:
      'Single messages go missing: short request-only and response-only blackouts (2 s) on clients 1 and 2 every 40 s, and a lossy ' +
      'window; every later update must still be delivered in per-entity order and the stores converge.',
    config: {
      ...SMALL_TEAM,
      engine: { ...QUICK_BACKOFF, requestTimeoutMs: 10_000 },
      workload: { ...BUSY, opsPerClientPerHour: 900, entitiesPerTeam: 4 },
      faults: { swarm: false, kinds: ['loss'], faultsPerHour: 12, durationMsMin: 5 * SECOND_MS, durationMsMax: 20 * SECOND_MS },
    },
    schedule: () =>
      [0, 1, 2, 3, 4, 5].flatMap((i) => [
        clientFault(i % 2 === 0 ? 'partition-request' : 'partition-response', 1, 20 * SECOND_MS + i * 40 * SECOND_MS, 2 * SECOND_MS),
        clientFault(i % 2 === 0 ? 'partition-response' : 'partition-request', 2, 30 * SECOND_MS + i * 40 * SECOND_MS, 2 * SECOND_MS),
      ]),
    guardedBy: ['eventual-delivery', 'convergence', 'per-entity-order'],
    catches: ['no-entity-order'],
  },
  {
    name: 'two-tabs-same-item',
    title: 'Two tabs pushing the same item (modelled as duplicated requests)',
    story: '#4 rocicorp/mono PR#4250 (several tabs pushed the same mutation: duplicate "alreadyProcessed"); #3 rocicorp/mono PR#6340 (tab interleaving)',
    description:
      'Not modelable yet: the simulator runs one engine per store, with no second tab over the same queue. The closest thing is modelled: ' +
      'every request of clients 1 and 4 is delivered twice (so the same item reaches the server from two concurrent sends) and some are ' +
      'reordered; each queueId must be applied once and per-entity order kept.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [1, 4].flatMap((client) => [clientFault('duplicate', client, 20 * SECOND_MS, 4 * MINUTE_MS, 1000), clientFault('reorder', client, 20 * SECOND_MS, 4 * MINUTE_MS, 300)]),
    guardedBy: ['at-most-once', 'per-entity-order'],
  },
  {
    name: 'quota-exceeded-stops-sync',
    title: 'Quota exceeded stops sync',
    story: '#19 firebase-js-sdk#5031: IndexedDB quota exhaustion blocks sending',
    description:
      'Clients 1 and 3 hit the storage quota for two minutes (every commit fails): their writes in the window fail cleanly, what was ' +
      'already queued stays durable, no tight loop, and sync resumes by itself once space frees up.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: (config) => [
      clientFault('storage-quota', 1, MINUTE_MS, 2 * MINUTE_MS),
      clientFault('storage-quota', 3, 90 * SECOND_MS, 2 * MINUTE_MS),
      // Still full at the heal: no later write can reuse what a lost one was told.
      clientFault('storage-quota', 5, config.durationMs - MINUTE_MS, MINUTE_MS),
    ],
    guardedBy: ['local-durability', 'eventual-delivery', 'convergence'],
    catches: ['ack-before-durable'],
  },
  {
    name: 'token-expiry-mid-push',
    title: 'Token expiry mid-push',
    story: 'no story is about tokens exactly; closest: #19 firebase-android-sdk#6181 (an auth change mid-sync silently drops data) and #10 powersync-kotlin#340 (an error treated as completion)',
    description:
      'Every token expires at once, five times, while answers are slowed by 2 s so pushes are in flight: the 401s must lead to a ' +
      'token refresh and a re-send, never to a dead letter, a dropped item or a double apply.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [
      serverFault('server-slow', 30 * SECOND_MS, 4 * MINUTE_MS, 2 * SECOND_MS),
      ...[1, 2, 3, 4, 5].map((i) => serverFault('token-expiry', i * 45 * SECOND_MS, SECOND_MS)),
    ],
    guardedBy: ['local-durability', 'eventual-delivery', 'error-classification', 'at-most-once'],
  },
  {
    name: 'upload-exception-silent-drop',
    title: 'Upload exception treated as success (silent drop)',
    story: '#10 powersync-kotlin#340 (an exception treated as completion), powersync-swift#179 (not retried after a throw)',
    description:
      'Pushes fail in every transient way — 503s, timeouts behind a partition, connection refused while the server is down; none may ' +
      'be taken as an ack or a dead letter: every op is retried until it is acked.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      faults: { swarm: false, kinds: ['server-5xx', 'partition', 'server-crash'], faultsPerHour: 36, durationMsMin: 5 * SECOND_MS, durationMsMax: 40 * SECOND_MS },
    },
    schedule: () => [serverFault('server-5xx', MINUTE_MS, MINUTE_MS, 800), serverFault('server-crash', 150 * SECOND_MS, 20 * SECOND_MS)],
    guardedBy: ['error-classification', 'local-durability', 'eventual-delivery', 'no-lost-ack'],
    catches: ['transient-dead-lettered', 'server-ack-before-flush'],
  },
  {
    name: 'never-marked-synced',
    title: 'Record never marked synced, pushed forever',
    story: '#14 WatermelonDB#1752: a record never marked synced is pushed again and again',
    description:
      'Acks are lost on lossy links (responses only) and replays come back; each acked item must leave the queue with exactly one ' +
      'fate, and after the heal every queue is empty rather than re-pushing the same records.',
    config: {
      ...SMALL_TEAM,
      engine: QUICK_BACKOFF,
      workload: BUSY,
      link: { responseLossPerMille: 100 },
      faults: { swarm: false, kinds: ['partition-response', 'loss'], faultsPerHour: 24, durationMsMin: 5 * SECOND_MS, durationMsMax: 30 * SECOND_MS },
    },
    guardedBy: ['eventual-delivery', 'conflict-accounting', 'at-most-once'],
  },
  ROLLING_UPGRADE_SCENARIO,
];

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

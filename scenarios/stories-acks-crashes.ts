// Catalogue scenarios (scenarios/catalogue.ts), first part: lost acks and replays, a 500 after
// commit, failover and a server restored from backup, and client crashes aimed at a local write
// or a pull's apply — the stories where an op must be applied once and never lost.

import { BUSY, clientFault, crashAtWrite, crashParam, lastWriteOf, MINUTE_MS, NO_GENERATED_FAULTS, QUICK_BACKOFF, SECOND_MS, serverFault, SMALL_TEAM, type Scenario } from './scenario-kit.ts';

export const ACK_AND_CRASH_SCENARIOS: readonly Scenario[] = [
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
    // Not no-entity-order any more: a later op overtook the held one only while its backoff ran
    // on after the link was back; now the first pull answered ok frees it (dropped-message-wedges-updates catches that bug).
    catches: ['new-queueid-on-retry'],
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
];

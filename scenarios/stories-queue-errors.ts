// Catalogue scenarios (scenarios/catalogue.ts), third part: a queue that must keep moving — after
// a reboot, past permanent errors, through retry storms, dropped and duplicated messages, a full
// disk, expired tokens and failed uploads — until every item has exactly one fate.

import { BUSY, clientFault, crashParam, HOUR_MS, MINUTE_MS, NO_GENERATED_FAULTS, QUICK_BACKOFF, SECOND_MS, serverFault, SMALL_TEAM, type Scenario } from './scenario-kit.ts';

export const QUEUE_AND_ERROR_SCENARIOS: readonly Scenario[] = [
  {
    name: 'queue-stuck-after-reboot',
    title: 'Queue stuck after reboot until a new write',
    story: '#19 firebase-android-sdk#3221 (the queue stays blocked after a reboot until a new write is made); #10 powersync.dart PR#203 (upload not triggered on reconnect)',
    description:
      'Writes are rare (one every ~90 s per client) and there is no background sync interval. Clients 1 and 4 queue writes behind a ' +
      'partition, crash, and reboot after it healed; the restarted engine must resume its queue by itself, from its durable state. ' +
      'Limitation: the heal at the end sends every client a sync, so a queue that only moves on a new write is caught only if that ' +
      'write or sync never comes before the budget runs out. With no interval nothing pulls unasked, so once all is quiet a client still ' +
      'behind its head gets a final read (sim/convergence.ts); none goes out while any item is queued, so it hides no stuck queue.',
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
    name: 'cursor-advanced-past-failed-item',
    title: 'Cursor advanced past a failed item',
    story: '#11 pouchdb PR#5033/#4963 (a doc that failed to write was skipped as the checkpoint advanced); #12 rxdb PR#6684 (the checkpoint advanced past documents that failed validation); #10 powersync-kotlin#340 (an upload exception treated as completion)',
    description:
      'For three minutes the server answers a third of pushed items busy (a retryable item error) and, for one of them, a tenth ' +
      'forbidden (for good), applying the rest of each batch: the queue must not move past a refused item. Each busy one is sent ' +
      'again until it is acked, each forbidden one is dead-lettered with its payload, and none is dropped as if it were done.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [serverFault('item-busy', MINUTE_MS, 3 * MINUTE_MS, 333), serverFault('permanent-error', 2 * MINUTE_MS, MINUTE_MS, 100)],
    guardedBy: ['local-durability', 'eventual-delivery', 'error-classification', 'conflict-accounting'],
    catches: ['failed-item-skipped', 'transient-dead-lettered', 'permanent-retried-forever'],
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
    title: 'Two tabs pushing the same item',
    story: '#4 rocicorp/mono PR#4250 (several tabs pushed the same mutation: duplicate "alreadyProcessed"); #3 rocicorp/mono PR#6340 (tab interleaving)',
    description:
      'Clients 1 and 4 each open a second tab over their store (one IndexedDB, two engines) for four minutes, and client 1 a third for a ' +
      'minute inside that; the person writes in the newest tab while the older ones keep syncing the same queue. A tab whose image is older ' +
      'than the store (another committed since) has its commit refused as stale and rebuilds from storage, holding its items until a pull ' +
      'tells it what the server has; a write refused so is made again. Each queueId must be applied once, in entity order, with no queue id ' +
      'handed out twice and no write lost.',
    config: { ...SMALL_TEAM, engine: QUICK_BACKOFF, workload: BUSY, faults: NO_GENERATED_FAULTS },
    schedule: () => [
      clientFault('second-tab', 1, 20 * SECOND_MS, 4 * MINUTE_MS),
      clientFault('second-tab', 4, 40 * SECOND_MS, 4 * MINUTE_MS),
      clientFault('second-tab', 1, 2 * MINUTE_MS, MINUTE_MS),
    ],
    guardedBy: ['at-most-once', 'per-entity-order', 'local-durability', 'convergence'],
    catches: ['unguarded-tab-commits'],
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
];

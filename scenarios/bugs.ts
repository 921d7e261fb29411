// The bug zoo (DESIGN §7): named, opt-in broken variants of the engine or the server, one per
// classic sync bug, each with the property it breaks and the real bug story behind it. Never
// active by default, and not reachable through EngineOptions: only `--bug NAME` selects one.
// The harness is only as good as the bugs it catches: the chaos run must catch every one.

import { CORRECT_VARIANT, type CoreVariant } from '../engine/core/variant.ts';
import { MIGRATIONS_DROPPING_QUEUED_DELETES } from '../engine/schema/broken.ts';
import { registerVariant, type ServerBug, type SystemVariant } from '../sim/variants.ts';
import type { FaultKind } from '../sim/types.ts';

export interface Bug {
  readonly name: string;
  /** The checker expected to catch it. */
  readonly breaks: string;
  readonly description: string;
  /** The real-world story (shared/reference/bug-stories.md). */
  readonly story: string;
  /** Faults that expose it: the zoo's chaos runs switch these on (with the rest of the swarm). */
  readonly faults: readonly FaultKind[];
  readonly variant: SystemVariant;
  /** The catalogue scenario it needs (a migration bug needs an upgrade): `chaos --bug` runs it unless --scenario names another. */
  readonly scenario?: string;
}

function engineBug(name: string, core: Partial<CoreVariant>, engine: SystemVariant['engine'] = {}): SystemVariant {
  return { name, core: { ...CORRECT_VARIANT, ...core, name }, serverBugs: [], engine };
}

function serverBug(name: string, bug: ServerBug): SystemVariant {
  return { name, core: CORRECT_VARIANT, serverBugs: [bug], engine: {} };
}

export const BUGS: readonly Bug[] = [
  {
    name: 'no-server-dedup',
    breaks: 'at-most-once',
    description: 'the server ignores the idempotency key: a replayed push is applied again',
    story: 'firebase-android-sdk#8440: a batch whose ack was lost was replayed and increment() ran twice',
    faults: ['commit-then-fail', 'partition-response'],
    variant: serverBug('no-server-dedup', 'no-dedup'),
  },
  {
    name: 'new-queueid-on-retry',
    breaks: 'local-durability',
    description: 'each retry of an op carries a fresh idempotency key',
    story: 'rocicorp/mono#4250: several senders pushed the same mutation under different ids',
    faults: ['commit-then-fail', 'partition-response', 'server-5xx'],
    variant: engineBug('new-queueid-on-retry', { newQueueIdOnRetry: true }),
  },
  {
    name: 'non-atomic-write-enqueue',
    breaks: 'convergence',
    description: 'the local write and its queue item commit in two transactions; a crash between them loses the op',
    story: 'replicache#40: pending writes lost on refresh or tab close',
    faults: ['client-crash'],
    variant: engineBug('non-atomic-write-enqueue', { splitWriteAndEnqueue: true }),
  },
  {
    name: 'ack-before-durable',
    breaks: 'local-durability',
    description: 'a local write is answered ok before its commit is durable',
    story: 'replicache PR#799: a write reported done was gone after the crash',
    faults: ['client-crash', 'storage-quota'],
    variant: engineBug('ack-before-durable', { replyBeforeCommit: true }),
  },
  {
    name: 'server-ack-before-flush',
    breaks: 'no-lost-ack',
    description: 'the server acks pushes before they reach its disk; a crash silently loses them (same epoch)',
    story: 'rocicorp/todo-nextjs#13 and medic/cht-core#8093: the server went back in time and the data was never re-uploaded',
    faults: ['server-crash'],
    variant: serverBug('server-ack-before-flush', 'ack-before-durable'),
  },
  {
    name: 'no-entity-order',
    breaks: 'per-entity-order',
    description: 'any pending op may be sent, not only the oldest of its entity',
    story: 'firebase-ios-sdk#772: "Mutation batchIDs must be acknowledged in order"',
    faults: ['server-5xx', 'loss', 'reorder'],
    variant: engineBug('no-entity-order', { ignoreEntityOrder: true }),
  },
  {
    name: 'lww-skewed-clocks',
    breaks: 'lww-real-time',
    description: 'last-writer-wins on raw client clocks (the seed design\'s default) lets a fast clock win every fight',
    story: 'rxdb#6292: a checkpoint based on client updatedAt misses late writes',
    faults: ['clock-step', 'offline'],
    variant: engineBug('lww-skewed-clocks', {}, { conflictPolicy: 'lww-client-clock' }),
  },
  {
    name: 'cursor-before-apply',
    breaks: 'convergence',
    description: 'the pull cursor is saved in its own transaction before the pulled changes are applied',
    story: 'pouchdb#1240: the checkpoint advanced before the docs were written, so an abort lost changes',
    faults: ['client-crash'],
    variant: engineBug('cursor-before-apply', { cursorBeforeApply: true }),
  },
  {
    name: 'transient-dead-lettered',
    breaks: 'error-classification',
    description: 'a 5xx or a timeout dead-letters the op instead of retrying it',
    story: 'powersync-kotlin#340: an upload exception treated as completion (silent drop)',
    faults: ['server-5xx', 'partition'],
    variant: engineBug('transient-dead-lettered', { deadLetterTransient: true }),
  },
  {
    name: 'permanent-retried-forever',
    breaks: 'error-classification',
    description: 'a permanent error (403) is retried forever and blocks its entity',
    story: 'firebase-android-sdk#6181: a permission change while offline; electric#1552: must-refetch loops',
    faults: ['permanent-error'],
    variant: engineBug('permanent-retried-forever', { retryPermanent: true }),
  },
  {
    name: 'failed-item-skipped',
    breaks: 'local-durability',
    description: 'an item the server answers with an error (busy, forbidden) leaves the queue as if it were done: neither retried nor dead-lettered',
    story: 'pouchdb PR#5033/#4963: a doc that failed to write was skipped as the checkpoint advanced; powersync-kotlin#340: an upload exception treated as completion',
    faults: ['item-busy', 'permanent-error'],
    variant: engineBug('failed-item-skipped', { skipFailedItems: true }),
  },
  {
    name: 'unguarded-tab-commits',
    breaks: 'local-durability',
    description: "two tabs over one store commit without checking that it is unchanged since they loaded it: both hand out the same queue ids, and one tab's write is lost under the other's",
    story: 'rocicorp/mono PR#4250 and PR#6340: several tabs over one IndexedDB pushed the same mutations and interleaved; firebase-js-sdk multi-tab persistence: only the tab holding the primary lease writes',
    faults: ['second-tab'],
    variant: engineBug('unguarded-tab-commits', { unguardedCommits: true }),
  },
  {
    name: 'no-backoff',
    breaks: 'eventual-delivery',
    description: 'retries go out at once: no exponential backoff, Retry-After ignored (a retry storm)',
    story: 'electric @core/sync-service@1.6.4: a non-monotonic cursor caused over 600 requests/s',
    faults: ['server-5xx', 'server-429'],
    variant: engineBug('no-backoff', { nextDelayMs: () => 0 }),
  },
  {
    name: 'pull-overwrites-pending',
    breaks: 'read-your-writes',
    description: 'a pulled change replaces the local view, hiding a pending local edit',
    story: 'WatermelonDB#649 and TanStack/db#1323: a refetch raced ahead of the queue and reverted state',
    faults: ['commit-then-fail', 'server-5xx'],
    variant: engineBug('pull-overwrites-pending', { pullOverwritesPending: true }),
  },
  {
    name: 'tombstone-resurrection',
    breaks: 'tombstone-safety',
    description: 'the server forgets tombstones: a stale update or create brings a deleted entity back',
    story: 'WatermelonDB#1219: create→sync→delete→sync resurrects the record',
    faults: ['offline', 'partition'],
    variant: serverBug('tombstone-resurrection', 'resurrect-tombstones'),
  },
  {
    name: 'migration-drops-queued-deletes',
    breaks: 'local-durability',
    description: 'the v2 → v3 local schema migration also "cleans up" queued deletes (their payload is empty): a delete queued before the upgrade never reaches the server',
    story: 'issue #8: a migration that loses queued items is the classic way an app update loses offline work (Realm and Hive migration bugs)',
    faults: ['offline', 'partition'],
    variant: { name: 'migration-drops-queued-deletes', core: CORRECT_VARIANT, serverBugs: [], engine: {}, migrations: MIGRATIONS_DROPPING_QUEUED_DELETES },
    scenario: 'rolling-upgrade',
  },
];

for (const bug of BUGS) registerVariant(bug.variant);

export function bugByName(name: string): Bug {
  const bug = BUGS.find((b) => b.name === name);
  if (bug === undefined) throw new Error(`unknown bug ${JSON.stringify(name)}; known: ${BUGS.map((b) => b.name).join(', ')}`);
  return bug;
}

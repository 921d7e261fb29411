// The local schema's history: every earlier on-disk shape of the records, as an ordered list
// of migrations. The latest version is engine/model.ts as it is now; version k's shape is
// what you get by undoing migrations k…latest-1 (steps.ts backwardRecord), newest first.
//
//   v1  first release. No schema record at all (versioning came with v2): a store holding
//       data without metadata/'schema' is version 1. Queue items kept their retry state in
//       one object `retry: { count, notBefore, error }` and their change in `data`;
//       conflicts named their op in `target: { queueId, type, id }` and their fields `clashes`;
//       entities carried a `dirty` flag.
//   v2  retry state and conflict targets split into top-level fields.
//   v3  `data` renamed `payload` (as on the wire), `clashes` renamed `clashingFields`.
//   v4  queue priorities (default 0) and the time a conflict was detected (0: unknown).
//   v5  entity `dirty` dropped (derived from the queue); queue items record `sent`
//       (default true: an item from before may have reached the server, the safe guess).
//
// A dead letter keeps a whole queue item under `item`, so every queue-item step is repeated
// for dead_letter with `within: 'item'`.
//
// Under VersionedStorage(k), fields added after k read back as their default: an old release
// does not keep what it does not know. For the simulator's "old release" that is harmless:
// `sent` is reset to true on every load anyway (core/image.ts), nothing sets a priority, and
// `detectedAt` is only displayed.

import type { JsonValue } from '../protocol.ts';
import type { SchemaStep } from './steps.ts';

export interface Migration {
  /** The version this migration upgrades from; it produces fromVersion + 1. */
  readonly fromVersion: number;
  readonly name: string;
  readonly steps: readonly SchemaStep[];
}

/** A step without its box, to place on several boxes. */
type StepBody = SchemaStep extends infer S ? (S extends SchemaStep ? Omit<S, 'box' | 'within'> : never) : never;

/** The same step on queue items and on the queue items kept inside dead letters. */
function onQueueItems(step: StepBody): SchemaStep[] {
  return [{ ...step, box: 'sync_queue' } as SchemaStep, { ...step, box: 'dead_letter', within: 'item' } as SchemaStep];
}

const addField = (field: string, defaultValue: JsonValue) => ({ kind: 'add' as const, field, defaultValue });

export const SCHEMA_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    fromVersion: 1,
    name: 'split-retry-state-and-conflict-target',
    steps: [
      ...onQueueItems({ kind: 'split', from: 'retry', into: { attempts: 'count', nextAttemptAt: 'notBefore', lastError: 'error' } }),
      { kind: 'split', box: 'conflicts', from: 'target', into: { queueId: 'queueId', entityType: 'type', entityId: 'id' } },
    ],
  },
  {
    fromVersion: 2,
    name: 'rename-data-to-payload',
    steps: [...onQueueItems({ kind: 'rename', from: 'data', to: 'payload' }), { kind: 'rename', box: 'conflicts', from: 'clashes', to: 'clashingFields' }],
  },
  {
    fromVersion: 3,
    name: 'add-priority-and-detected-at',
    steps: [...onQueueItems(addField('priority', 0)), { box: 'conflicts', ...addField('detectedAt', 0) }],
  },
  {
    fromVersion: 4,
    name: 'drop-dirty-add-sent',
    steps: [{ kind: 'drop', box: 'entities', field: 'dirty', restoreValue: false }, ...onQueueItems(addField('sent', true))],
  },
]);

/** The version a list of migrations leads to (engine/model.ts is this version). */
export function latestVersionOf(migrations: readonly Migration[]): number {
  return migrations.length === 0 ? 1 : migrations[migrations.length - 1]!.fromVersion + 1;
}

export const LATEST_SCHEMA_VERSION = latestVersionOf(SCHEMA_MIGRATIONS);

/** Metadata key of the schema record `{ version }` (absent in version 1 stores). */
export const SCHEMA_KEY = 'schema';

export interface SchemaRecord {
  readonly version: number;
}

/** Checks a migration list once (a bug in it would corrupt stores): consecutive versions from 1. */
export function assertMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.fromVersion !== index + 1) {
      throw new Error(`migrations[${index}] (${migration.name}): fromVersion should be ${index + 1}, got ${migration.fromVersion}`);
    }
  });
}

// Record codec between schema versions: decode a record stored at version k into the latest
// model (forward steps k…latest-1), encode a latest-model record into version k's shape
// (backward steps, newest first). Pure and synchronous, so the simulator's synchronous store
// can use it as well as VersionedStorage.

import type { BoxName, StoreSnapshot, WriteOp } from '../model.ts';
import { assertMigrations, latestVersionOf, SCHEMA_MIGRATIONS, type Migration } from './history.ts';
import { backwardRecord, forwardRecord, RECORD_BOXES, type RecordBox, type SchemaStep } from './steps.ts';

const recordBoxes: ReadonlySet<string> = new Set(RECORD_BOXES);

export function isRecordBox(box: BoxName): box is RecordBox {
  return recordBoxes.has(box);
}

/** Throws (naming the field) unless `version` is a version `migrations` know. */
export function assertKnownVersion(version: unknown, field: string, migrations: readonly Migration[] = SCHEMA_MIGRATIONS): asserts version is number {
  const latest = latestVersionOf(migrations);
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > latest) {
    throw new Error(`${field} should be an integer from 1 to ${latest}, got ${JSON.stringify(version) ?? String(version)}`);
  }
}

/** The steps of one migration that touch `box`, in order. */
export function stepsOn(migration: Migration, box: RecordBox): SchemaStep[] {
  return migration.steps.filter((step) => step.box === box);
}

/** One migration applied to one record; undefined when it deletes the record (bug zoo only). */
export function migrateRecord(migration: Migration, box: RecordBox, key: string, value: unknown): unknown {
  let current = value;
  for (const step of stepsOn(migration, box)) {
    if (current === undefined) return undefined;
    current = forwardRecord(step, key, current);
  }
  return current;
}

/**
 * A record stored at `version`, in the latest model's shape. Only shape steps apply: a
 * broken history's drop-records is something its migration does once, not a way of reading.
 */
export function decodeRecord(box: BoxName, key: string, value: unknown, version: number, migrations: readonly Migration[] = SCHEMA_MIGRATIONS): unknown {
  if (!isRecordBox(box)) return value;
  let current = value;
  for (const migration of migrations) {
    if (migration.fromVersion < version) continue;
    for (const step of stepsOn(migration, box)) if (step.kind !== 'drop-records') current = forwardRecord(step, key, current);
  }
  return current;
}

/** A latest-model record in the shape version `version` stores. */
export function encodeRecord(box: BoxName, key: string, value: unknown, version: number, migrations: readonly Migration[] = SCHEMA_MIGRATIONS): unknown {
  if (!isRecordBox(box)) return value;
  let current = value;
  for (let index = migrations.length - 1; index >= 0; index--) {
    const migration = migrations[index]!;
    if (migration.fromVersion < version) break;
    const steps = stepsOn(migration, box);
    for (let s = steps.length - 1; s >= 0; s--) current = backwardRecord(steps[s]!, key, current);
  }
  return current;
}

/** A snapshot of a store at `version`, every record decoded to the latest model (metadata as stored). */
export function decodeSnapshot(snapshot: StoreSnapshot, version: number, migrations: readonly Migration[] = SCHEMA_MIGRATIONS): StoreSnapshot {
  assertMigrations(migrations);
  assertKnownVersion(version, 'decodeSnapshot: version', migrations);
  if (version === latestVersionOf(migrations)) return snapshot;
  const decodeBox = (box: BoxName): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    for (const [key, value] of snapshot[box]) out.set(key, decodeRecord(box, key, value, version, migrations));
    return out;
  };
  return {
    entities: decodeBox('entities'),
    sync_queue: decodeBox('sync_queue'),
    metadata: snapshot.metadata,
    conflicts: decodeBox('conflicts'),
    dead_letter: decodeBox('dead_letter'),
  };
}

/** The core's write ops (latest model) with every record value in version `version`'s shape. */
export function encodeWriteOps(ops: readonly WriteOp[], version: number, migrations: readonly Migration[] = SCHEMA_MIGRATIONS): WriteOp[] {
  if (version === latestVersionOf(migrations)) return [...ops];
  return ops.map((op) => (op.value === undefined || !isRecordBox(op.box) ? op : { box: op.box, key: op.key, value: encodeRecord(op.box, op.key, op.value, version, migrations) }));
}

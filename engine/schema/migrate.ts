// Migration on start. The planner is pure: from a snapshot it computes the next step, one
// migration k → k+1 as ONE commit of write ops that rewrites every affected record AND puts
// the schema record { version: k+1 } (last, so even a torn write leaves version k, and the
// idempotent steps redo the half that landed). A crash between steps leaves version k or
// k+1, never a mix; re-planning from what is durable continues where it stopped.
// Drivers: `migrateStorage` (async, any StoragePort; SyncEngine.open calls it) commits the
// steps in order; the simulator calls `nextMigrationStep` once per crash point.

import { type BoxName, type StoreSnapshot, type WriteOp } from '../model.ts';
import type { StoragePort } from '../ports.ts';
import { assertKnownVersion, isRecordBox, migrateRecord } from './codec.ts';
import { SchemaError } from './errors.ts';
import { assertMigrations, latestVersionOf, SCHEMA_KEY, SCHEMA_MIGRATIONS, type Migration, type SchemaRecord } from './history.ts';
import { RECORD_BOXES } from './steps.ts';

export interface MigrationOptions {
  /** The version to migrate to: the latest by default; an old release (VersionedStorage) stops at its own. */
  readonly targetVersion?: number;
  /** The history to follow: SCHEMA_MIGRATIONS, or a broken variant from the bug zoo (broken.ts). */
  readonly migrations?: readonly Migration[];
}

export interface MigrationStep {
  /** null when the store was new (empty, no schema record): the step only records the version. */
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly name: string;
  /** One atomic commit: the rewritten records, then the schema record. */
  readonly ops: readonly WriteOp[];
}

export interface MigrationReport {
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly stepsApplied: number;
}

const BOX_ORDER: readonly BoxName[] = ['entities', 'sync_queue', 'metadata', 'conflicts', 'dead_letter'];

function isEmptyStore(snapshot: StoreSnapshot): boolean {
  return BOX_ORDER.every((box) => snapshot[box].size === 0);
}

/**
 * The store's schema version: its metadata/'schema' record; 1 when it holds data but no
 * record (version 1 wrote none); null for an empty store (new: it gets the target version).
 */
export function schemaVersionOf(snapshot: StoreSnapshot): number | null {
  const stored = snapshot.metadata.get(SCHEMA_KEY);
  if (stored === undefined) return isEmptyStore(snapshot) ? null : 1;
  const version = (stored as Partial<SchemaRecord> | null)?.version;
  if (typeof stored !== 'object' || stored === null || !Number.isInteger(version) || (version as number) < 1) {
    throw new SchemaError('bad-version-record', `metadata/${SCHEMA_KEY} should be { version: positive integer }, got ${JSON.stringify(stored)}; nothing was changed`);
  }
  return version as number;
}

export function schemaRecordOp(version: number): WriteOp {
  const record: SchemaRecord = { version };
  return { box: 'metadata', key: SCHEMA_KEY, value: record };
}

function resolveOptions(options: MigrationOptions): { target: number; migrations: readonly Migration[] } {
  const migrations = options.migrations ?? SCHEMA_MIGRATIONS;
  assertMigrations(migrations);
  const target = options.targetVersion ?? latestVersionOf(migrations);
  assertKnownVersion(target, 'migration: targetVersion', migrations);
  return { target, migrations };
}

function tooNew(version: number, target: number): SchemaError {
  return new SchemaError('too-new', `store schema version ${version} is newer than this engine knows (${target}); nothing was changed`);
}

/** The ops of one migration over a snapshot at its fromVersion. */
function migrationOps(snapshot: StoreSnapshot, migration: Migration): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const box of RECORD_BOXES) {
    if (!migration.steps.some((step) => step.box === box)) continue;
    for (const [key, value] of snapshot[box]) {
      const migrated = migrateRecord(migration, box, key, value);
      if (migrated !== value) ops.push({ box, key, value: migrated });
    }
  }
  ops.push(schemaRecordOp(migration.fromVersion + 1));
  return ops;
}

/**
 * The next step towards the target version, or null when the store is there. Throws
 * SchemaError (nothing written) for a store newer than the target, a malformed schema
 * record, or a record in neither shape of a step.
 */
export function nextMigrationStep(snapshot: StoreSnapshot, options: MigrationOptions = {}): MigrationStep | null {
  const { target, migrations } = resolveOptions(options);
  const version = schemaVersionOf(snapshot);
  if (version === null) {
    // Version 1 wrote no schema record, so a new version-1 store stays unmarked.
    return target === 1 ? null : { fromVersion: null, toVersion: target, name: 'record-version-of-new-store', ops: [schemaRecordOp(target)] };
  }
  if (version > target) throw tooNew(version, target);
  if (version === target) return null;
  const migration = migrations[version - 1]!;
  return { fromVersion: version, toVersion: version + 1, name: migration.name, ops: migrationOps(snapshot, migration) };
}

/** `snapshot` with `ops` applied (new Maps; the planner's view of what a commit leaves). */
export function applyWriteOps(snapshot: StoreSnapshot, ops: readonly WriteOp[]): StoreSnapshot {
  const next = {
    entities: new Map(snapshot.entities),
    sync_queue: new Map(snapshot.sync_queue),
    metadata: new Map(snapshot.metadata),
    conflicts: new Map(snapshot.conflicts),
    dead_letter: new Map(snapshot.dead_letter),
  };
  for (const op of ops) {
    if (op.value === undefined) next[op.box].delete(op.key);
    else next[op.box].set(op.key, op.value);
  }
  return next;
}

/** Every step from the snapshot's version to the target, each planned on the result of the one before. */
export function planMigration(snapshot: StoreSnapshot, options: MigrationOptions = {}): MigrationStep[] {
  const steps: MigrationStep[] = [];
  let current = snapshot;
  for (let step = nextMigrationStep(current, options); step !== null; step = nextMigrationStep(current, options)) {
    steps.push(step);
    current = applyWriteOps(current, step.ops);
  }
  return steps;
}

/** Commits the steps one at a time, re-reading the store before each (what a restart would see). */
export async function migrateStorage(storage: StoragePort, options: MigrationOptions = {}): Promise<MigrationReport> {
  const { target, migrations } = resolveOptions(options);
  // One step per migration plus the new-store stamp: more means a step does not advance the version.
  const stepsMax = migrations.length + 1;
  let fromVersion: number | null | undefined;
  let stepsApplied = 0;
  for (;;) {
    const snapshot = await storage.load();
    const step = nextMigrationStep(snapshot, options);
    if (fromVersion === undefined) fromVersion = step === null ? schemaVersionOf(snapshot) : step.fromVersion;
    if (step === null) break;
    if (stepsApplied >= stepsMax) throw new Error(`migrateStorage: still not at version ${target} after ${stepsMax} steps (a migration does not advance the version)`);
    await storage.commit(step.ops);
    stepsApplied++;
  }
  return { fromVersion, toVersion: target, stepsApplied };
}

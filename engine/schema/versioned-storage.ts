// VersionedStorage: a StoragePort that keeps its records in schema version k's shape (Hive's
// versioned type adapters). The core always speaks the latest model; this wrapper encodes
// every committed record down to version k and decodes loaded ones up to the latest. It is
// how an "old release" of the engine runs: the same core, writing the old on-disk shape.
// `migrateOnStart` migrates its inner store to version k (never further) before the first load.

import type { StoreSnapshot, WriteOp } from '../model.ts';
import type { StoragePort } from '../ports.ts';
import { assertKnownVersion, decodeSnapshot, encodeWriteOps } from './codec.ts';
import { SchemaError } from './errors.ts';
import { assertMigrations, SCHEMA_MIGRATIONS, type Migration } from './history.ts';
import { migrateStorage, schemaVersionOf, type MigrationReport } from './migrate.ts';

export interface VersionedStorageOptions {
  /**
   * The history to migrate with: SCHEMA_MIGRATIONS by default, or a broken one from the bug
   * zoo (broken.ts). Encoding and decoding always use the correct shapes.
   */
  readonly migrations?: readonly Migration[];
}

export class VersionedStorage implements StoragePort {
  readonly migrations: readonly Migration[];

  constructor(
    readonly inner: StoragePort,
    readonly version: number,
    options: VersionedStorageOptions = {},
  ) {
    this.migrations = options.migrations ?? SCHEMA_MIGRATIONS;
    assertMigrations(this.migrations);
    assertKnownVersion(version, 'VersionedStorage: version', this.migrations);
  }

  /** The inner store's records decoded to the latest model. Refuses a store at any other version (migrate first). */
  async load(): Promise<StoreSnapshot> {
    const snapshot = await this.inner.load();
    const stored = schemaVersionOf(snapshot);
    if (stored === null) return snapshot;
    if (stored !== this.version) {
      throw new SchemaError('version-mismatch', `store schema version ${stored} is not version ${this.version}, which this storage reads and writes; migrate it first (migrateOnStart)`);
    }
    return decodeSnapshot(snapshot, this.version, SCHEMA_MIGRATIONS);
  }

  commit(ops: readonly WriteOp[], head?: number): Promise<void> {
    let encoded: WriteOp[];
    try {
      encoded = encodeWriteOps(ops, this.version, SCHEMA_MIGRATIONS);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.inner.commit(encoded, head);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Brings a store to the schema its engine writes: a VersionedStorage's inner store to that
 * version (with its migrations), any other store to the latest. SyncEngine.open calls this
 * before it loads anything; it throws SchemaError with nothing written for a store too new.
 */
export function migrateOnStart(storage: StoragePort): Promise<MigrationReport> {
  if (storage instanceof VersionedStorage) return migrateStorage(storage.inner, { targetVersion: storage.version, migrations: storage.migrations });
  return migrateStorage(storage);
}

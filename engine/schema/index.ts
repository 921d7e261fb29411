// The versioned local schema: history of record shapes, the migration planner and drivers,
// the codec between versions, and VersionedStorage (an old release's on-disk shape).
// Broken histories (broken.ts) are deliberately not exported here: they are for the bug zoo.

export { SchemaError, type SchemaErrorCode } from './errors.ts';
export { RECORD_BOXES, describeStep, type RecordBox, type SchemaStep, type SchemaStepKind } from './steps.ts';
export { LATEST_SCHEMA_VERSION, SCHEMA_KEY, SCHEMA_MIGRATIONS, latestVersionOf, type Migration, type SchemaRecord } from './history.ts';
export { decodeRecord, decodeSnapshot, encodeRecord, encodeWriteOps } from './codec.ts';
export {
  applyWriteOps,
  migrateStorage,
  nextMigrationStep,
  planMigration,
  schemaRecordOp,
  schemaVersionOf,
  type MigrationOptions,
  type MigrationReport,
  type MigrationStep,
} from './migrate.ts';
export { migrateOnStart, VersionedStorage, type VersionedStorageOptions } from './versioned-storage.ts';

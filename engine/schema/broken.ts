// Deliberately broken migration histories for the bug zoo (DESIGN §7). Never the default:
// nothing in the engine selects one; a test or scenario passes it explicitly as
// `migrations` (MigrationOptions, VersionedStorageOptions). Each is the correct history with
// one migration replaced by a plausible mistake.

import { SCHEMA_MIGRATIONS, type Migration } from './history.ts';

function replaceMigration(fromVersion: number, replace: (migration: Migration) => Migration): readonly Migration[] {
  return Object.freeze(SCHEMA_MIGRATIONS.map((migration) => (migration.fromVersion === fromVersion ? replace(migration) : migration)));
}

/**
 * v2 → v3 also "cleans up" queued deletes (their `data` is {}, so someone decided they were
 * empty rows): every queued delete item disappears, and its delete never reaches the server.
 * Local durability (DESIGN §4.1) and eventual delivery catch it.
 */
export const MIGRATIONS_DROPPING_QUEUED_DELETES: readonly Migration[] = replaceMigration(2, (migration) => ({
  ...migration,
  name: `${migration.name} (broken: drops queued deletes)`,
  steps: [{ kind: 'drop-records', box: 'sync_queue', field: 'action', equals: 'delete' }, ...migration.steps],
}));

/** The broken histories by name, for the bug zoo to look up. */
export const BROKEN_MIGRATIONS: Readonly<Record<string, readonly Migration[]>> = Object.freeze({
  'migration-drops-queued-deletes': MIGRATIONS_DROPPING_QUEUED_DELETES,
});

// Crash-safe migration (issue #8 acceptance): any store contents written at any version k,
// migrated to the latest with crashes after any number of steps, failed commits and torn
// (half-applied) commits, restarted several times, load at the latest version with every
// queued op still queued and unchanged. The expected contents are generated directly in the
// latest model, so the codec is not checked against itself.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../adapters/memory-storage.ts';
import { StorageError } from '../ports.ts';
import type { StoreSnapshot, WriteOp } from '../model.ts';
import { expectedAfterMigration, opsAtVersion, snapshotOf, storeContentsArb, type StoreContents } from '../testing/store-arbitraries.ts';
import { MIGRATIONS_DROPPING_QUEUED_DELETES } from './broken.ts';
import { LATEST_SCHEMA_VERSION, type Migration } from './history.ts';
import { migrateStorage, nextMigrationStep, schemaVersionOf } from './migrate.ts';

const FC_SEED = Number(process.env['SYNCSTORM_FC_SEED'] ?? 20261125);
const RUNS = 150;

/** What happens at one restart: some steps commit, then the process dies (optionally inside a commit). */
type Interruption =
  | { readonly kind: 'crash-after'; readonly steps: number }
  | { readonly kind: 'failed-commit'; readonly steps: number }
  | { readonly kind: 'torn-commit'; readonly steps: number };

const interruptionArb: fc.Arbitrary<Interruption> = fc.record({
  kind: fc.constantFrom('crash-after', 'failed-commit', 'torn-commit'),
  steps: fc.integer({ min: 0, max: 4 }),
});

function boxesOf(snapshot: StoreSnapshot): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(snapshot).map(([box, entries]) => [box, Object.fromEntries(entries as ReadonlyMap<string, unknown>)]));
}

/** Set to make the next commit of a test store fail with nothing applied (a crash inside the commit). */
let failNextCommit = false;

function newStore(): MemoryStorage {
  failNextCommit = false;
  return new MemoryStorage({
    failCommitAt: () => {
      if (!failNextCommit) return null;
      failNextCommit = false;
      return new StorageError('io', 'disk failed (test)');
    },
  });
}

/** Runs `steps` migration steps, then the interruption; returns the store a restart sees. */
async function interruptedRun(storage: MemoryStorage, interruption: Interruption, migrations?: readonly Migration[]): Promise<MemoryStorage> {
  for (let i = 0; i < interruption.steps; i++) {
    const step = nextMigrationStep(await storage.load(), { migrations });
    if (step === null) return storage.reopen();
    await storage.commit(step.ops);
  }
  const step = nextMigrationStep(await storage.load(), { migrations });
  if (step !== null && interruption.kind === 'torn-commit') {
    // Non-atomic storage: the first half of the ops lands, the version record (last) does not.
    await storage.commit(step.ops.slice(0, Math.ceil(step.ops.length / 2) - (step.ops.length === 1 ? 1 : 0)));
  }
  if (step !== null && interruption.kind === 'failed-commit') {
    failNextCommit = true;
    await expect(storage.commit(step.ops)).rejects.toBeInstanceOf(StorageError);
  }
  return storage.reopen();
}

async function migrateWithInterruptions(contents: StoreContents, version: number, interruptions: readonly Interruption[], migrations?: readonly Migration[]): Promise<StoreSnapshot> {
  let storage = newStore();
  await storage.commit(opsAtVersion(contents, version));
  for (const interruption of interruptions) {
    storage = await interruptedRun(storage, interruption, migrations);
    const reached = schemaVersionOf(await storage.load());
    // Between restarts the store is at one version: never past the latest, never back.
    expect(reached === null || (reached >= 1 && reached <= LATEST_SCHEMA_VERSION)).toBe(true);
  }
  await migrateStorage(storage, { migrations });
  return storage.load();
}

describe('migration under crashes (property)', () => {
  it('any version-k store, crashed at any step and restarted, loads at the latest with every queued op unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(storeContentsArb, fc.integer({ min: 1, max: LATEST_SCHEMA_VERSION }), fc.array(interruptionArb, { maxLength: 4 }), async (contents, version, interruptions) => {
        const loaded = await migrateWithInterruptions(contents, version, interruptions);
        const expected = expectedAfterMigration(contents, version);
        expect(schemaVersionOf(loaded)).toBe(LATEST_SCHEMA_VERSION);
        // The queue first, on its own: same ids, same order, every op and payload as made.
        expect([...loaded.sync_queue.entries()]).toEqual(expected.queue.map((item) => [item.queueId, item]));
        expect(boxesOf(loaded)).toEqual(boxesOf(snapshotOf(expected, LATEST_SCHEMA_VERSION)));
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });

  it('the broken migration (drops queued deletes) is caught by the same property', async () => {
    const result = await fc.check(
      fc.asyncProperty(storeContentsArb, fc.integer({ min: 1, max: 2 }), async (contents, version) => {
        const loaded = await migrateWithInterruptions(contents, version, [], MIGRATIONS_DROPPING_QUEUED_DELETES);
        expect([...loaded.sync_queue.keys()]).toEqual(expectedAfterMigration(contents, version).queue.map((item) => item.queueId));
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    expect(result.failed).toBe(true);
  });

  it('a scripted crash between every pair of steps of a version-1 store', async () => {
    const contents = fc.sample(storeContentsArb.filter((c) => c.queue.length >= 3 && c.conflicts.length >= 1 && c.deadLetters.length >= 1), { seed: FC_SEED, numRuns: 1 })[0]!;
    const expected = boxesOf(snapshotOf(expectedAfterMigration(contents, 1), LATEST_SCHEMA_VERSION));
    const versionsSeen: (number | null)[] = [];
    let storage = new MemoryStorage();
    await storage.commit(opsAtVersion(contents, 1) as WriteOp[]);
    for (;;) {
      const snapshot = await storage.load();
      versionsSeen.push(schemaVersionOf(snapshot));
      const step = nextMigrationStep(snapshot);
      if (step === null) break;
      await storage.commit(step.ops);
      storage = storage.reopen();
    }
    expect(versionsSeen).toEqual([1, 2, 3, 4, 5]);
    expect(boxesOf(await storage.load())).toEqual(expected);
  });
});

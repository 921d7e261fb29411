// The schema history and the planner on hand-written stores: a version-1 store written out
// literally migrates to today's model, each step kind has a working inverse, and the stores
// the planner must refuse are refused with nothing written.

import { describe, expect, it } from 'vitest';
import { emptySnapshot, type StoreSnapshot, type WriteOp } from '../model.ts';
import { MemoryStorage } from '../adapters/memory-storage.ts';
import { MIGRATIONS_DROPPING_QUEUED_DELETES } from './broken.ts';
import { decodeRecord, decodeSnapshot, encodeRecord, encodeWriteOps } from './codec.ts';
import { SchemaError } from './errors.ts';
import { LATEST_SCHEMA_VERSION, SCHEMA_KEY, SCHEMA_MIGRATIONS } from './history.ts';
import { migrateStorage, nextMigrationStep, planMigration, schemaVersionOf } from './migrate.ts';
import { backwardRecord, forwardRecord, type SchemaStep } from './steps.ts';
import { migrateOnStart, VersionedStorage } from './versioned-storage.ts';

function snapshotWith(entries: Partial<Record<keyof StoreSnapshot, Record<string, unknown>>>): StoreSnapshot {
  const snapshot = emptySnapshot() as { [B in keyof StoreSnapshot]: Map<string, unknown> };
  for (const [box, values] of Object.entries(entries)) for (const [key, value] of Object.entries(values)) snapshot[box as keyof StoreSnapshot].set(key, value);
  return snapshot;
}

async function storeWith(ops: readonly WriteOp[]): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.commit(ops);
  return storage;
}

const V1_QUEUE_ITEM = {
  queueId: 'me:1', seq: 1, entityType: 'note', entityId: 'n1', action: 'update', data: { title: 'hello' },
  baseRevision: 3, baseFields: { title: 'hi' }, createdAt: 1000, stamp: null, retry: { count: 2, notBefore: 5000, error: '503' }, paused: false,
};
const V1_CONFLICT = {
  conflictId: 'k1', target: { queueId: 'me:0', type: 'note', id: 'n1' }, policy: 'manual', local: { title: 'mine' }, action: 'update',
  server: { revision: 4, deleted: false, fields: { title: 'theirs' }, updatedAt: 900 }, base: null, clashes: ['title'],
};
const V1_ENTITY = { entityType: 'note', entityId: 'n1', fields: { title: 'hello' }, deleted: false, server: null, serverOrigin: null, updatedAt: 1000, dirty: true };

/** The same records in today's model, written out by hand. */
const LATEST_QUEUE_ITEM = {
  queueId: 'me:1', seq: 1, entityType: 'note', entityId: 'n1', action: 'update', payload: { title: 'hello' },
  baseRevision: 3, baseFields: { title: 'hi' }, createdAt: 1000, stamp: null, attempts: 2, nextAttemptAt: 5000, lastError: '503', paused: false, priority: 0, sent: true,
};
const LATEST_CONFLICT = {
  conflictId: 'k1', queueId: 'me:0', entityType: 'note', entityId: 'n1', policy: 'manual', local: { title: 'mine' }, action: 'update',
  server: { revision: 4, deleted: false, fields: { title: 'theirs' }, updatedAt: 900 }, base: null, clashingFields: ['title'], detectedAt: 0,
};
const { dirty: _dirty, ...LATEST_ENTITY } = V1_ENTITY;

const V1_STORE = {
  entities: { 'note\u0000n1': V1_ENTITY },
  sync_queue: { 'me:1': V1_QUEUE_ITEM },
  metadata: { sync: { clientId: 'me', seqNext: 2, cursor: 0 } },
  conflicts: { k1: V1_CONFLICT },
  dead_letter: { 'me:0': { queueId: 'me:0', item: { ...V1_QUEUE_ITEM, queueId: 'me:0', seq: 0 }, code: 'forbidden', message: 'no', deadAt: 7 } },
};

describe('schema history', () => {
  it('uses every step kind and touches queue items, dead letters and conflicts', () => {
    const steps = SCHEMA_MIGRATIONS.flatMap((m) => m.steps);
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['add', 'rename', 'split', 'drop']));
    expect(new Set(steps.map((s) => s.box))).toEqual(new Set(['entities', 'sync_queue', 'conflicts', 'dead_letter']));
    expect(LATEST_SCHEMA_VERSION).toBe(5);
  });

  it('a version-1 store (no schema record) migrates to the hand-written latest records in 4 steps', async () => {
    const storage = new MemoryStorage();
    const snapshot = snapshotWith(V1_STORE);
    await storage.commit(Object.entries(V1_STORE).flatMap(([box, values]) => Object.entries(values).map(([key, value]) => ({ box, key, value }) as WriteOp)));
    expect(planMigration(snapshot).map((s) => [s.fromVersion, s.toVersion])).toEqual([[1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(await migrateStorage(storage)).toEqual({ fromVersion: 1, toVersion: 5, stepsApplied: 4 });
    const migrated = await storage.load();
    expect(migrated.sync_queue.get('me:1')).toEqual(LATEST_QUEUE_ITEM);
    expect(migrated.conflicts.get('k1')).toEqual(LATEST_CONFLICT);
    expect(migrated.entities.get('note\u0000n1')).toEqual(LATEST_ENTITY);
    expect(migrated.dead_letter.get('me:0')).toEqual({ queueId: 'me:0', item: { ...LATEST_QUEUE_ITEM, queueId: 'me:0', seq: 0 }, code: 'forbidden', message: 'no', deadAt: 7 });
    expect(migrated.metadata.get('sync')).toEqual(V1_STORE.metadata.sync);
    expect(migrated.metadata.get(SCHEMA_KEY)).toEqual({ version: 5 });
    expect(await migrateStorage(storage)).toEqual({ fromVersion: 5, toVersion: 5, stepsApplied: 0 });
  });

  it('each step is one commit: the rewritten records, then the version record last', () => {
    const step = nextMigrationStep(snapshotWith(V1_STORE));
    expect(step?.ops.map((op) => `${op.box}/${op.key}`)).toEqual(['sync_queue/me:1', 'conflicts/k1', 'dead_letter/me:0', `metadata/${SCHEMA_KEY}`]);
    expect(step?.ops.at(-1)?.value).toEqual({ version: 2 });
  });

  it('encoding the latest records to version 1 gives the version-1 records back', () => {
    expect(encodeRecord('sync_queue', 'me:1', LATEST_QUEUE_ITEM, 1)).toEqual({ ...V1_QUEUE_ITEM, dirty: undefined });
    expect(encodeRecord('conflicts', 'k1', LATEST_CONFLICT, 1)).toEqual(V1_CONFLICT);
    expect(encodeRecord('entities', 'note\u0000n1', LATEST_ENTITY, 1)).toEqual({ ...V1_ENTITY, dirty: false });
    expect(decodeRecord('sync_queue', 'me:1', V1_QUEUE_ITEM, 1)).toEqual(LATEST_QUEUE_ITEM);
    expect(encodeWriteOps([{ box: 'metadata', key: 'sync', value: { a: 1 } }], 1)).toEqual([{ box: 'metadata', key: 'sync', value: { a: 1 } }]);
  });

  it('the broken history drops queued deletes when it migrates, never when a store is only read', () => {
    const latestDelete = { ...LATEST_QUEUE_ITEM, queueId: 'me:2', seq: 2, action: 'delete', payload: {} };
    const v2Store = snapshotWith({
      sync_queue: { 'me:1': encodeRecord('sync_queue', 'me:1', LATEST_QUEUE_ITEM, 2), 'me:2': encodeRecord('sync_queue', 'me:2', latestDelete, 2) },
      metadata: { [SCHEMA_KEY]: { version: 2 } },
    });
    expect([...decodeSnapshot(v2Store, 2, MIGRATIONS_DROPPING_QUEUED_DELETES).sync_queue.keys()]).toEqual(['me:1', 'me:2']);
    const step = nextMigrationStep(v2Store, { migrations: MIGRATIONS_DROPPING_QUEUED_DELETES });
    expect(step?.ops.filter((op) => op.box === 'sync_queue').map((op) => [op.key, op.value === undefined ? 'deleted' : 'kept'])).toEqual([['me:1', 'kept'], ['me:2', 'deleted']]);
    expect(nextMigrationStep(v2Store)?.ops.filter((op) => op.value === undefined)).toEqual([]);
  });

  const kinds: [string, SchemaStep, Record<string, unknown>, Record<string, unknown>][] = [
    ['add', { kind: 'add', box: 'sync_queue', field: 'p', defaultValue: 0 }, { a: 1 }, { a: 1, p: 0 }],
    ['rename', { kind: 'rename', box: 'sync_queue', from: 'x', to: 'y' }, { a: 1, x: 2, b: 3 }, { a: 1, y: 2, b: 3 }],
    ['split', { kind: 'split', box: 'sync_queue', from: 'r', into: { n: 'count', t: 'at' } }, { a: 1, r: { count: 2, at: 3 } }, { a: 1, n: 2, t: 3 }],
    ['drop', { kind: 'drop', box: 'entities', field: 'd', restoreValue: false }, { a: 1, d: false }, { a: 1 }],
    ['nested', { kind: 'rename', box: 'dead_letter', within: 'item', from: 'x', to: 'y' }, { item: { x: 1 }, c: 2 }, { item: { y: 1 }, c: 2 }],
  ];
  it.each(kinds)('%s: forward, backward, and forward again is a no-op', (_kind, step, older, newer) => {
    expect(forwardRecord(step, 'k', older)).toEqual(newer);
    expect(backwardRecord(step, 'k', newer)).toEqual(older);
    expect(forwardRecord(step, 'k', newer)).toBe(newer);
  });

  it('a record in neither shape is refused, naming the box, key and field', () => {
    const broken = snapshotWith({ sync_queue: { 'me:1': { ...V1_QUEUE_ITEM, retry: 7 } } });
    expect(() => nextMigrationStep(broken)).toThrow(/sync_queue\/me:1: cannot migrate \(split retry into attempts, nextAttemptAt, lastError\): retry should be an object, got 7/);
  });
});

describe('refusals and new stores', () => {
  it('a store newer than the engine knows is refused and left untouched', async () => {
    const storage = await storeWith([{ box: 'metadata', key: SCHEMA_KEY, value: { version: 7 } }, { box: 'sync_queue', key: 'q', value: { weird: true } }]);
    const before = await storage.load();
    const error = await migrateStorage(storage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).code).toBe('too-new');
    expect((error as Error).message).toBe('store schema version 7 is newer than this engine knows (5); nothing was changed');
    expect(await storage.load()).toEqual(before);
  });

  it('an old release refuses a store one version ahead of it', async () => {
    const storage = await storeWith([{ box: 'metadata', key: SCHEMA_KEY, value: { version: 4 } }]);
    await expect(migrateOnStart(new VersionedStorage(storage, 3))).rejects.toThrow('store schema version 4 is newer than this engine knows (3); nothing was changed');
  });

  it.each([[{ version: 0 }], [{ version: '2' }], [null], [3]])('a malformed schema record %j is refused', (record) => {
    expect(() => schemaVersionOf(snapshotWith({ metadata: { [SCHEMA_KEY]: record } }))).toThrow(SchemaError);
  });

  it('an empty store is new: it gets the latest version (or, for an old release, its own; none for version 1)', async () => {
    expect(planMigration(emptySnapshot()).map((s) => s.ops)).toEqual([[{ box: 'metadata', key: SCHEMA_KEY, value: { version: 5 } }]]);
    expect(planMigration(emptySnapshot(), { targetVersion: 3 })[0]?.ops[0]?.value).toEqual({ version: 3 });
    expect(planMigration(emptySnapshot(), { targetVersion: 1 })).toEqual([]);
  });

  it('a store the current engine wrote before versioning (data, no record) is read as version 1 and migrates unchanged', async () => {
    const latest = snapshotWith({ sync_queue: { 'me:1': LATEST_QUEUE_ITEM }, conflicts: { k1: LATEST_CONFLICT }, entities: { 'note\u0000n1': LATEST_ENTITY } });
    const steps = planMigration(latest);
    expect(steps.flatMap((s) => s.ops.filter((op) => op.box !== 'metadata'))).toEqual([]);
    expect(steps.at(-1)?.ops).toEqual([{ box: 'metadata', key: SCHEMA_KEY, value: { version: 5 } }]);
  });

  it('targetVersion and VersionedStorage version are checked', () => {
    expect(() => planMigration(emptySnapshot(), { targetVersion: 6 })).toThrow('migration: targetVersion should be an integer from 1 to 5, got 6');
    expect(() => new VersionedStorage(new MemoryStorage(), 0)).toThrow('VersionedStorage: version should be an integer from 1 to 5, got 0');
  });
});

describe('VersionedStorage', () => {
  it('writes the old shape, reads the latest model, and refuses a store at another version', async () => {
    const memory = new MemoryStorage();
    const v2 = new VersionedStorage(memory, 2);
    await migrateOnStart(v2);
    await v2.commit([{ box: 'sync_queue', key: 'me:1', value: LATEST_QUEUE_ITEM }]);
    const raw = (await memory.load()).sync_queue.get('me:1') as Record<string, unknown>;
    expect(raw.data).toEqual({ title: 'hello' });
    expect(raw).not.toHaveProperty('payload');
    expect(raw).not.toHaveProperty('priority');
    expect((await v2.load()).sync_queue.get('me:1')).toEqual(LATEST_QUEUE_ITEM);
    await expect(new VersionedStorage(memory, 3).load()).rejects.toThrow('store schema version 2 is not version 3, which this storage reads and writes; migrate it first (migrateOnStart)');
    await migrateOnStart(new VersionedStorage(memory, 4));
    expect((await new VersionedStorage(memory, 4).load()).sync_queue.get('me:1')).toEqual(LATEST_QUEUE_ITEM);
  });
});

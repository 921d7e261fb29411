// End to end over the async engine and one in-process server core: an old release (schema
// version k, VersionedStorage) queues ops offline; the new release opens the same store,
// crashes in the middle of its migration, opens again, and delivers every queued op exactly
// once. The broken migration from the bug zoo loses a queued delete, and the same check sees it.

import { describe, expect, test } from 'vitest';
import { SyncEngine, VersionedStorage, LATEST_SCHEMA_VERSION, StorageError, type QueueItem, type StoragePort } from '../engine/index.ts';
import { MemoryStorage } from '../engine/adapters/memory-storage.ts';
import { ManualConnectivity } from '../engine/adapters/real.ts';
import { seededRandom } from '../engine/adapters/seeded-random.ts';
import { MIGRATIONS_DROPPING_QUEUED_DELETES } from '../engine/schema/broken.ts';
import { ManualTime } from '../engine/testing/manual-time.ts';
import { ServerCore } from './core/index.ts';
import { inProcessLink } from './in-process.ts';

const USER = 'team-1';

async function settle(engine: SyncEngine, time: ManualTime, forMs: number): Promise<void> {
  const drain = async (): Promise<void> => {
    for (let round = 0; round < 5; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      await engine.idle();
    }
  };
  await drain();
  await time.advance(forMs, drain);
}

async function openEngine(storage: StoragePort, time: ManualTime, server: ServerCore, online: boolean): Promise<SyncEngine> {
  const link = inProcessLink(() => server, USER, () => time.now());
  link.setReachable(online);
  return SyncEngine.open(
    { clientId: 'device-1', conflictPolicy: 'lww-hlc', backoffBaseMs: 1000, backoffCapMs: 60_000, syncIntervalMs: 5000 },
    { clock: time, timers: time, random: seededRandom(3), storage, transport: link.transport, connectivity: new ManualConnectivity(online), tokens: link.tokens },
  );
}

/** An old release at `version` syncs one note, then queues a create, updates and a delete offline. Returns the store and its queue. */
async function oldReleaseQueuesOffline(version: number, time: ManualTime, server: ServerCore, failCommitAt: () => StorageError | null): Promise<{ memory: MemoryStorage; queued: QueueItem[] }> {
  const memory = new MemoryStorage({ failCommitAt });
  const online = await openEngine(new VersionedStorage(memory, version), time, server, true);
  await online.write('create', 'note', 'n0', { title: 'synced first' });
  await online.write('create', 'note', 'n9', { title: 'to delete' });
  await settle(online, time, 10_000);
  expect(online.status().queueLength).toBe(0);
  await online.close();

  const offline = await openEngine(new VersionedStorage(memory.reopen(), version), time, server, false);
  await offline.write('update', 'note', 'n0', { title: 'edited offline' });
  await offline.write('delete', 'note', 'n9', {});
  await offline.write('create', 'note', 'n1', { title: 'made offline', tags: ['a'] });
  await settle(offline, time, 10_000);
  await offline.close();

  const reopened = memory.reopen();
  const queued = [...(await new VersionedStorage(reopened, version).load()).sync_queue.values()] as QueueItem[];
  return { memory: reopened, queued };
}

/** How many times the server applied each of `queueIds`. */
function appliedCounts(server: ServerCore, queueIds: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(queueIds.map((id) => [id, 0]));
  for (const entry of server.state.users.get(USER)?.log ?? []) {
    const id = entry.change.origin?.queueId;
    if (id !== undefined && id in counts) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('upgrading a store with queued ops', () => {
  test.each([1, 2, 3, 4])('ops queued by a version-%i release are delivered exactly once after a crash mid-migration', async (version) => {
    const time = new ManualTime(1_000_000);
    const server = ServerCore.fresh({ random: seededRandom(7).float });
    let failNext = false;
    const failCommitAt = (): StorageError | null => {
      if (!failNext) return null;
      failNext = false;
      return new StorageError('io', 'crash during the migration (test)');
    };
    const { memory, queued } = await oldReleaseQueuesOffline(version, time, server, failCommitAt);
    expect(queued.map((item) => item.action)).toEqual(['update', 'delete', 'create']);
    const raw = [...(await memory.load()).sync_queue.values()][0] as Record<string, unknown>;
    expect(Object.hasOwn(raw, 'payload')).toBe(version >= 3); // really the old on-disk shape

    // The new release: its first open dies on the migration's first commit, nothing applied.
    failNext = true;
    await expect(openEngine(memory, time, server, true)).rejects.toBeInstanceOf(StorageError);
    const upgraded = await openEngine(memory.reopen(), time, server, true);
    await settle(upgraded, time, 60_000);

    const ids = queued.map((item) => item.queueId);
    expect(appliedCounts(server, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(upgraded.status().queueLength).toBe(0);
    const entities = server.entities(USER);
    expect([...entities.values()].map((e) => [e.entityId, e.deleted, e.fields])).toEqual([
      ['n0', false, { title: 'edited offline' }],
      ['n9', true, {}],
      ['n1', false, { title: 'made offline', tags: ['a'] }],
    ]);
    expect(queued.map((item) => item.payload)).toEqual([{ title: 'edited offline' }, {}, { title: 'made offline', tags: ['a'] }]);
    await upgraded.close();
    expect(LATEST_SCHEMA_VERSION).toBe(5);
  });

  test('the bug zoo migration that drops queued deletes loses the delete, and the exactly-once check sees it', async () => {
    const time = new ManualTime(1_000_000);
    const server = ServerCore.fresh({ random: seededRandom(7).float });
    const { memory, queued } = await oldReleaseQueuesOffline(2, time, server, () => null);
    const broken = await openEngine(new VersionedStorage(memory, LATEST_SCHEMA_VERSION, { migrations: MIGRATIONS_DROPPING_QUEUED_DELETES }), time, server, true);
    await settle(broken, time, 60_000);
    const counts = appliedCounts(server, queued.map((item) => item.queueId));
    const deleteId = queued.find((item) => item.action === 'delete')!.queueId;
    expect(counts[deleteId]).toBe(0);
    expect(server.entities(USER).get('note\u0000n9')?.deleted).toBe(false);
    await broken.close();
  });
});

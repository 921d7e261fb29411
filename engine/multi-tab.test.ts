// Two engines over one store, as two browser tabs over one IndexedDB: every commit is guarded by
// the store head its image reflects (model.ts HEAD_KEY), so a tab that writes from a stale image
// is refused, rebuilds from storage and makes its write again. Without the guard (the zoo's
// unguardedCommits) both tabs hand out the same queue ids and one write is lost under the other's.

import { describe, expect, it } from 'vitest';
import { MemoryStorage } from './adapters/memory-storage.ts';
import { ManualConnectivity, StaticTokenProvider } from './adapters/real.ts';
import { seededRandom } from './adapters/seeded-random.ts';
import { ManualTime } from './testing/manual-time.ts';
import { SyncEngine } from './engine.ts';
import type { StoragePort, TransportPort } from './ports.ts';
import { CORRECT_VARIANT, type CoreVariant } from './core/variant.ts';
import { HEAD_KEY, type QueueItem } from './model.ts';

const offlineTransport: TransportPort = {
  push: () => Promise.reject(new Error('offline: no push expected')),
  pull: () => Promise.reject(new Error('offline: no pull expected')),
};

function openTab(storage: StoragePort, seed: number, variant: CoreVariant = CORRECT_VARIANT): Promise<SyncEngine> {
  const time = new ManualTime(1_000_000);
  return SyncEngine.open(
    { clientId: 'device', syncIntervalMs: 0 },
    { clock: time, timers: time, random: seededRandom(seed), storage, transport: offlineTransport, connectivity: new ManualConnectivity(false), tokens: new StaticTokenProvider(async () => 'token') },
    variant,
  );
}

/** Writes in turn: tab A, tab B, tab A, … each one made after the other tab committed. */
async function alternate(a: SyncEngine, b: SyncEngine, count: number): Promise<(string | null)[]> {
  const queueIds: (string | null)[] = [];
  for (let i = 0; i < count; i++) queueIds.push(await (i % 2 === 0 ? a : b).write('create', 'note', `n${i}`, { title: `t${i}` }));
  return queueIds;
}

describe('two engines (tabs) over one store', () => {
  it('writes made in turn in two tabs all succeed, with distinct queue ids, and every one is queued in the store', async () => {
    const storage = new MemoryStorage();
    const a = await openTab(storage, 1);
    const b = await openTab(storage, 2);
    const queueIds = await alternate(a, b, 6);
    expect(new Set(queueIds).size).toBe(6);
    const queued = [...(await storage.load()).sync_queue.values()] as QueueItem[];
    expect(queued.map((item) => item.entityId).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    expect(queued.map((item) => item.queueId).sort()).toEqual([...queueIds].sort());
    // A tab refused as stale rebuilt from the store: each now sees the other's writes too.
    expect(a.list('note').map((record) => record.entityId).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    // Every write's commit moved the head one on (rebuilds' own commits may add more).
    const head = (await storage.load()).metadata.get(HEAD_KEY) as { commit: number };
    expect(head.commit).toBeGreaterThanOrEqual(6);
    await a.close();
    await b.close();
  });

  it('refresh() reloads a tab whose image is behind the store, and only then', async () => {
    const storage = new MemoryStorage();
    const a = await openTab(storage, 1);
    const b = await openTab(storage, 2);
    await b.write('create', 'note', 'from-b', { title: 'b' });
    expect(a.get('note', 'from-b')).toBeUndefined();
    expect(await a.refresh()).toBe(true);
    expect(a.get('note', 'from-b')?.fields).toEqual({ title: 'b' });
    expect(a.status().queueLength).toBe(1); // b's write is in the one queue: a would send it if b closed
    expect(await a.refresh()).toBe(false);
    await a.close();
    await b.close();
  });

  it('without the head guard (the zoo bug), the second tab reuses a queue id and the first write is lost', async () => {
    const storage = new MemoryStorage();
    const variant: CoreVariant = { ...CORRECT_VARIANT, name: 'unguarded', unguardedCommits: true };
    const a = await openTab(storage, 1, variant);
    const b = await openTab(storage, 2, variant);
    const queueIds = await alternate(a, b, 2);
    expect(queueIds[0]).toBe(queueIds[1]);
    const queued = [...(await storage.load()).sync_queue.values()] as QueueItem[];
    expect(queued.map((item) => item.entityId)).toEqual(['n1']);
    await a.close();
    await b.close();
  });
});

// SyncEngine.open and its input loop: the schema migration on start (a new store is stamped,
// an old one migrated, a too-new one refused with nothing written) and back-to-back writes,
// each issued the moment the one before resolved, all being answered.

import { describe, expect, it } from 'vitest';
import { MemoryStorage } from './adapters/memory-storage.ts';
import { ManualConnectivity, StaticTokenProvider } from './adapters/real.ts';
import { seededRandom } from './adapters/seeded-random.ts';
import { ManualTime } from './testing/manual-time.ts';
import { SyncEngine } from './engine.ts';
import type { StoragePort, TransportPort } from './ports.ts';
import { SchemaError } from './schema/errors.ts';
import { SCHEMA_KEY } from './schema/history.ts';
import { VersionedStorage } from './schema/versioned-storage.ts';

const offlineTransport: TransportPort = {
  push: () => Promise.reject(new Error('offline: no push expected')),
  pull: () => Promise.reject(new Error('offline: no pull expected')),
};

function openOffline(storage: StoragePort): Promise<SyncEngine> {
  const time = new ManualTime(1_000_000);
  return SyncEngine.open(
    { clientId: 'me', syncIntervalMs: 0 },
    { clock: time, timers: time, random: seededRandom(1), storage, transport: offlineTransport, connectivity: new ManualConnectivity(false), tokens: new StaticTokenProvider(async () => 'token') },
  );
}

/** Resolves true when `promise` settles within `ticks` turns of the event loop (no clock involved). */
async function settlesWithin(promise: Promise<unknown>, ticks: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < ticks && !settled; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('SyncEngine.open migrates the store first', () => {
  it('a new store is stamped with the latest schema version before anything else is written', async () => {
    const storage = new MemoryStorage();
    const engine = await openOffline(storage);
    await engine.write('create', 'note', 'a', { title: 'x' });
    const snapshot = await storage.load();
    expect(snapshot.metadata.get(SCHEMA_KEY)).toEqual({ version: 5 });
    await engine.close();
  });

  it('a store from a newer release is refused and left exactly as it was', async () => {
    const storage = new MemoryStorage();
    await storage.commit([{ box: 'metadata', key: SCHEMA_KEY, value: { version: 9 } }]);
    const before = await storage.load();
    const error = await openOffline(storage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as Error).message).toBe('store schema version 9 is newer than this engine knows (5); nothing was changed');
    expect(await storage.load()).toEqual(before);
  });

  it('a store written by an old release is migrated and its queue kept', async () => {
    const memory = new MemoryStorage();
    const old = await openOffline(new VersionedStorage(memory, 2));
    await old.write('create', 'note', 'a', { title: 'queued by v2' });
    await old.close();
    const raw = memory.reopen();
    expect((await raw.load()).metadata.get(SCHEMA_KEY)).toEqual({ version: 2 });
    const upgraded = await openOffline(raw);
    expect(upgraded.status().queueLength).toBe(1);
    expect(upgraded.get('note', 'a')?.fields).toEqual({ title: 'queued by v2' });
    expect((await raw.load()).metadata.get(SCHEMA_KEY)).toEqual({ version: 5 });
    await upgraded.close();
  });
});

describe('the input loop', () => {
  it('a write issued the moment the previous one resolved is answered', async () => {
    const engine = await openOffline(new MemoryStorage());
    for (let i = 0; i < 10; i++) {
      await engine.write('create', 'note', `n${i}`, { i });
      // Before the fix, an input enqueued between the drain loop's last check and its
      // `finally` was never taken: this write never resolved.
      const next = engine.write('update', 'note', `n${i}`, { i: i + 1 });
      expect(await settlesWithin(next, 50), `update ${i}`).toBe(true);
    }
    expect(engine.status().queueLength).toBe(10);
    await engine.close();
  });
});

// Tests of CrashableStore: the StoragePort contract (through a thin async wrapper), atomic
// commits, injected quota errors and torn writes, snapshot isolation, and op validation.

import { describe, expect, it } from 'vitest';
import { runStorageContract } from '../engine/adapters/storage-contract.ts';
import type { BoxName, StoreSnapshot, WriteOp } from '../engine/model.ts';
import { StorageError, type StoragePort } from '../engine/ports.ts';
import { CrashableStore } from './store.ts';

const put = (box: BoxName, key: string, value: unknown): WriteOp => ({ box, key, value });
const del = (box: BoxName, key: string): WriteOp => ({ box, key, value: undefined });

const entries = (snapshot: StoreSnapshot, box: BoxName) => [...snapshot[box].entries()];

/** The async port over the sync store, as a device driver would see it; a reopen keeps the durable boxes. */
class CrashableStoragePort implements StoragePort {
  private closed = false;
  constructor(readonly store: CrashableStore) {}
  async load(): Promise<StoreSnapshot> {
    if (this.closed) throw new StorageError('closed', 'load after close');
    return this.store.loadSnapshot();
  }
  async commit(ops: readonly WriteOp[], head?: number): Promise<void> {
    if (this.closed) throw new StorageError('closed', 'commit after close');
    const result = this.store.commit(ops, head);
    if (!result.ok) throw new StorageError(result.code === 'torn' ? 'io' : result.code, result.message);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

runStorageContract('CrashableStore', async () => {
  const storage = new CrashableStoragePort(new CrashableStore());
  return {
    storage,
    reopen: async () => {
      await storage.close();
      return new CrashableStoragePort(storage.store);
    },
  };
});

describe('CrashableStore', () => {
  it('applies puts and deletes and counts boxes and commits', () => {
    const store = new CrashableStore();
    expect(store.commit([put('entities', 'a', 1), put('entities', 'b', 2), put('metadata', 'sync', { cursor: 0 })])).toEqual({ ok: true });
    expect(store.commit([del('entities', 'a'), del('entities', 'never')])).toEqual({ ok: true });
    expect(store.sizeOf('entities')).toBe(1);
    expect(store.sizeOf('metadata')).toBe(1);
    expect(store.sizeOf('dead_letter')).toBe(0);
    expect(store.commitCount).toBe(2);
    expect(entries(store.loadSnapshot(), 'entities')).toEqual([['b', 2]]);
  });

  it('a loaded snapshot is isolated from later commits, but values are shared by reference', () => {
    const store = new CrashableStore();
    const record = { title: 'x' };
    store.commit([put('entities', 'a', record)]);
    const before = store.loadSnapshot();
    store.commit([put('entities', 'a', { title: 'y' }), put('entities', 'b', 1), put('sync_queue', 'q', 1)]);
    expect(entries(before, 'entities')).toEqual([['a', record]]);
    expect(before.entities.get('a')).toBe(record);
    expect(before.sync_queue.size).toBe(0);
    (before.entities as Map<string, unknown>).set('sneaky', 1);
    expect(store.loadSnapshot().entities.has('sneaky')).toBe(false);
  });

  it('while the quota fails every commit is refused with nothing applied, then commits work again', () => {
    const store = new CrashableStore();
    store.commit([put('entities', 'a', 1)]);
    store.setQuotaFailing(true);
    expect(store.isQuotaFailing).toBe(true);
    for (const ops of [[put('entities', 'a', 2), put('sync_queue', 'q', 1)], []]) {
      const result = store.commit(ops);
      expect(result).toMatchObject({ ok: false, code: 'quota' });
      expect(result.ok ? '' : result.message).toMatch(/quota/);
    }
    expect(entries(store.loadSnapshot(), 'entities')).toEqual([['a', 1]]);
    expect(store.sizeOf('sync_queue')).toBe(0);
    expect(store.refusedCount).toBe(2);
    store.setQuotaFailing(false);
    expect(store.commit([put('entities', 'a', 3)]).ok).toBe(true);
    expect(store.loadSnapshot().entities.get('a')).toBe(3);
    expect(store.commitCount).toBe(2);
  });

  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
  ])('a torn commit of %i ops applies the first %i and reports torn, once', (count, applied) => {
    const store = new CrashableStore();
    const ops = Array.from({ length: count }, (_, i) => put('sync_queue', `q${i}`, i));
    store.setTorn(true);
    expect(store.isTornArmed).toBe(true);
    expect(store.commit(ops)).toMatchObject({ ok: false, code: 'torn' });
    expect([...store.loadSnapshot().sync_queue.keys()]).toEqual(ops.slice(0, applied).map((op) => op.key));
    expect(store.isTornArmed).toBe(false);
    expect(store.tornCount).toBe(1);
    expect(store.commitCount).toBe(0);
    expect(store.commit([put('entities', 'after', 1)])).toEqual({ ok: true });
    expect(store.sizeOf('entities')).toBe(1);
  });

  it('a torn write waits behind a failing quota, and can be disarmed', () => {
    const store = new CrashableStore();
    store.setTorn(true);
    store.setQuotaFailing(true);
    expect(store.commit([put('entities', 'a', 1), put('entities', 'b', 1)])).toMatchObject({ code: 'quota' });
    store.setQuotaFailing(false);
    expect(store.commit([put('entities', 'a', 1), put('entities', 'b', 1)])).toMatchObject({ code: 'torn' });
    expect(store.sizeOf('entities')).toBe(1);
    store.setTorn(true);
    store.setTorn(false);
    expect(store.commit([put('entities', 'c', 1), put('entities', 'd', 1)]).ok).toBe(true);
    expect(store.sizeOf('entities')).toBe(3);
  });

  it.each([
    ['an unknown box', { box: 'nope', key: 'k', value: 1 }, /"nope"/],
    ['an empty key', { box: 'entities', key: '', value: 1 }, /key should be a non-empty string, got ""/],
    ['a numeric key', { box: 'metadata', key: 7, value: 1 }, /got 7/],
  ])('a commit with %s throws naming the value and applies nothing, even when torn', (_label, bad, message) => {
    const store = new CrashableStore();
    store.setTorn(true);
    expect(() => store.commit([put('entities', 'a', 1), bad as unknown as WriteOp])).toThrow(message);
    expect(store.sizeOf('entities')).toBe(0);
    expect(store.isTornArmed).toBe(true);
  });

  it('sizeOf refuses an unknown box; the constructor copies an initial snapshot', () => {
    expect(() => new CrashableStore().sizeOf('nope' as BoxName)).toThrow(/"nope"/);
    const initial = new CrashableStore();
    initial.commit([put('conflicts', 'c1', { id: 1 }), put('metadata', 'sync', 2)]);
    const snapshot = initial.loadSnapshot();
    const copy = new CrashableStore(snapshot);
    copy.commit([del('conflicts', 'c1')]);
    expect(snapshot.conflicts.size).toBe(1);
    expect(entries(copy.loadSnapshot(), 'metadata')).toEqual([['sync', 2]]);
    expect(copy.sizeOf('conflicts')).toBe(0);
  });

});

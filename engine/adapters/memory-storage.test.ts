import { describe, expect, it } from 'vitest';
import type { WriteOp } from '../model.ts';
import { StorageError } from '../ports.ts';
import { MemoryStorage } from './memory-storage.ts';
import { runStorageContract } from './storage-contract.ts';

runStorageContract('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return { storage, reopen: async () => storage.reopen() };
});

const put = (key: string, value: unknown): WriteOp => ({ box: 'entities', key, value });

describe('MemoryStorage', () => {
  it('a commit over the quota fails with quota and applies none of its ops', async () => {
    // Each entry costs key length + JSON length: 'a' + '"xxxx"' = 7 bytes.
    const storage = new MemoryStorage({ quotaBytes: 20 });
    await storage.commit([put('a', 'xxxx'), put('b', 'xxxx')]);
    expect(storage.bytesUsed).toBe(14);
    // 'a' grows by 1 and 'c' adds 7: 22 bytes > 20.
    const error = await storage.commit([put('a', 'xxxxx'), put('c', 'xxxx')]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('quota');
    expect([...(await storage.load()).entities]).toEqual([
      ['a', 'xxxx'],
      ['b', 'xxxx'],
    ]);
    expect(storage.bytesUsed).toBe(14);
  });

  it('the quota counts overwrites and deletes, so freed space can be used again', async () => {
    const storage = new MemoryStorage({ quotaBytes: 20 });
    await storage.commit([put('a', 'xxxx'), put('b', 'xxxx')]);
    // Within one commit: 'a' shrinks to 4 bytes, 'b' is deleted, 'c' takes 7: 4 + 7 = 11.
    await storage.commit([put('a', 'x'), { box: 'entities', key: 'b', value: undefined }, put('c', 'xxxx')]);
    expect(storage.bytesUsed).toBe(11);
    await storage.commit([{ box: 'metadata', key: 'sync', value: 'yyy' }]); // 4 + 5 = 9, total 20
    expect(storage.bytesUsed).toBe(20);
    await expect(storage.commit([put('d', 1)])).rejects.toMatchObject({ code: 'quota' });
  });

  it('failCommitAt makes exactly the chosen commit fail, with nothing applied', async () => {
    const seen: [number, number][] = [];
    const storage = new MemoryStorage({
      failCommitAt: (commitIndex, ops) => {
        seen.push([commitIndex, ops.length]);
        return commitIndex === 2 ? new StorageError('quota', 'injected') : null;
      },
    });
    await storage.commit([put('a', 0)]);
    await storage.commit([put('b', 1), put('c', 1)]);
    await expect(storage.commit([put('a', 2), put('d', 2)])).rejects.toMatchObject({ code: 'quota', message: 'injected' });
    await storage.commit([put('e', 3)]);
    expect(seen).toEqual([
      [0, 1],
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    expect([...(await storage.load()).entities]).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
      ['e', 3],
    ]);
  });

  it('keeps values by reference (no copy on the hot path)', async () => {
    const storage = new MemoryStorage();
    const record = { fields: { title: 'x' } };
    await storage.commit([put('a', record)]);
    expect((await storage.load()).entities.get('a')).toBe(record);
  });

  it('reopen closes the old instance and shares the data with the new one', async () => {
    const storage = new MemoryStorage();
    await storage.commit([put('a', 1)]);
    const reopened = storage.reopen();
    await expect(storage.commit([put('b', 1)])).rejects.toMatchObject({ code: 'closed' });
    expect([...(await reopened.load()).entities]).toEqual([['a', 1]]);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects quotaBytes %s, naming the field', (quotaBytes) => {
    expect(() => new MemoryStorage({ quotaBytes })).toThrow(/quotaBytes/);
  });
});

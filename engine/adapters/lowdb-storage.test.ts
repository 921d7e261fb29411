import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BoxName, WriteOp } from '../model.ts';
import { StorageError } from '../ports.ts';
import { LowdbStorage } from './lowdb-storage.ts';
import { runStorageContract } from './storage-contract.ts';

let root = '';
let filesCount = 0;
const openedInTests: LowdbStorage[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'syncstorm-lowdb-'));
});
afterEach(async () => {
  await Promise.all(openedInTests.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshPath(): string {
  filesCount += 1;
  return join(root, `store-${filesCount}.json`);
}

async function openFresh(path = freshPath()): Promise<LowdbStorage> {
  const storage = await LowdbStorage.open(path);
  openedInTests.push(storage);
  return storage;
}

interface StoreFileJson {
  readonly format: unknown;
  readonly version: unknown;
  readonly boxes: Record<BoxName, Record<string, unknown>>;
}

async function readStoreFile(path: string): Promise<StoreFileJson> {
  return JSON.parse(await readFile(path, 'utf8')) as StoreFileJson;
}

/** lowdb (steno) writes `.<name>.tmp` next to the file, then renames it over the file. */
function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}

runStorageContract('LowdbStorage', async () => {
  const path = freshPath();
  const storage = await LowdbStorage.open(path);
  return {
    storage,
    reopen: async () => {
      await storage.close();
      return LowdbStorage.open(path);
    },
  };
});

const put = (key: string, value: unknown): WriteOp => ({ box: 'entities', key, value });

describe('LowdbStorage', () => {
  it('opening a missing file creates an empty version-1 store on disk', async () => {
    const storage = await openFresh();
    expect(await readStoreFile(storage.path)).toEqual({
      format: 'syncstorm-store',
      version: 1,
      boxes: { entities: {}, sync_queue: {}, metadata: {}, conflicts: {}, dead_letter: {} },
    });
  });

  it('a commit is on disk once it resolves', async () => {
    const storage = await openFresh();
    await storage.commit([put('e1', { title: 'hello' }), { box: 'metadata', key: 'sync', value: { cursor: 3 } }]);
    const file = await readStoreFile(storage.path);
    expect(file.boxes.entities).toEqual({ e1: { title: 'hello' } });
    expect(file.boxes.metadata).toEqual({ sync: { cursor: 3 } });
  });

  const corruptFiles: [string, string, RegExp][] = [
    ['text that is not JSON', '{"format": "syncstorm-store", "version": 1, "box', /not valid JSON/],
    ['an empty file', '', /not valid JSON/],
    ['a JSON array', '[]', /top level should be an object/],
    ['another format', JSON.stringify({ format: 'other', version: 1, boxes: {} }), /"format" should be "syncstorm-store", got "other"/],
    ['a newer version', JSON.stringify({ format: 'syncstorm-store', version: 2, boxes: {} }), /unsupported "version" 2/],
    ['no boxes', JSON.stringify({ format: 'syncstorm-store', version: 1 }), /"boxes" should be an object/],
    [
      'a box that is an array',
      JSON.stringify({ format: 'syncstorm-store', version: 1, boxes: { entities: [], sync_queue: {}, metadata: {}, conflicts: {}, dead_letter: {} } }),
      /boxes\.entities should be an object, got an array/,
    ],
    ['a missing box', JSON.stringify({ format: 'syncstorm-store', version: 1, boxes: { entities: {} } }), /boxes\.sync_queue should be an object, got nothing/],
    ['an unknown box', JSON.stringify({ format: 'syncstorm-store', version: 1, boxes: { extra: {} } }), /unknown box "extra"/],
  ];
  it.each(corruptFiles)('open rejects %s with StorageError corrupt naming the path', async (_label, text, what) => {
    const path = freshPath();
    await writeFile(path, text, 'utf8');
    const error = await LowdbStorage.open(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('corrupt');
    expect((error as StorageError).message).toContain(path);
    expect((error as StorageError).message).toMatch(what);
  });

  it('open rejects with io when the directory does not exist', async () => {
    await expect(LowdbStorage.open(join(root, 'no-such-dir', 'store.json'))).rejects.toMatchObject({ code: 'io' });
  });

  it('group commit: 100 concurrent commits share far fewer than 100 file writes, and all land', async () => {
    const storage = await openFresh();
    const commits = Array.from({ length: 100 }, (_, i) => storage.commit([put(`k${i}`, i)]));
    await Promise.all(commits);
    // Issued in one synchronous run, all 100 join the first group: one write.
    expect(storage.writesCount).toBeLessThan(100);
    expect(storage.writesCount).toBe(1);
    const onDisk = (await readStoreFile(storage.path)).boxes.entities;
    expect(Object.keys(onDisk)).toHaveLength(100);
    expect(onDisk.k99).toBe(99);
  });

  it('group commit: commits arriving during a write are coalesced into the next write', async () => {
    const storage = await openFresh();
    const first = storage.commit([put('first', 0)]);
    // Two microtasks: the first group has been taken and its write is in progress (file
    // I/O cannot finish within microtasks, so this does not depend on timing).
    await Promise.resolve();
    await Promise.resolve();
    expect(storage.writesCount).toBe(1);
    const later = Array.from({ length: 20 }, (_, i) => storage.commit([put(`later${i}`, i)]));
    await Promise.all([first, ...later]);
    expect(storage.writesCount).toBe(2);
    expect(Object.keys((await readStoreFile(storage.path)).boxes.entities)).toHaveLength(21);
  });

  it('a failed write rejects with io, rolls back, and the next commit still works', async () => {
    const storage = await openFresh();
    await storage.commit([put('a', 1)]);
    // A directory where the temp file goes makes the next write fail for real (EISDIR).
    await mkdir(tempPathOf(storage.path));
    const failing = [storage.commit([put('a', 2), put('b', 2)]), storage.commit([{ box: 'entities', key: 'a', value: undefined }])];
    const results = await Promise.allSettled(failing);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as StorageError;
      expect(reason).toBeInstanceOf(StorageError);
      expect(reason.code).toBe('io');
      expect(reason.message).toContain(storage.path);
    }
    expect([...(await storage.load()).entities]).toEqual([['a', 1]]);
    expect((await readStoreFile(storage.path)).boxes.entities).toEqual({ a: 1 });
    await rm(tempPathOf(storage.path), { recursive: true });
    await storage.commit([put('c', 3)]);
    expect((await readStoreFile(storage.path)).boxes.entities).toEqual({ a: 1, c: 3 });
  });

  it('a value JSON cannot hold fails its own commit only, even in a group', async () => {
    const storage = await openFresh();
    const good = storage.commit([put('good', 1)]);
    const bad = storage.commit([put('bad', 10n)]);
    const fn = storage.commit([put('fn', () => 1)]);
    await expect(bad).rejects.toThrow(/bad.*JSON/);
    await expect(fn).rejects.toThrow(/fn.*JSON/);
    await good;
    expect([...(await storage.load()).entities]).toEqual([['good', 1]]);
  });

  it('close waits for pending writes before resolving', async () => {
    const storage = await LowdbStorage.open(freshPath());
    const pending = storage.commit([put('late', 'x')]);
    await storage.close();
    expect((await readStoreFile(storage.path)).boxes.entities).toEqual({ late: 'x' });
    await pending;
  });

  it('keeps integer-like keys in insertion order in the file text, and reads them back in that order', async () => {
    const path = freshPath();
    const text = '{"format":"syncstorm-store","version":1,"boxes":{"entities":{"b":1,"10":2,"a":3,"2":4,"b":5},"sync_queue":{},"metadata":{},"conflicts":{},"dead_letter":{}}}';
    await writeFile(path, text, 'utf8');
    const storage = await openFresh(path);
    // A repeated key keeps its first place and its last value, as JSON.parse does.
    expect([...(await storage.load()).entities]).toEqual([
      ['b', 5],
      ['10', 2],
      ['a', 3],
      ['2', 4],
    ]);
    await storage.commit([put('1', 6)]);
    const written = await readFile(path, 'utf8');
    expect(written.indexOf('"b"')).toBeLessThan(written.indexOf('"10"'));
    expect(written.indexOf('"2"')).toBeLessThan(written.indexOf('"1"'));
  });
});

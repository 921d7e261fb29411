// Encryption at rest for LowdbStorage: the storage contract on an encrypted store, no
// plaintext in the file, a wrong key and every single flipped bit refused with a clear
// StorageError, entries that cannot be swapped, and the key providers' parsing.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WriteOp } from '../model.ts';
import { StorageError } from '../ports.ts';
import { EntryCipher, type StoreEncryption } from './encryption.ts';
import { envKeyProvider, fileKeyProvider, parseKeyText, seededIvSource, seededKeyProvider, staticKeyProvider } from './key-providers.ts';
import { decodeCheckedStoreText, LowdbStorage } from './lowdb-storage.ts';
import { seededRandom } from './seeded-random.ts';
import { runStorageContract } from './storage-contract.ts';

const KEY = new Uint8Array(Array.from({ length: 32 }, (_, i) => i * 7 + 1));
const OTHER_KEY = new Uint8Array(Array.from({ length: 32 }, (_, i) => 255 - i));

let root = '';
let filesCount = 0;
const opened: LowdbStorage[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'syncstorm-encrypted-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshPath(): string {
  filesCount += 1;
  return join(root, `store-${filesCount}.json`);
}

function encryption(key: Uint8Array = KEY, seed = 1): StoreEncryption {
  return { keys: staticKeyProvider(key), ivs: seededIvSource(seededRandom(seed)) };
}

async function openTracked(path: string, options: { encryption?: StoreEncryption } = { encryption: encryption() }): Promise<LowdbStorage> {
  const storage = await LowdbStorage.open(path, options);
  opened.push(storage);
  return storage;
}

/** Why opening and loading `path` failed: a StorageError code, or 'opened' when it did not. */
async function refusal(path: string, options: { encryption?: StoreEncryption } = { encryption: encryption() }): Promise<string> {
  try {
    const storage = await LowdbStorage.open(path, options);
    await storage.load();
    await storage.close();
    return 'opened';
  } catch (error) {
    return error instanceof StorageError ? error.code : `not a StorageError: ${String(error)}`;
  }
}

runStorageContract('LowdbStorage (encrypted)', async () => {
  const path = freshPath();
  const storage = await LowdbStorage.open(path, { encryption: encryption() });
  return {
    storage,
    reopen: async () => {
      await storage.close();
      return LowdbStorage.open(path, { encryption: encryption(KEY, 2) });
    },
  };
});

const SECRET_OPS: WriteOp[] = [
  { box: 'entities', key: 'note\u0000n1', value: { entityType: 'note', entityId: 'n1', fields: { title: 'Quarterly-Plan-Alpha', body: 'salary 93817' }, deleted: false } },
  { box: 'sync_queue', key: 'me:1', value: { queueId: 'me:1', action: 'update', payload: { title: 'Quarterly-Plan-Beta' } } },
  { box: 'conflicts', key: 'k1', value: { conflictId: 'k1', local: { body: 'whistleblower-memo' }, clashingFields: ['body'] } },
  { box: 'dead_letter', key: 'me:0', value: { queueId: 'me:0', item: { payload: { title: 'refused-secret-title' } }, message: 'forbidden-detail-xyz' } },
  { box: 'metadata', key: 'sync', value: { clientId: 'device-secret-id', cursor: 41 } },
];
const SECRET_VALUES = ['Quarterly-Plan', 'salary', '93817', 'whistleblower', 'refused-secret', 'forbidden-detail', 'device-secret-id', 'payload', 'fields'];

describe('LowdbStorage with encryption', () => {
  it('the file holds none of the plaintext values, and they load back unchanged', async () => {
    const path = freshPath();
    const storage = await openTracked(path);
    await storage.commit(SECRET_OPS);
    const text = await readFile(path, 'utf8');
    for (const secret of SECRET_VALUES) expect(text, secret).not.toContain(secret);
    expect(text).toContain('"algorithm":"aes-256-gcm"');
    const reopened = await openTracked(path, { encryption: encryption(KEY, 9) });
    const snapshot = await reopened.load();
    for (const op of SECRET_OPS) expect(snapshot[op.box].get(op.key)).toEqual(op.value);
  });

  it('a wrong key is refused at open with StorageError key, naming the file', async () => {
    const path = freshPath();
    await (await openTracked(path)).commit(SECRET_OPS);
    const error = await LowdbStorage.open(path, { encryption: encryption(OTHER_KEY) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('key');
    expect((error as Error).message).toBe(`storage file ${path}: the encryption key does not open this store (wrong key, or a damaged key check); nothing was read`);
  });

  it('an encrypted file without a key, and a plaintext file with one, are refused', async () => {
    const encryptedPath = freshPath();
    await openTracked(encryptedPath);
    await expect(LowdbStorage.open(encryptedPath)).rejects.toThrow(`storage file ${encryptedPath} is encrypted; open it with an encryption key`);
    const plainPath = freshPath();
    await openTracked(plainPath, {});
    await expect(LowdbStorage.open(plainPath, { encryption: encryption() })).rejects.toMatchObject({ code: 'key' });
  });

  it('every single flipped bit anywhere in the file is refused with a StorageError', async () => {
    const path = freshPath();
    const storage = await openTracked(path);
    await storage.commit(SECRET_OPS);
    await storage.close();
    const original = await readFile(path);
    const cipher = new EntryCipher(KEY, seededIvSource(seededRandom(1)), path);
    const flippedAt = (position: number): Buffer => {
      const flipped = Buffer.from(original);
      flipped[position] = flipped[position]! ^ (1 << (position % 7));
      return flipped;
    };
    // Every position through the open's own decoder (fast: no file I/O)…
    const outcomes = new Map<string, number>();
    for (let position = 0; position < original.length; position++) {
      let outcome = 'opened';
      try {
        // Decoded as readFile(…, 'utf8') does: an invalid byte becomes U+FFFD.
        decodeCheckedStoreText(flippedAt(position).toString('utf8'), path, cipher);
      } catch (error) {
        outcome = error instanceof StorageError ? error.code : `not a StorageError: ${String(error)}`;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(original.length).toBeGreaterThan(1000);
    expect([...outcomes.keys()].sort()).toEqual(['corrupt', 'key']);
    // …and a spread of them through LowdbStorage.open from disk.
    const flippedPath = freshPath();
    for (let position = 0; position < original.length; position += Math.floor(original.length / 12)) {
      await writeFile(flippedPath, flippedAt(position));
      expect(await refusal(flippedPath), `position ${position}`).toMatch(/^(corrupt|key)$/);
    }
  });

  it('a flipped byte inside an entry names its box and key', async () => {
    const path = freshPath();
    const storage = await openTracked(path);
    await storage.commit(SECRET_OPS);
    await storage.close();
    const text = await readFile(path, 'utf8');
    const at = text.indexOf('gcm1:', text.indexOf('"me:1"')) + 20;
    await writeFile(path, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    await expect(LowdbStorage.open(path, { encryption: encryption() })).rejects.toThrow(`storage file ${path}: entry sync_queue/"me:1" fails authentication (tampered or damaged); nothing was read`);
  });

  it('an entry moved under another key is refused (box and key are authenticated)', async () => {
    const path = freshPath();
    const storage = await openTracked(path);
    await storage.commit([{ box: 'sync_queue', key: 'q1', value: { n: 1 } }, { box: 'sync_queue', key: 'q2', value: { n: 2 } }]);
    await storage.close();
    const file = JSON.parse(await readFile(path, 'utf8')) as { boxes: { sync_queue: Record<string, string> } };
    const queue = file.boxes.sync_queue;
    [queue.q1, queue.q2] = [queue.q2!, queue.q1!];
    await writeFile(path, JSON.stringify(file));
    await expect(LowdbStorage.open(path, { encryption: encryption() })).rejects.toThrow('entry sync_queue/"q1" fails authentication');
  });

  it('the same key and IV seed write the same bytes (simulation replays)', async () => {
    const [a, b] = [freshPath(), freshPath()];
    for (const path of [a, b]) {
      const storage = await openTracked(path, { encryption: encryption(KEY, 42) });
      await storage.commit(SECRET_OPS);
      await storage.close();
    }
    expect(await readFile(a, 'utf8')).toBe(await readFile(b, 'utf8'));
  });
});

describe('key providers', () => {
  const hex = Buffer.from(KEY).toString('hex');
  const base64 = Buffer.from(KEY).toString('base64');

  it('read a key as hex or base64 from an env var or a file', async () => {
    expect(await envKeyProvider('STORE_KEY', { STORE_KEY: hex }).key()).toEqual(KEY);
    expect(await envKeyProvider('STORE_KEY', { STORE_KEY: ` ${base64}\n` }).key()).toEqual(KEY);
    const keyPath = join(root, 'store.key');
    await writeFile(keyPath, `${hex}\n`);
    expect(await fileKeyProvider(keyPath).key()).toEqual(KEY);
  });

  it('a seeded key provider gives the same 32 bytes for the same seed', async () => {
    const [a, b, c] = await Promise.all([1, 1, 2].map((seed) => seededKeyProvider(seededRandom(seed)).key()));
    expect(a).toHaveLength(32);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('refuse a missing or malformed key clearly', async () => {
    await expect(envKeyProvider('STORE_KEY', {}).key()).rejects.toThrow('environment variable STORE_KEY is not set (it should hold the store key)');
    expect(() => parseKeyText('abcd', 'environment variable K')).toThrow('environment variable K should hold a 32-byte key as 64 hex digits or base64, got 4 characters that are neither');
    await expect(fileKeyProvider(join(root, 'missing.key')).key()).rejects.toThrow(/key file .*missing\.key cannot be read/);
    await expect(LowdbStorage.open(freshPath(), { encryption: { keys: staticKeyProvider(new Uint8Array(16)), ivs: seededIvSource(seededRandom(1)) } })).rejects.toThrow(
      'encryption key should be 32 bytes (AES-256), got 16 bytes',
    );
  });
});

// LowdbStorage: the StoragePort over one JSON file (lowdb 7; format in store-file.ts).
// Owns group commit and rollback. Every write re-serialises the whole file (lowdb writes a
// temp file and renames it, so a crash never leaves a torn file), so commits that arrive
// while a write is in progress are coalesced into the next single write; each caller's
// promise settles once the write holding its ops is on disk, or has failed.
// Only durable data is visible: a group is applied to a copy, and the copy becomes the
// store's state after its write succeeds, so a failed write leaves nothing to undo.
// With the `encryption` option every entry is sealed (encryption.ts) on the way in and
// authenticated on open and on every load, so a wrong key or a tampered file is an error.

import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { BOX_NAMES, emptySnapshot, HEAD_KEY, headOf, headSetBy, type BoxName, type StoreSnapshot, type WriteOp } from '../model.ts';
import { StorageError, type StoragePort } from '../ports.ts';
import { EntryCipher, loadStoreKey, type EncryptionHeader, type StoreEncryption } from './encryption.ts';
import { decodeStoreFile, emptyEncodedBoxes, encodeStoreFile, type EncodedBoxes } from './store-file.ts';
import { assertWriteOps, staleError } from './write-ops.ts';

/** A write op with its value already JSON text; json undefined deletes the key. */
interface EncodedOp {
  readonly box: BoxName;
  readonly key: string;
  readonly json: string | undefined;
}

interface PendingCommit {
  readonly ops: readonly EncodedOp[];
  /** Its guard (StoragePort.commit), checked when its group is applied, against the commits before it. */
  readonly head: number | undefined;
  /** The head its ops set, or null when they do not touch metadata/'head'. */
  readonly headSet: number | null;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface LowdbStorageOptions {
  /** Encrypt every entry at rest (AES-256-GCM). A store is created encrypted or plain and stays so. */
  readonly encryption?: StoreEncryption;
}

/** Validates and serialises (and seals, when encrypted) on the way in, so one bad value fails its own commit, not a whole group. */
function encodeOps(ops: readonly WriteOp[], cipher: EntryCipher | null): EncodedOp[] {
  assertWriteOps(ops);
  return ops.map((op, index) => {
    if (op.value === undefined) return { box: op.box, key: op.key, json: undefined };
    let json: string | undefined;
    try {
      json = JSON.stringify(op.value) as string | undefined;
    } catch (error) {
      throw new Error(`write op ${index} (${op.box}/${op.key}): value cannot be stored as JSON: ${messageOf(error)}`);
    }
    if (json === undefined) throw new Error(`write op ${index} (${op.box}/${op.key}): value cannot be stored as JSON (${typeof op.value})`);
    return { box: op.box, key: op.key, json: cipher === null ? json : JSON.stringify(cipher.seal(op.box, op.key, json)) };
  });
}

/** The boxes after `group`, sharing every box the group does not touch with `durable`. */
function applyGroup(durable: EncodedBoxes, group: readonly PendingCommit[]): EncodedBoxes {
  const next: Record<BoxName, ReadonlyMap<string, string>> = { ...durable };
  const copies = new Map<BoxName, Map<string, string>>();
  for (const commit of group) {
    for (const op of commit.ops) {
      let box = copies.get(op.box);
      if (box === undefined) {
        box = new Map(durable[op.box]);
        copies.set(op.box, box);
        next[op.box] = box;
      }
      if (op.json === undefined) box.delete(op.key);
      else box.set(op.key, op.json);
    }
  }
  return next;
}

/**
 * Parses and checks the file text (store-file.ts), then its encryption: refuses a key for a
 * plaintext store or none for an encrypted one, a wrong key, and any entry that fails
 * authentication. Every fault is a StorageError naming the file (and the entry).
 */
export function decodeCheckedStoreText(text: string, path: string, cipher: EntryCipher | null): { boxes: EncodedBoxes; header: EncryptionHeader | null } {
  const { boxes, encryption: header } = decodeStoreFile(text, path);
  if (header === null && cipher === null) return { boxes, header };
  if (header === null) throw new StorageError('key', `storage file ${path} is not encrypted, but an encryption key was given; nothing was read`);
  if (cipher === null) throw new StorageError('key', `storage file ${path} is encrypted; open it with an encryption key (LowdbStorage.open option encryption)`);
  cipher.verifyHeader(header);
  // Every entry now, so a damaged file fails at open, not in the middle of a run.
  for (const box of BOX_NAMES) for (const [key, json] of boxes[box]) cipher.open(box, key, JSON.parse(json));
  return { boxes, header };
}

export class LowdbStorage implements StoragePort {
  readonly path: string;
  readonly #db: Low<EncodedBoxes>;
  /** Null for a plaintext store. */
  readonly #cipher: EntryCipher | null;
  /** What is on disk. */
  #durable: EncodedBoxes;
  /** The head on disk (metadata/'head'; 0 when none). */
  #durableHead: number;
  /** Commits waiting for the next write, in call order. */
  #pending: PendingCommit[] = [];
  /** The running write loop, or null when idle. */
  #flushing: Promise<void> | null = null;
  #closed = false;
  #writesCount = 0;

  private constructor(path: string, db: Low<EncodedBoxes>, cipher: EntryCipher | null) {
    this.path = path;
    this.#db = db;
    this.#cipher = cipher;
    this.#durable = db.data;
    const head = db.data.metadata.get(HEAD_KEY);
    this.#durableHead = head === undefined ? 0 : headOf(JSON.parse(cipher === null ? head : cipher.open('metadata', HEAD_KEY, JSON.parse(head))));
  }

  /**
   * Opens (creating it when missing) and validates the store file. Rejects with
   * StorageError('corrupt') for a file that is not a version-1 store or has an entry that
   * fails authentication, 'key' when an encrypted store gets no key or a wrong one (or a
   * plaintext store gets a key), 'io' when it cannot be read or created.
   */
  static async open(path: string, options: LowdbStorageOptions = {}): Promise<LowdbStorage> {
    const { encryption } = options;
    const cipher = encryption === undefined ? null : new EntryCipher(await loadStoreKey(encryption.keys), encryption.ivs, path);
    // The header is fixed when the file is created; the codec closes over it.
    let header: EncryptionHeader | null = null;
    const parse = (text: string): EncodedBoxes => {
      const decoded = decodeCheckedStoreText(text, path, cipher);
      header = decoded.header;
      return decoded.boxes;
    };
    // DataFile is JSONFile with our codec: JSONFile's JSON.stringify would reorder integer-like keys.
    const file = new DataFile<EncodedBoxes>(path, { parse, stringify: (boxes) => encodeStoreFile(boxes, header) });
    const db = new Low<EncodedBoxes>(file, emptyEncodedBoxes());
    try {
      const existing = await file.read();
      if (existing === null) {
        header = cipher?.newHeader() ?? null;
        await db.write();
      } else {
        db.data = existing;
      }
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new StorageError('io', `storage file ${path} cannot be opened: ${messageOf(error)}`);
    }
    return new LowdbStorage(path, db, cipher);
  }

  /** The durable state: commits still waiting for their write are not in it. */
  async load(): Promise<StoreSnapshot> {
    if (this.#closed) throw new StorageError('closed', `storage file ${this.path}: load after close`);
    const snapshot = emptySnapshot() as Record<BoxName, ReadonlyMap<string, unknown>>;
    const cipher = this.#cipher;
    for (const box of BOX_NAMES) {
      const values = new Map<string, unknown>();
      for (const [key, json] of this.#durable[box]) values.set(key, JSON.parse(cipher === null ? json : cipher.open(box, key, JSON.parse(json))));
      snapshot[box] = values;
    }
    return snapshot;
  }

  async commit(ops: readonly WriteOp[], head?: number): Promise<void> {
    if (this.#closed) throw new StorageError('closed', `storage file ${this.path}: commit after close`);
    const encoded = encodeOps(ops, this.#cipher);
    const headSet = headSetBy(ops);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ ops: encoded, head, headSet, resolve, reject });
      this.#flushing ??= this.#flushAll();
    });
  }

  /** Refuses new commits, then waits until every accepted commit has been written (or has failed). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
  }

  /** File writes started by commits (not counting the one creating a new file): group commit's measure. */
  get writesCount(): number {
    return this.#writesCount;
  }

  async #flushAll(): Promise<void> {
    // One microtask's grace: commits issued in the same synchronous run share the first write.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      await this.#writeGroup(group);
    }
    this.#flushing = null;
  }

  /** Writes one group and settles its callers; never rejects (the loop must keep going). */
  async #writeGroup(all: readonly PendingCommit[]): Promise<void> {
    // Guards in call order, each against the head the commits before it leave.
    let head = this.#durableHead;
    const group: PendingCommit[] = [];
    for (const commit of all) {
      if (commit.head !== undefined && commit.head !== head) {
        commit.reject(staleError(`storage file ${this.path}`, commit.head, head));
        continue;
      }
      group.push(commit);
      head = commit.headSet ?? head;
    }
    if (group.length === 0) return;
    try {
      const next = applyGroup(this.#durable, group);
      this.#db.data = next;
      this.#writesCount += 1;
      await this.#db.write();
      this.#durable = next;
      this.#durableHead = head;
    } catch (error) {
      this.#db.data = this.#durable;
      const failure = new StorageError('io', `storage file ${this.path}: write failed, ${group.length} commit(s) not applied: ${messageOf(error)}`);
      for (const commit of group) commit.reject(failure);
      return;
    }
    for (const commit of group) commit.resolve();
  }
}

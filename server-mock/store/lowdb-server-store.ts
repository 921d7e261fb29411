// LowdbServerStore: the mock server's state in one lowdb file (format in server-file.ts), with
// GROUP COMMIT. The ServerCore mutates the live state in memory; the caller then calls
// markDirty() and awaits flush(), which resolves only once a file write that includes the change
// is on disk. A write captures the state when it starts (serialisation is synchronous), so a
// change made while a write is in progress joins the next write; every change that arrives during
// one write shares that next write. lowdb (steno) writes a temp file and renames it over the
// file, so a kill -9 at any moment leaves either the old or the new file, both readable.
//
// The file is not fsync'ed (steno does not): a killed process loses nothing the OS accepted, a
// power loss may. The threat model here is process death.
//
// A failed write rejects the flushes waiting on it (the HTTP layer answers 500; the change stays
// applied in memory, and the client's retry is a replay) and schedules another attempt with
// backoff; flushes arriving meanwhile wait for that attempt.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { freshServerState, restoreServerState, type ServerState } from '../core/index.ts';
import { decodeServerFile, encodeServerFile, type EntryTextCache } from './server-file.ts';

export interface LowdbServerStoreOptions {
  /** Epoch of the fresh state when the file does not exist yet. */
  readonly epochIfNew: string;
  /** Delay before retrying a failed write; doubles per failure up to retryDelayMsMax. */
  readonly retryDelayMs?: number;
  readonly retryDelayMsMax?: number;
}

export interface StoreWriteEvent {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Changes (markDirty calls) this write made durable; 0 when it failed. */
  readonly changes: number;
  readonly error?: string;
}

interface Waiter {
  readonly version: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const RETRY_DELAY_MS_DEFAULT = 50;
const RETRY_DELAY_MS_MAX_DEFAULT = 1_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function requireDelay(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 60_000) {
    throw new Error(`LowdbServerStore.open: ${field} should be an integer from 1 to 60000, got ${String(value)}`);
  }
  return value;
}

/** A new epoch id, unique across restores and resets of any server (time + 48 random bits). */
export function newEpochId(nowMs = Date.now()): string {
  return `e${nowMs.toString(36)}-${randomBytes(6).toString('hex')}`;
}

export class LowdbServerStore {
  readonly path: string;
  readonly #db: Low<ServerState>;
  readonly #retryDelayMsMin: number;
  readonly #retryDelayMsMax: number;
  #retryDelayMs: number;
  /** Changes marked so far; the state at version v holds every change up to v. */
  #version = 0;
  /** Highest version known to be on disk. */
  #durableVersion = 0;
  /** Flushes waiting for a write, in ascending version order. */
  #waiters: Waiter[] = [];
  #loop: Promise<void> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set when close() starts: no new loop or retry, close() writes what is left itself. */
  #closing = false;
  #closed = false;
  #closePromise: Promise<void> | null = null;
  #writesCount = 0;
  #writeFailuresCount = 0;
  readonly #listeners = new Set<(event: StoreWriteEvent) => void>();

  private constructor(path: string, db: Low<ServerState>, retryDelayMs: number, retryDelayMsMax: number) {
    this.path = path;
    this.#db = db;
    this.#retryDelayMsMin = retryDelayMs;
    this.#retryDelayMs = retryDelayMs;
    this.#retryDelayMsMax = retryDelayMsMax;
  }

  /**
   * Opens the file, creating it (and its directory) with a fresh state when missing, so a restart
   * without any push still resumes the same epoch. Rejects naming the path for an unreadable or
   * corrupt file: the server must not start over a file it would overwrite.
   */
  static async open(path: string, options: LowdbServerStoreOptions): Promise<LowdbServerStore> {
    if (typeof path !== 'string' || path.length === 0) throw new Error(`LowdbServerStore.open: path should be a non-empty string, got ${String(path)}`);
    if (typeof options?.epochIfNew !== 'string' || options.epochIfNew.length === 0) {
      throw new Error(`LowdbServerStore.open: epochIfNew should be a non-empty string, got ${String(options?.epochIfNew)}`);
    }
    const retryDelayMs = requireDelay('retryDelayMs', options.retryDelayMs ?? RETRY_DELAY_MS_DEFAULT);
    const retryDelayMsMax = requireDelay('retryDelayMsMax', options.retryDelayMsMax ?? RETRY_DELAY_MS_MAX_DEFAULT);
    const cache: EntryTextCache = new WeakMap();
    // DataFile, not JSONFilePreset: the preset silently goes in-memory when NODE_ENV is 'test'.
    const file = new DataFile<ServerState>(path, { parse: (text) => decodeServerFile(text, path), stringify: (state) => encodeServerFile(state, cache) });
    const db = new Low<ServerState>(file, freshServerState(options.epochIfNew));
    let existing: ServerState | null;
    try {
      existing = await file.read();
    } catch (error) {
      throw new Error(messageOf(error).includes(path) ? messageOf(error) : `server state file ${path} cannot be read: ${messageOf(error)}`);
    }
    if (existing === null) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await db.write();
      } catch (error) {
        throw new Error(`server state file ${path} cannot be created: ${messageOf(error)}`);
      }
    } else {
      db.data = existing;
    }
    return new LowdbServerStore(path, db, retryDelayMs, retryDelayMsMax);
  }

  /** The live state the store persists: build the ServerCore on it (it mutates it in place). */
  load(): ServerState {
    return this.#db.data;
  }

  /** Persists `state` from now on instead (admin reset, restore); marks the store dirty. */
  replaceState(state: ServerState): void {
    this.#assertOpen('replaceState');
    this.#db.data = state;
    this.markDirty();
  }

  /**
   * Loads an older file as the new live state under a new epoch (clients then detect the
   * rollback). The caller builds a new ServerCore on the result and awaits flush().
   */
  async restoreFrom(olderFile: string, newEpoch: string = newEpochId()): Promise<ServerState> {
    this.#assertOpen('restoreFrom');
    let text: string;
    try {
      text = await readFile(olderFile, 'utf8');
    } catch (error) {
      throw new Error(`restoreFrom: ${olderFile} cannot be read: ${messageOf(error)}`);
    }
    const snapshot = decodeServerFile(text, olderFile);
    if (newEpoch === this.#db.data.epoch) throw new Error(`restoreFrom: newEpoch should differ from the current epoch, got ${newEpoch}`);
    const restored = restoreServerState(snapshot, newEpoch);
    this.replaceState(restored);
    return restored;
  }

  /** Records that the live state changed; a write including it follows soon. */
  markDirty(): void {
    this.#assertOpen('markDirty');
    this.#version += 1;
    this.#kick();
  }

  /**
   * Resolves once every change marked before this call is on disk; rejects if the write that
   * should have carried it failed (the store keeps retrying in the background).
   */
  flush(): Promise<void> {
    const version = this.#version;
    if (version <= this.#durableVersion) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error(`server state file ${this.path}: flush after close`));
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ version, resolve, reject });
      this.#kick();
    });
  }

  /** Writes what is left (one last attempt) and stops; rejects if changes remain unsaved. */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    await this.#loop;
    if (this.#version > this.#durableVersion) {
      this.#loop = this.#writeLoop();
      await this.#loop;
    }
    this.#closed = true;
    const unsaved = this.#version - this.#durableVersion;
    // Flushes that arrived while the last write ran and were not carried by it.
    this.#settle(Number.POSITIVE_INFINITY, unsaved > 0 ? new Error(`server state file ${this.path}: closed with ${unsaved} change(s) not written`) : null);
    if (unsaved > 0) throw new Error(`server state file ${this.path}: closed with ${unsaved} change(s) not written`);
  }

  /** Listens to every file write (metrics); returns an unsubscribe function. */
  onWrite(listener: (event: StoreWriteEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** File writes attempted after open (group commit's measure). */
  get writesCount(): number {
    return this.#writesCount;
  }

  get writeFailuresCount(): number {
    return this.#writeFailuresCount;
  }

  /** True while some marked change is not on disk yet. */
  get dirty(): boolean {
    return this.#version > this.#durableVersion;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new Error(`server state file ${this.path}: ${operation} after close`);
  }

  /** Starts the write loop unless it runs already or a retry is scheduled. */
  #kick(): void {
    if (this.#loop !== null || this.#retryTimer !== null || this.#closing) return;
    this.#loop = this.#graceThenWrite();
  }

  async #graceThenWrite(): Promise<void> {
    // Requests parsed in the same turn of the event loop share the first write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#writeLoop();
  }

  /** Writes until everything marked is durable or a write fails; never rejects. */
  async #writeLoop(): Promise<void> {
    try {
      while (this.#version > this.#durableVersion) {
        if (!(await this.#writeOnce())) break;
      }
    } finally {
      this.#loop = null;
    }
  }

  async #writeOnce(): Promise<boolean> {
    const version = this.#version;
    const startedMs = performance.now();
    this.#writesCount += 1;
    try {
      // Low.write serialises synchronously before its first await: the write holds exactly `version`.
      await this.#db.write();
    } catch (error) {
      this.#writeFailed(version, performance.now() - startedMs, error);
      return false;
    }
    const changes = version - this.#durableVersion;
    this.#durableVersion = version;
    this.#retryDelayMs = this.#retryDelayMsMin;
    this.#settle(version, null);
    this.#emit({ ok: true, durationMs: performance.now() - startedMs, changes });
    return true;
  }

  #writeFailed(version: number, durationMs: number, error: unknown): void {
    this.#writeFailuresCount += 1;
    const failure = new Error(`server state file ${this.path}: write failed: ${messageOf(error)}`);
    this.#settle(version, failure);
    this.#emit({ ok: false, durationMs, changes: 0, error: failure.message });
    if (this.#closing) return;
    const delayMs = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMsMax, 2 * delayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#kick();
    }, delayMs);
    // The HTTP server keeps a serving process alive; a pending retry alone must not.
    this.#retryTimer.unref();
  }

  /** Settles every waiter whose change the write at `version` carried. */
  #settle(version: number, failure: Error | null): void {
    let count = 0;
    while (count < this.#waiters.length && (this.#waiters[count] as Waiter).version <= version) count += 1;
    const settled = this.#waiters.splice(0, count);
    for (const waiter of settled) {
      if (failure === null) waiter.resolve();
      else waiter.reject(failure);
    }
  }

  #emit(event: StoreWriteEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A metrics listener must never break the write loop.
      }
    }
  }
}

// LowdbServerStore: the mock server's state on disk, with GROUP COMMIT. The ServerCore mutates
// the live state in memory; the caller then calls markDirty() and awaits flush(), which resolves
// only once a write that includes the change is durable (fsync'ed). A commit captures the state
// when it starts (synchronously), so a change made while a commit is in progress joins the next
// one; every change that arrives during one commit shares that next commit.
//
// On disk (server-state-file.ts, journal.ts): a snapshot in the lowdb file format at `path`,
// plus an append-only journal at `<path>.journal`. A commit appends one checksummed record of
// what changed (the new log entries; the tokens if they changed) and fdatasyncs it: its cost
// follows the change, not the size of the state. When the journal outgrows
// max(compactJournalBytesMin, snapshot size) — or after replaceState, or a failed append — the
// commit is a compaction instead: lowdb writes the whole state as a new snapshot (temp file,
// fsync, rename), and the journal restarts empty. close() compacts too, so after a clean stop
// the lowdb file alone holds the whole state. Recovery on open is snapshot + the journal's
// valid prefix (a torn last record is dropped): kill -9 at any moment loses no acknowledged
// change and leaves a readable store.
//
// A failed commit rejects the flushes waiting on it (the HTTP layer answers 500; the change stays
// applied in memory, and the client's retry is a replay) and schedules another attempt with
// backoff; flushes arriving meanwhile wait for that attempt.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Low } from 'lowdb';
import { freshServerState, restoreServerState, type ServerState } from '../core/index.ts';
import { readStoredState, ServerStateFile, type DiskStepHook } from './server-state-file.ts';

export interface LowdbServerStoreOptions {
  /** Epoch of the fresh state when the file does not exist yet. */
  readonly epochIfNew: string;
  /** Delay before retrying a failed write; doubles per failure up to retryDelayMsMax. */
  readonly retryDelayMs?: number;
  readonly retryDelayMsMax?: number;
  /** The journal is compacted into the snapshot once it reaches max(this, snapshot bytes). */
  readonly compactJournalBytesMin?: number;
  /** Tests only: runs before each disk step; throw to fail it, never resolve to freeze the store there (as kill -9 would). */
  readonly beforeDiskStep?: DiskStepHook;
}

export interface StoreWriteEvent {
  readonly ok: boolean;
  /** 'journal': one appended record; 'snapshot': a compaction (the whole state rewritten). */
  readonly kind: 'journal' | 'snapshot';
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
/** Small enough that recovery replays little, large enough that compactions are rare under load. */
const COMPACT_JOURNAL_BYTES_MIN_DEFAULT = 8 * 1024 * 1024;
const COMPACT_JOURNAL_BYTES_MIN_MAX = 1024 * 1024 * 1024;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function requireDelay(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 60_000) {
    throw new Error(`LowdbServerStore.open: ${field} should be an integer from 1 to 60000, got ${String(value)}`);
  }
  return value;
}

function requireBytes(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > COMPACT_JOURNAL_BYTES_MIN_MAX) {
    throw new Error(`LowdbServerStore.open: ${field} should be an integer from 1 to ${COMPACT_JOURNAL_BYTES_MIN_MAX}, got ${String(value)}`);
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
  readonly #file: ServerStateFile;
  readonly #compactJournalBytesMin: number;
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
  #compactionsCount = 0;
  #writeFailuresCount = 0;
  readonly #listeners = new Set<(event: StoreWriteEvent) => void>();

  private constructor(file: ServerStateFile, db: Low<ServerState>, retryDelayMs: number, retryDelayMsMax: number, compactJournalBytesMin: number) {
    this.path = file.path;
    this.#file = file;
    this.#db = db;
    this.#compactJournalBytesMin = compactJournalBytesMin;
    this.#retryDelayMsMin = retryDelayMs;
    this.#retryDelayMs = retryDelayMs;
    this.#retryDelayMsMax = retryDelayMsMax;
  }

  /**
   * Opens the store (snapshot + journal), creating it (and its directory) with a fresh state when
   * missing, so a restart without any push still resumes the same epoch. Rejects naming the path
   * for an unreadable or corrupt snapshot or journal: the server must not start over a store it
   * would overwrite.
   */
  static async open(path: string, options: LowdbServerStoreOptions): Promise<LowdbServerStore> {
    if (typeof path !== 'string' || path.length === 0) throw new Error(`LowdbServerStore.open: path should be a non-empty string, got ${String(path)}`);
    if (typeof options?.epochIfNew !== 'string' || options.epochIfNew.length === 0) {
      throw new Error(`LowdbServerStore.open: epochIfNew should be a non-empty string, got ${String(options?.epochIfNew)}`);
    }
    const retryDelayMs = requireDelay('retryDelayMs', options.retryDelayMs ?? RETRY_DELAY_MS_DEFAULT);
    const retryDelayMsMax = requireDelay('retryDelayMsMax', options.retryDelayMsMax ?? RETRY_DELAY_MS_MAX_DEFAULT);
    const compactJournalBytesMin = requireBytes('compactJournalBytesMin', options.compactJournalBytesMin ?? COMPACT_JOURNAL_BYTES_MIN_DEFAULT);
    const hook = options.beforeDiskStep;
    if (hook !== undefined && typeof hook !== 'function') throw new Error(`LowdbServerStore.open: beforeDiskStep should be a function, got ${String(hook)}`);
    // Our own adapter, not JSONFilePreset: the preset silently goes in-memory when NODE_ENV is 'test'.
    const file = new ServerStateFile(path, hook ?? null);
    const db = new Low<ServerState>(file, freshServerState(options.epochIfNew));
    let existing: ServerState | null;
    try {
      existing = await file.read();
    } catch (error) {
      await file.close();
      throw new Error(messageOf(error).includes(path) ? messageOf(error) : `server state file ${path} cannot be read: ${messageOf(error)}`);
    }
    if (existing === null) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await db.write();
      } catch (error) {
        await file.close();
        throw new Error(`server state file ${path} cannot be created: ${messageOf(error)}`);
      }
    } else {
      db.data = existing;
    }
    return new LowdbServerStore(file, db, retryDelayMs, retryDelayMsMax, compactJournalBytesMin);
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
   * Loads an older store (a copy of the snapshot file, with its journal next to it if it has one)
   * as the new live state under a new epoch (clients then detect the rollback). The caller builds
   * a new ServerCore on the result and awaits flush(), which writes it as a new snapshot.
   */
  async restoreFrom(olderFile: string, newEpoch: string = newEpochId()): Promise<ServerState> {
    this.#assertOpen('restoreFrom');
    let snapshot: ServerState | null;
    try {
      snapshot = await readStoredState(olderFile);
    } catch (error) {
      throw new Error(messageOf(error).includes(olderFile) ? `restoreFrom: ${messageOf(error)}` : `restoreFrom: ${olderFile} cannot be read: ${messageOf(error)}`);
    }
    if (snapshot === null) throw new Error(`restoreFrom: ${olderFile} cannot be read: no such file`);
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
    if (this.#version === this.#durableVersion && this.#file.journalHasRecords) await this.#compactOnClose();
    this.#closed = true;
    await this.#file.close().catch(() => {});
    const unsaved = this.#version - this.#durableVersion;
    // Flushes that arrived while the last write ran and were not carried by it.
    this.#settle(Number.POSITIVE_INFINITY, unsaved > 0 ? new Error(`server state file ${this.path}: closed with ${unsaved} change(s) not written`) : null);
    if (unsaved > 0) throw new Error(`server state file ${this.path}: closed with ${unsaved} change(s) not written`);
  }

  /**
   * After a clean stop the lowdb file alone holds the whole state (what `serve` tells the user it
   * wrote). Best effort: every change is already durable in the journal, so a failure loses
   * nothing and is only counted.
   */
  async #compactOnClose(): Promise<void> {
    const startedMs = performance.now();
    this.#writesCount += 1;
    this.#compactionsCount += 1;
    try {
      await this.#db.write();
      this.#emit({ ok: true, kind: 'snapshot', durationMs: performance.now() - startedMs, changes: 0 });
    } catch (error) {
      this.#writeFailuresCount += 1;
      this.#emit({ ok: false, kind: 'snapshot', durationMs: performance.now() - startedMs, changes: 0, error: `server state file ${this.path}: compaction on close failed: ${messageOf(error)}` });
    }
  }

  /** Listens to every file write (metrics); returns an unsubscribe function. */
  onWrite(listener: (event: StoreWriteEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Commits written after open, journal appends and compactions (group commit's measure). */
  get writesCount(): number {
    return this.#writesCount;
  }

  /** Of writesCount, the compactions (whole state rewritten as a new snapshot). */
  get compactionsCount(): number {
    return this.#compactionsCount;
  }

  get journalBytes(): number {
    return this.#file.journalBytes;
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
    // Planned synchronously: the commit holds exactly `version`.
    const planned = this.#file.plan(this.#db.data, this.#compactJournalBytesMin);
    if (planned === null) {
      // Marked, but nothing changed since the last commit: already durable.
      this.#committed(version, null, startedMs);
      return true;
    }
    const kind = planned === 'snapshot' ? 'snapshot' : 'journal';
    this.#writesCount += 1;
    if (kind === 'snapshot') this.#compactionsCount += 1;
    try {
      // Low.write → ServerStateFile.write serialises synchronously before its first await too.
      if (planned === 'snapshot') await this.#db.write();
      else await this.#file.append(planned);
    } catch (error) {
      this.#writeFailed(version, kind, performance.now() - startedMs, error);
      return false;
    }
    this.#committed(version, kind, startedMs);
    return true;
  }

  #committed(version: number, kind: StoreWriteEvent['kind'] | null, startedMs: number): void {
    const changes = version - this.#durableVersion;
    this.#durableVersion = version;
    this.#retryDelayMs = this.#retryDelayMsMin;
    this.#settle(version, null);
    if (kind !== null) this.#emit({ ok: true, kind, durationMs: performance.now() - startedMs, changes });
  }

  #writeFailed(version: number, kind: StoreWriteEvent['kind'], durationMs: number, error: unknown): void {
    this.#writeFailuresCount += 1;
    const failure = new Error(`server state file ${this.path}: write failed: ${messageOf(error)}`);
    this.#settle(version, failure);
    this.#emit({ ok: false, kind, durationMs, changes: 0, error: failure.message });
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

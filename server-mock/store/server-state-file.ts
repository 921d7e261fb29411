// ServerStateFile: the lowdb adapter of the server's stored state — a snapshot in the lowdb file
// format (server-file.ts) at `path`, plus the journal of changes since it at `<path>.journal`
// (journal.ts). It owns the disk steps and their order, which is what makes each crash-safe:
//   read()    snapshot + valid journal prefix; then readies the journal for appends (truncates a
//             torn tail; starts a fresh journal when there is none or it extends another snapshot).
//   write()   a compaction: the whole state as a new snapshot (temp file, fsync, rename, fsync of
//             the directory), then a fresh journal naming it (truncate, header, fdatasync). A
//             crash before the rename leaves the old snapshot + old journal; after it, the new
//             snapshot, with the old journal ignored as stale (its records are in the snapshot).
//   append()  one commit record, written and fdatasync'ed; a failed append may leave a partial
//             record, so the next commit is a compaction (never an append after garbage).
// `beforeDiskStep` is a test hook: throw to fail a step, or never resolve to freeze the store
// the way kill -9 would, between two steps.

import { readFileSync, writeSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type { ServerState } from '../core/index.ts';
import { frameRecord, journalHeader, JournalMarks, recoverServerState, stampOf, type Recovered, type SnapshotStamp } from './journal.ts';
import { encodeServerFile, type EntryTextCache } from './server-file.ts';

export type DiskStep = 'snapshot-write' | 'snapshot-rename' | 'journal-reset' | 'journal-append';
export type DiskStepHook = (step: DiskStep) => void | Promise<void>;

/** The next commit: a journal record, a snapshot (compaction), or nothing to write. */
export type PlannedCommit = ReturnType<JournalMarks['nextRecord']>;

export function journalPathOf(path: string): string {
  return `${path}.journal`;
}

/** Where a snapshot is written before its rename (steno's name, so old temp files are reused). */
export function snapshotTempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function readIfExistsSync(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function recoverOrNull(snapshot: Buffer | null, journal: Buffer | null, path: string): Recovered | null {
  if (snapshot !== null) return recoverServerState(snapshot, journal, path, journalPathOf(path));
  if (journal !== null && journal.length > 0) throw new Error(`server state file ${path} is missing but its journal ${journalPathOf(path)} exists: restore the snapshot, or remove both to start fresh`);
  return null;
}

/**
 * The stored state at `path` (snapshot + journal), for readers outside the serving process (tests,
 * realnet's checks) and for restores. The journal is read first: a compaction running meanwhile
 * then yields either a matching pair or a newer snapshot that holds everything the journal did.
 */
export async function readStoredState(path: string): Promise<ServerState | null> {
  const journal = await readIfExists(journalPathOf(path));
  return recoverOrNull(await readIfExists(path), journal, path)?.state ?? null;
}

/** readStoredState, synchronously; throws naming the path when there is no state file. */
export function readStoredStateSync(path: string): ServerState {
  const journal = readIfExistsSync(journalPathOf(path));
  const recovered = recoverOrNull(readIfExistsSync(path), journal, path);
  if (recovered === null) throw new Error(`server state file ${path} does not exist`);
  return recovered.state;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `path` so that a crash leaves the old file or the new one, and the new one survives power loss. */
export async function writeFileDurably(path: string, text: string, beforeDiskStep: DiskStepHook | null = null): Promise<void> {
  const tempPath = snapshotTempPathOf(path);
  await beforeDiskStep?.('snapshot-write');
  const handle = await open(tempPath, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await beforeDiskStep?.('snapshot-rename');
  await rename(tempPath, path);
  await fsyncDirectory(dirname(path));
}

export class ServerStateFile implements Adapter<ServerState> {
  readonly path: string;
  readonly journalPath: string;
  readonly #cache: EntryTextCache = new WeakMap();
  readonly #hook: DiskStepHook | null;
  #journal: FileHandle | null = null;
  /** What snapshot + journal hold of the live state; null: the next commit must be a snapshot. */
  #marks: JournalMarks | null = null;
  #journalBytes = 0;
  /** Bytes of the journal's header: beyond them, it holds records. */
  #headerBytes = 0;
  #snapshotBytes = 0;

  constructor(path: string, beforeDiskStep: DiskStepHook | null = null) {
    this.path = path;
    this.journalPath = journalPathOf(path);
    this.#hook = beforeDiskStep;
  }

  get journalBytes(): number {
    return this.#journalBytes;
  }

  get snapshotBytes(): number {
    return this.#snapshotBytes;
  }

  /** True when the journal holds changes the snapshot does not. */
  get journalHasRecords(): boolean {
    return this.#journalBytes > this.#headerBytes;
  }

  /** The stored state, or null when there is no snapshot yet; readies the journal for appends. */
  async read(): Promise<ServerState | null> {
    const journal = await readIfExists(this.journalPath);
    const recovered = recoverOrNull(await readIfExists(this.path), journal, this.path);
    if (recovered === null) return null;
    this.#snapshotBytes = recovered.stamp.bytes;
    if (recovered.journal === 'replayed') {
      const handle = await this.#openJournal();
      if (recovered.tornBytes > 0) {
        // Appends must follow the last whole record, never the torn bytes.
        await handle.truncate(recovered.validBytes);
        await handle.datasync();
      }
      this.#journalBytes = recovered.validBytes;
      this.#headerBytes = recovered.headerBytes;
    } else {
      await this.#resetJournal(recovered.stamp);
    }
    this.#marks = JournalMarks.of(recovered.state);
    return recovered.state;
  }

  /** A compaction: `state` becomes the snapshot and the journal starts empty after it. */
  async write(state: ServerState): Promise<void> {
    // Synchronous up to the first await: the snapshot and the marks capture the same instant.
    const text = encodeServerFile(state, this.#cache);
    const marks = JournalMarks.of(state);
    const stamp = stampOf(text, state);
    this.#marks = null;
    await writeFileDurably(this.path, text, this.#hook);
    this.#snapshotBytes = stamp.bytes;
    await this.#resetJournal(stamp);
    this.#marks = marks;
  }

  /** Decides the next commit now (the state as of this call): a record, 'snapshot', or null. */
  plan(state: ServerState, compactBytesMin: number): PlannedCommit {
    if (this.#marks === null || this.#journalBytes >= Math.max(compactBytesMin, this.#snapshotBytes)) return 'snapshot';
    return this.#marks.nextRecord(state, this.#cache);
  }

  /** Appends a planned record and makes it durable. */
  async append(record: Exclude<PlannedCommit, 'snapshot' | null>): Promise<void> {
    const line = Buffer.from(frameRecord(record.json));
    try {
      await this.#hook?.('journal-append');
      const handle = await this.#openJournal();
      // A synchronous write: a copy into the page cache, microseconds, and one trip less through
      // the event loop per commit (a busy loop delays each completion by a turn); the fdatasync,
      // the slow part, stays off the loop.
      for (let written = 0; written < line.length; ) written += writeSync(handle.fd, line, written, line.length - written);
      await handle.datasync();
    } catch (error) {
      this.#marks = null;
      throw error;
    }
    this.#journalBytes += line.length;
    record.commit();
  }

  async close(): Promise<void> {
    const handle = this.#journal;
    this.#journal = null;
    await handle?.close();
  }

  async #openJournal(): Promise<FileHandle> {
    if (this.#journal === null) {
      // O_APPEND: every write lands at the end, also after a truncate.
      this.#journal = await open(this.journalPath, 'a');
      await fsyncDirectory(dirname(this.journalPath));
    }
    return this.#journal;
  }

  async #resetJournal(base: SnapshotStamp): Promise<void> {
    await this.#hook?.('journal-reset');
    const handle = await this.#openJournal();
    const header = journalHeader(base);
    await handle.truncate(0);
    await handle.write(header);
    await handle.datasync();
    this.#journalBytes = Buffer.byteLength(header);
    this.#headerBytes = this.#journalBytes;
  }
}

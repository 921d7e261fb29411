// The journal next to the lowdb snapshot (`<path>.journal`): what changed since the snapshot, one
// framed record per group commit, so a commit costs an append of its new entries instead of a
// rewrite of the whole, growing file. Pure: text in, text or state out (the I/O is in
// server-state-file.ts).
//
// A record is one line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. JSON text holds no raw
// newline, so lines frame records; the checksum tells a whole record from a torn one.
//   line 1, the header:  {"format":"syncstorm-server-journal","version":1,"base":SnapshotStamp}
//   each commit:          {"seq":N,"tokenCount":N,"tokens"?:[…],"logs":[{"user":"alice","entries":[LogEntry…]}]}
// The header binds the journal to one exact snapshot (its bytes' length and crc32, plus epoch and
// counters for a reader): after a compaction crashed between renaming the new snapshot and
// resetting the journal, the old journal no longer matches and is ignored — its records are in
// the new snapshot. `tokens`, when present, replaces the whole token list (tokens change only
// when one is issued, rarely next to pushes). Entries append to their user's log, users in order
// of first appearance, which is the order of the live Map.
//
// Recovery = snapshot + replay of the valid journal prefix, merged as JSON and then loaded by the
// one checked loader (serverStateFromJSON), so every invariant a snapshot must hold, the
// replayed state holds too. Process death can only tear the tail (appends are sequential and
// each is fsynced before the next): a bad record followed by a good one is corruption, and
// recovery refuses it rather than drop acknowledged changes after it.

import { crc32 } from 'node:zlib';
import { serverStateFromJSON, type LogEntry, type ServerState } from '../core/index.ts';
import { entryText, parseServerFileJson, type EntryTextCache } from './server-file.ts';

export const JOURNAL_FORMAT = 'syncstorm-server-journal';
export const JOURNAL_VERSION = 1;

/** Identifies the one snapshot a journal extends. */
export interface SnapshotStamp {
  readonly epoch: string;
  readonly seq: number;
  readonly tokenCount: number;
  readonly bytes: number;
  readonly crc32: number;
}

export function stampOf(snapshot: string | Buffer, counters: { readonly epoch: string; readonly seq: number; readonly tokenCount: number }): SnapshotStamp {
  const bytes = typeof snapshot === 'string' ? Buffer.byteLength(snapshot) : snapshot.length;
  return { epoch: counters.epoch, seq: counters.seq, tokenCount: counters.tokenCount, bytes, crc32: crc32(snapshot) };
}

function sameStamp(a: SnapshotStamp, b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return false;
  const o = b as Record<string, unknown>;
  return o['epoch'] === a.epoch && o['seq'] === a.seq && o['tokenCount'] === a.tokenCount && o['bytes'] === a.bytes && o['crc32'] === a.crc32;
}

/** One framed record line. */
export function frameRecord(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export function journalHeader(base: SnapshotStamp): string {
  return frameRecord(JSON.stringify({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION, base }));
}

// ---------- what the journal already holds, and the next record ----------

/**
 * What is on disk (snapshot + journal) of the live state, to build the next record as a diff.
 * Logs only grow and tokens change only with tokenCount (issue, with its prune), so counters
 * and per-user log lengths are enough. A state that does not fit (replaced, epoch changed, a log
 * shrank) gets a snapshot instead of a record.
 */
export class JournalMarks {
  #state: ServerState | null = null;
  #epoch = '';
  #seq = 0;
  #tokenCount = 0;
  #tokensSize = 0;
  readonly #logLengths = new Map<string, number>();

  /** Everything in `state` is on disk now (call with counters captured before the write began). */
  static of(state: ServerState): JournalMarks {
    const marks = new JournalMarks();
    marks.#state = state;
    marks.#epoch = state.epoch;
    marks.#seq = state.seq;
    marks.#tokenCount = state.tokenCount;
    marks.#tokensSize = state.tokens.size;
    for (const [user, space] of state.users) marks.#logLengths.set(user, space.log.length);
    return marks;
  }

  /**
   * The next record (null when nothing changed), or 'snapshot' when only a snapshot can carry the
   * change. Synchronous: it captures the state as of the call. `commit` advances the marks once
   * the record is on disk.
   */
  nextRecord(state: ServerState, cache: EntryTextCache): { readonly json: string; commit(): void } | 'snapshot' | null {
    if (state !== this.#state || state.epoch !== this.#epoch || state.seq < this.#seq || state.tokenCount < this.#tokenCount) return 'snapshot';
    const tokensChanged = state.tokenCount !== this.#tokenCount || state.tokens.size !== this.#tokensSize;
    const grown: [string, number][] = [];
    const logs: string[] = [];
    for (const [user, space] of state.users) {
      const from = this.#logLengths.get(user) ?? 0;
      if (space.log.length < from) return 'snapshot';
      if (space.log.length === from) continue;
      logs.push(`{"user":${JSON.stringify(user)},"entries":[${entriesText(space.log, from, cache)}]}`);
      grown.push([user, space.log.length]);
    }
    if (!tokensChanged && logs.length === 0) return state.seq === this.#seq ? null : 'snapshot';
    const tokens = tokensChanged ? `,"tokens":${JSON.stringify([...state.tokens].map(([token, { user, expiresAt }]) => ({ token, user, expiresAt })))}` : '';
    const json = `{"seq":${state.seq},"tokenCount":${state.tokenCount}${tokens},"logs":[${logs.join(',')}]}`;
    const counters = { seq: state.seq, tokenCount: state.tokenCount, tokensSize: state.tokens.size };
    return {
      json,
      commit: () => {
        this.#seq = counters.seq;
        this.#tokenCount = counters.tokenCount;
        this.#tokensSize = counters.tokensSize;
        for (const [user, length] of grown) this.#logLengths.set(user, length);
      },
    };
  }
}

function entriesText(log: readonly LogEntry[], from: number, cache: EntryTextCache): string {
  const parts: string[] = [];
  for (let i = from; i < log.length; i++) parts.push(entryText(log[i] as LogEntry, cache));
  return parts.join(',');
}

// ---------- reading ----------

export interface JournalScan {
  /** Parsed records of the valid prefix, header first. */
  readonly records: readonly unknown[];
  /** Byte length of the valid prefix: appends continue from here. */
  readonly validBytes: number;
  /** Byte length of the first record (the header), 0 when there is none. */
  readonly headerBytes: number;
  /** Bytes after it: a torn last append, dropped. */
  readonly tornBytes: number;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_HEX = /^[0-9a-f]{8}$/;

/** The record in line [start, end) (end excludes the newline), or undefined when it is not whole. */
function recordAt(bytes: Buffer, start: number, end: number): unknown {
  if (end - start < 10 || bytes[start + 8] !== SPACE) return undefined;
  const crcText = bytes.toString('latin1', start, start + 8);
  if (!CRC_HEX.test(crcText)) return undefined;
  const json = bytes.subarray(start + 9, end);
  if (crc32(json) !== Number.parseInt(crcText, 16)) return undefined;
  try {
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The valid prefix of a journal; throws naming `path` and the offset when a bad record is not the tail. */
export function scanJournal(bytes: Buffer, path: string): JournalScan {
  const records: unknown[] = [];
  let headerBytes = 0;
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    const record = end < 0 ? undefined : recordAt(bytes, start, end);
    if (record === undefined) {
      assertTornTail(bytes, end, path, start);
      break;
    }
    records.push(record);
    start = end + 1;
    if (records.length === 1) headerBytes = start;
  }
  return { records, validBytes: start, headerBytes, tornBytes: bytes.length - start };
}

function assertTornTail(bytes: Buffer, badEnd: number, path: string, badStart: number): void {
  let start = badEnd < 0 ? bytes.length : badEnd + 1;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) return;
    if (recordAt(bytes, start, end) !== undefined) {
      throw new Error(`server journal ${path} is corrupt: the record at byte ${badStart} is damaged but a valid record follows at byte ${start} (not a torn tail)`);
    }
    start = end + 1;
  }
}

export type JournalUse = 'none' | 'stale' | 'replayed';

export interface Recovered {
  readonly state: ServerState;
  /** The snapshot's stamp: the base a fresh journal would name. */
  readonly stamp: SnapshotStamp;
  /** 'none': no journal or no whole header; 'stale': it extends another snapshot; 'replayed'. */
  readonly journal: JournalUse;
  readonly recordsReplayed: number;
  readonly validBytes: number;
  readonly headerBytes: number;
  readonly tornBytes: number;
}

type Mutable = Record<string, unknown>;

function shapeError(journalPath: string, index: number, what: string): Error {
  return new Error(`server journal ${journalPath} is corrupt: record ${index} ${what}`);
}

function replayRecord(root: Mutable, logsByUser: Map<string, unknown[]>, record: unknown, index: number, journalPath: string): void {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw shapeError(journalPath, index, 'should be an object');
  const r = record as Mutable;
  if (!Number.isSafeInteger(r['seq']) || !Number.isSafeInteger(r['tokenCount'])) throw shapeError(journalPath, index, `should have integer seq and tokenCount, got ${JSON.stringify(r['seq'])}, ${JSON.stringify(r['tokenCount'])}`);
  if (!Array.isArray(r['logs'])) throw shapeError(journalPath, index, 'logs should be an array');
  if (r['tokens'] !== undefined && !Array.isArray(r['tokens'])) throw shapeError(journalPath, index, 'tokens should be an array when present');
  root['seq'] = r['seq'];
  root['tokenCount'] = r['tokenCount'];
  if (r['tokens'] !== undefined) root['tokens'] = r['tokens'];
  for (const log of r['logs'] as unknown[]) {
    const l = (typeof log === 'object' && log !== null ? log : {}) as Mutable;
    const user = l['user'];
    if (typeof user !== 'string' || !Array.isArray(l['entries'])) throw shapeError(journalPath, index, `logs should hold {user, entries[]}, got ${JSON.stringify(log)?.slice(0, 80)}`);
    let entries = logsByUser.get(user);
    if (entries === undefined) {
      entries = [];
      logsByUser.set(user, entries);
      (root['users'] as unknown[]).push({ user, log: entries });
    }
    for (const entry of l['entries'] as unknown[]) entries.push(entry);
  }
}

/**
 * The stored state from the snapshot's bytes and the journal's (null: no journal file). Throws
 * naming the file for a corrupt snapshot, a corrupt journal, or a replay that breaks the state's
 * invariants.
 */
export function recoverServerState(snapshot: Buffer, journal: Buffer | null, path: string, journalPath: string): Recovered {
  const root = snapshotRoot(snapshot, path);
  const stamp = stampOf(snapshot, { epoch: String(root['epoch']), seq: Number(root['seq']), tokenCount: Number(root['tokenCount']) });
  const scan = journal === null ? { records: [], validBytes: 0, headerBytes: 0, tornBytes: 0 } : scanJournal(journal, journalPath);
  const header = scan.records[0] as Mutable | undefined;
  let use: JournalUse = 'none';
  if (header !== undefined) {
    if (header['format'] !== JOURNAL_FORMAT || header['version'] !== JOURNAL_VERSION) throw new Error(`server journal ${journalPath} is corrupt: the first record should be a ${JOURNAL_FORMAT} v${JOURNAL_VERSION} header, got ${JSON.stringify(header).slice(0, 120)}`);
    use = sameStamp(stamp, header['base']) ? 'replayed' : 'stale';
  }
  let replayed = 0;
  if (use === 'replayed') {
    const logsByUser = new Map<string, unknown[]>();
    for (const u of root['users'] as unknown[]) {
      const entry = u as Mutable;
      if (typeof entry === 'object' && entry !== null && typeof entry['user'] === 'string' && Array.isArray(entry['log'])) logsByUser.set(entry['user'], entry['log'] as unknown[]);
    }
    for (let i = 1; i < scan.records.length; i++) replayRecord(root, logsByUser, scan.records[i], i, journalPath);
    replayed = scan.records.length - 1;
  }
  const { state } = decodeChecked(root, path, replayed, journalPath);
  return { state, stamp, journal: use, recordsReplayed: replayed, validBytes: use === 'none' ? 0 : scan.validBytes, headerBytes: scan.headerBytes, tornBytes: scan.tornBytes };
}

/** The snapshot's JSON, checked only as far as the merge needs (the loader checks the rest). */
function snapshotRoot(snapshot: Buffer, path: string): Mutable {
  const root = parseServerFileJson(snapshot.toString('utf8'), path);
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && Array.isArray((root as Mutable)['users'])) return root as Mutable;
  decodeChecked(root, path, 0, path); // throws naming the bad field
  throw new Error(`server state file ${path} is corrupt: users should be an array`);
}

function decodeChecked(root: unknown, path: string, replayed: number, journalPath: string): { state: ServerState } {
  try {
    return { state: serverStateFromJSON(root) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (replayed === 0) throw new Error(`server state file ${path} is corrupt: ${message}`);
    throw new Error(`server state file ${path} with ${replayed} record(s) of ${journalPath} replayed is corrupt: ${message}`);
  }
}

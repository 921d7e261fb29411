// A History as a file: JSON lines. The first line is a header (format, version, the run's end
// times, convergence, trace hash, and the final client and server states); then one record per
// line, in recorded order, as the history stores it (HistoryEvent). For a run that cannot be
// re-run from a seed — a real-network run — it is what `syncstorm trace` and a reader of the
// file have. Readable line by line with jq or grep; parsed back into a History for the tools.

import { forEachRecord, splitRecords, type ClientFinal, type History, type HistoryEvent, type ServerFinal } from './history.ts';

export const HISTORY_FILE_FORMAT = 'syncstorm-history';
export const HISTORY_FILE_VERSION = 1;

interface HistoryHeader {
  readonly format: typeof HISTORY_FILE_FORMAT;
  readonly version: typeof HISTORY_FILE_VERSION;
  /** Records that follow (a truncated file shows as fewer). */
  readonly records: number;
  readonly healedAt: number;
  readonly endedAt: number;
  readonly converged: boolean;
  readonly traceHash: string;
  readonly clients: readonly ClientFinal[];
  readonly server: ServerFinal | null;
}

export class HistoryFileError extends Error {}

/** The file's lines (each ends with a newline). */
export function renderHistoryFile(history: History): string[] {
  const records: string[] = [];
  forEachRecord(history, (record) => void records.push(`${JSON.stringify(record)}\n`));
  const header: HistoryHeader = {
    format: HISTORY_FILE_FORMAT,
    version: HISTORY_FILE_VERSION,
    records: records.length,
    healedAt: history.healedAt,
    endedAt: history.endedAt,
    converged: history.converged,
    traceHash: history.traceHash,
    clients: history.clients,
    server: history.server,
  };
  return [`${JSON.stringify(header)}\n`, ...records];
}

/** True when a file's first bytes are a history file's (its header writes `format` first), so a tool can tell it from a run file without reading it all. */
export function startsLikeHistoryFile(head: string): boolean {
  return head.startsWith(`{"format":"${HISTORY_FILE_FORMAT}"`);
}

/** A history file back as a History; anything malformed names the file, the line and what was wrong. */
export function parseHistoryFile(text: string, source: string): History {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new HistoryFileError(`${source} is empty: a history file starts with its header line`);
  const header = parseLine(lines[0]!, source, 1) as Partial<HistoryHeader> | null;
  if (typeof header !== 'object' || header === null || header.format !== HISTORY_FILE_FORMAT) {
    throw new HistoryFileError(`${source}:1 should be a history header with format "${HISTORY_FILE_FORMAT}", got ${lines[0]!.slice(0, 80)}`);
  }
  if (header.version !== HISTORY_FILE_VERSION) throw new HistoryFileError(`${source}:1 version should be ${HISTORY_FILE_VERSION}, got ${JSON.stringify(header.version)}`);
  if (lines.length - 1 !== header.records) throw new HistoryFileError(`${source} should hold ${String(header.records)} records after its header, got ${lines.length - 1} (a truncated file?)`);
  const records: HistoryEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const record = parseLine(lines[i]!, source, i + 1) as HistoryEvent | null;
    if (typeof record !== 'object' || record === null || typeof record.type !== 'string' || typeof record.t !== 'number') {
      throw new HistoryFileError(`${source}:${i + 1} should be a history record with t and type, got ${lines[i]!.slice(0, 80)}`);
    }
    records.push(record);
  }
  return {
    ...splitRecords(records),
    healedAt: requireNumber(header.healedAt, 'healedAt', source),
    endedAt: requireNumber(header.endedAt, 'endedAt', source),
    converged: header.converged === true,
    clients: [...(header.clients ?? [])],
    server: header.server ?? null,
    traceHash: typeof header.traceHash === 'string' ? header.traceHash : '',
  };
}

function parseLine(line: string, source: string, number: number): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new HistoryFileError(`${source}:${number} is not JSON: ${(error as Error).message}`);
  }
}

function requireNumber(value: unknown, field: string, source: string): number {
  if (typeof value !== 'number') throw new HistoryFileError(`${source}:1 ${field} should be a number, got ${JSON.stringify(value)}`);
  return value;
}

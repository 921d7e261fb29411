// `syncstorm trace FILE`: re-run a run file (or read a recorded history, a real-network run's
// history.jsonl) and print its history, one line per record, in recorded order: every op,
// engine event, message, server apply, fault, crash and phase, filtered by client, entity,
// item, time window and record kind (reports/trace-text.ts). Or, with --json, the records
// themselves as JSON lines. The lines go to stdout (pipe them to grep, less or diff); progress
// and a closing summary go to stderr.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { runSimulation } from '../../sim/runner.ts';
import { variantByName } from '../../sim/variants.ts';
import type { History, HistoryEvent } from '../../sim/history.ts';
import { HistoryFileError, parseHistoryFile, startsLikeHistoryFile } from '../../sim/history-file.ts';
import type { TraceKind } from '../../reports/trace-kinds.ts';
import { formatTraceLine, formatTraceTime, laneLabels, selectTrace, type TraceFilter } from '../../reports/trace-text.ts';
import { readReplayInput } from './replay.ts';
import { simulationProgress } from './sim-progress.ts';

export interface TraceOptions {
  readonly clients?: readonly number[];
  readonly entities?: readonly string[];
  readonly queueIds?: readonly string[];
  readonly from?: number;
  readonly to?: number;
  readonly kinds?: readonly TraceKind[];
  /** Re-run on this system instead of the file's ('correct' or a bug of the zoo). */
  readonly variant?: string;
  readonly json?: boolean;
}

/** Lines per write: big enough that a million-record trace is a few hundred writes. */
const LINES_PER_CHUNK = 4096;

export async function runTrace(file: string, options: TraceOptions): Promise<void> {
  const fromMs = options.from ?? 0;
  const toMs = options.to ?? Number.MAX_SAFE_INTEGER;
  if (fromMs > toMs) throw new InvalidArgumentError(`--from must not be after --to, got --from ${formatTraceTime(fromMs)} and --to ${formatTraceTime(toMs)}`);
  const { history, closing } = isHistoryFile(file) ? readRecordedHistory(file, options) : await rerunRunFile(file, options);
  const clients = options.clients === undefined ? null : checkedLanes(options.clients, history);
  const filter: TraceFilter = {
    clients,
    entities: options.entities === undefined ? null : new Set(options.entities),
    queueIds: options.queueIds === undefined ? null : new Set(options.queueIds),
    fromMs,
    toMs,
    kinds: options.kinds === undefined ? null : new Set(options.kinds),
  };
  const lane = laneLabels(history);
  const format = options.json === true ? (record: HistoryEvent) => JSON.stringify(record) : (record: HistoryEvent) => formatTraceLine(record, lane(record));
  const chunks: string[] = [];
  let lines: string[] = [];
  let shown = 0;
  const total = selectTrace(history, filter, (record) => {
    shown++;
    lines.push(format(record));
    if (lines.length === LINES_PER_CHUNK) {
      chunks.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  });
  if (lines.length > 0) chunks.push(`${lines.join('\n')}\n`);
  await writeOut(chunks);
  process.stderr.write(`trace: ${closing.head} · ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records${describeFilter(options)}${closing.note}\n`);
}

interface TraceSource {
  readonly history: History;
  /** For the closing line: what was traced, and a note after the counts ('' or ' · NOTE: …'). */
  readonly closing: { readonly head: string; readonly note: string };
}

/** A run file, re-run (on `--variant`'s system if given). */
async function rerunRunFile(file: string, options: TraceOptions): Promise<TraceSource> {
  const input = readReplayInput(file);
  const runFile = input.runFile;
  const variant = options.variant === undefined ? input.variant : variantByName(options.variant);
  // The re-run is the long part (seconds at a thousand clients): say so before it starts.
  process.stderr.write(`trace: re-running seed ${runFile.config.seed} (${runFile.config.clients} clients, ${formatTraceTime(runFile.config.durationMs)} of chaos) …\n`);
  const progress = await simulationProgress('trace');
  const result = runSimulation({ config: runFile.config, plan: runFile.plan, variant, onProgress: progress.onProgress });
  progress.stop();
  const history = result.history;
  const system = variant.name === runFile.variant ? variant.name : `${variant.name} (the file's run was on ${runFile.variant})`;
  const diverged = variant.name !== runFile.variant || history.traceHash === runFile.traceHash ? '' : ` · NOTE: trace hash ${history.traceHash}, the file recorded ${runFile.traceHash} (the engine now takes another path)`;
  return { history, closing: { head: `seed ${runFile.config.seed} · ${system}`, note: diverged } };
}

/** Whether `file` is a recorded history (its first line a history header) rather than a run file. */
function isHistoryFile(file: string): boolean {
  let head: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // readReplayInput says what is wrong with it
  }
  return startsLikeHistoryFile(head);
}

/** A recorded history (a real-network run's history.jsonl): traced as it is, nothing re-run. */
function readRecordedHistory(file: string, options: TraceOptions): TraceSource {
  if (options.variant !== undefined) throw new InvalidArgumentError(`--variant re-runs a run file on another system, but ${file} is a recorded history (a real-network run), which cannot be re-run`);
  try {
    return { history: parseHistoryFile(readFileSync(file, 'utf8'), file), closing: { head: `recorded history ${file}`, note: '' } };
  } catch (error) {
    if (error instanceof HistoryFileError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** The lanes asked for, each one the run has; an unknown one is a usage error naming it and the range. */
function checkedLanes(lanes: readonly number[], history: History): ReadonlySet<number> {
  const count = history.clients.length;
  // Second tabs take the lanes after the devices (t20@c3 is lane 20).
  const tabs = history.clients.filter((client) => client.tabOf !== undefined).map((client) => client.client);
  const has = `clients 0 to ${count - tabs.length - 1}${tabs.length === 0 ? '' : ` and second tabs ${tabs.join(', ')}`}`;
  for (const lane of lanes) {
    if (lane >= count) throw new InvalidArgumentError(`--clients names client ${lane}, but this run has ${has}`);
  }
  return new Set(lanes);
}

function describeFilter(options: TraceOptions): string {
  const parts: string[] = [];
  if (options.clients !== undefined) parts.push(`clients ${options.clients.join(', ')}`);
  if (options.entities !== undefined) parts.push(`entities ${options.entities.join(', ')}`);
  if (options.queueIds !== undefined) parts.push(`queue ids ${options.queueIds.join(', ')}`);
  if (options.from !== undefined || options.to !== undefined) parts.push(`from ${formatTraceTime(options.from ?? 0)}${options.to === undefined ? '' : ` to ${formatTraceTime(options.to)}`}`);
  if (options.kinds !== undefined) parts.push(`kinds ${options.kinds.join(', ')}`);
  return parts.length === 0 ? '' : ` (${parts.join(' · ')})`;
}

/**
 * Writes every chunk to stdout, waiting when the pipe is full; a reader that went away (`| head`)
 * ends the trace quietly. The EPIPE handler stays for the process's life: a write buffered before
 * the reader left fails after this returns.
 */
async function writeOut(chunks: readonly string[]): Promise<void> {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  for (const chunk of chunks) {
    if (closed) return;
    if (!process.stdout.write(chunk)) await drainedOrClosed(process.stdout);
  }
}

/** Resolves once `stream` drains or closes, leaving no listener behind. */
function drainedOrClosed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

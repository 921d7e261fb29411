// The History of a run: every invocation and completion, engine event, message, server
// apply, fault and crash, stamped with true (virtual) time and, where a client is involved,
// its own clock reading; then each client's and the server's final state. One history feeds
// the checkers, metrics, reports and replay; real-network runs record the same type.
// Both streams are columnar: the events (event-log.ts; checkers cite them by index, and build
// only the kinds they read with select) and, apart, the messages (message-log.ts: half of all
// records, and no checker reads them); forEachRecord merges the two back into recorded order.
// The trace hash folds every recorded event, so two runs of one seed can be compared exactly.

import type { SyncEvent } from '../engine/events.ts';
import type { Fields } from '../engine/protocol.ts';
import type { ConflictRecord, DeadLetterRecord, QueueItem } from '../engine/model.ts';
import type { AppliedChange } from '../server-mock/core/index.ts';
import type { Fault } from './types.ts';
import { MessageLog, type MessageDir, type MessageFate, type MessageKind, type MessageRecord } from './message-log.ts';
import { EventLog } from './event-log.ts';

export { MessageLog, type MessageFate, type MessageRecord } from './message-log.ts';
export { EventLog } from './event-log.ts';

export type OpAction = 'create' | 'update' | 'delete' | 'read';
/** Jepsen's outcomes: ok, fail (definitely did not happen), info (unknown: a crash cut the answer). */
export type OpOutcome = 'ok' | 'fail' | 'info';

/** One record of a run, in the order recorded: a stored event or a message. */
export type HistoryEvent = StoredEvent | MessageRecord;

/**
 * Why a client's engine went down (a 'crash' record), so a report counts real crashes apart:
 * - 'crash': the app died unexpectedly, mid-work (an injected crash; power lost mid-migration);
 * - 'rebuild': the engine's own rule, in the same app: it restarted from durable storage after a
 *   refused or stale commit, or reloaded because another tab wrote to the store;
 * - 'close': closed on purpose (a second tab closed; the app closed to install an upgrade);
 * - 'start-failed': the app could not open its store (its release refuses the store, or a
 *   migration step failed); it stays closed until the next restart.
 */
export const DOWN_CAUSES = ['crash', 'rebuild', 'close', 'start-failed'] as const;
export type DownCause = (typeof DOWN_CAUSES)[number];

/** Every record but messages: these live in History.events (messages: History.messages). */
export type StoredEvent =
  | { readonly t: number; readonly type: 'invoke'; readonly client: number; readonly clientTime: number; readonly opId: number; readonly action: OpAction; readonly entityId: string; readonly fields: Fields }
  | { readonly t: number; readonly type: 'complete'; readonly client: number; readonly opId: number; readonly outcome: OpOutcome; readonly queueId: string | null; readonly error: string | null; readonly value?: Fields | null }
  | { readonly t: number; readonly type: 'engine'; readonly client: number; readonly clientTime: number; readonly event: SyncEvent }
  | { readonly t: number; readonly type: 'apply'; readonly user: string; readonly instance: number; readonly change: AppliedChange }
  | { readonly t: number; readonly type: 'fault'; readonly phase: 'start' | 'stop'; readonly index: number; readonly fault: Fault }
  /** A client's engine went down, memory and timers lost; `cause` says why, `detail` how. */
  | { readonly t: number; readonly type: 'crash'; readonly client: number; readonly cause: DownCause; readonly detail: string }
  | { readonly t: number; readonly type: 'restart'; readonly client: number; readonly detail: string }
  /** One committed step of a client's local schema migration (sim/client.ts migrate). */
  | { readonly t: number; readonly type: 'migrate'; readonly client: number; readonly release: string; readonly name: string; readonly fromVersion: number; readonly toVersion: number; readonly ops: number }
  | { readonly t: number; readonly type: 'server'; readonly action: 'crash' | 'restart' | 'rollback' | 'failover' | 'tokens-expired' | 'upgrade'; readonly epoch: string; readonly instance: number; readonly detail?: string }
  | { readonly t: number; readonly type: 'phase'; readonly phase: 'chaos' | 'heal' | 'final-read' | 'converged' | 'budget-exhausted' };

export interface ClientFinal {
  readonly client: number;
  readonly clientId: string;
  readonly user: string;
  readonly crashed: boolean;
  readonly cursor: number;
  readonly epoch: string | null;
  /** Entity id → fields; deleted entities are absent. */
  readonly entities: Readonly<Record<string, Fields>>;
  readonly tombstones: readonly string[];
  readonly queue: readonly QueueItem[];
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly conflicts: readonly ConflictRecord[];
  /**
   * Set for a second tab (a second-tab fault): the device whose store it opened. Tabs close by
   * the heal, so a tab ends with no state of its own; its writes are in the device's store.
   */
  readonly tabOf?: number;
}

export interface ServerFinal {
  readonly epoch: string;
  /** user → entity id → fields (live entities only). */
  readonly users: Readonly<Record<string, Readonly<Record<string, Fields>>>>;
  /** user → ids of deleted entities. */
  readonly tombstones: Readonly<Record<string, readonly string[]>>;
  /** Every queueId in the surviving server log, per user. */
  readonly appliedQueueIds: Readonly<Record<string, readonly string[]>>;
}

export interface History {
  /** Every record but messages, in order (columnar: at(i) builds one); checkers and reports cite them by index. */
  readonly events: EventLog;
  /** Every message (columnar); each knows its place among the events (forEachRecord). */
  readonly messages: MessageLog;
  /** True time when the chaos phase ended and everything was healed. */
  healedAt: number;
  /** True time the run ended (converged or budget exhausted). */
  endedAt: number;
  converged: boolean;
  clients: ClientFinal[];
  server: ServerFinal | null;
  traceHash: string;
}

/** A 64-bit (two-lane) incremental hash of numbers and strings; fast, not cryptographic. */
export class TraceHasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x9e3779b9;

  num(value: number): void {
    const lo = value | 0;
    const hi = Math.floor(value / 0x1_0000_0000) | 0;
    this.mix(lo);
    this.mix(hi);
  }

  str(value: string): void {
    for (let i = 0; i < value.length; i++) this.mix(value.charCodeAt(i));
    this.mix(value.length);
  }

  private mix(word: number): void {
    this.h1 = Math.imul(this.h1 ^ word, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ word, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }

  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }
}

const TYPE_CODES: Record<HistoryEvent['type'], number> = {
  invoke: 1, complete: 2, engine: 3, message: 4, apply: 5, fault: 6, crash: 7, restart: 8, server: 9, phase: 10, migrate: 11,
};

/** Appends records and folds each into the trace hash. */
export class HistoryRecorder {
  readonly history: History = { events: new EventLog(), messages: new MessageLog(), healedAt: 0, endedAt: 0, converged: false, clients: [], server: null, traceHash: '' };
  private readonly hasher = new TraceHasher();

  constructor(private readonly recordMessages: boolean) {}

  /** Any record; a message goes to the message log (message() does the same without the object). */
  record(event: HistoryEvent): void {
    if (event.type === 'message') {
      this.message(event.t, event.client, event.kind, event.dir, event.requestId, event.fate, event.detail);
      return;
    }
    if (event.type === 'engine') {
      this.engine(event.t, event.client, event.clientTime, event.event);
      return;
    }
    this.history.events.push(event);
    const h = this.hasher;
    h.num(event.t);
    h.num(TYPE_CODES[event.type]);
    switch (event.type) {
      case 'invoke':
        h.num(event.client);
        h.num(event.opId);
        h.str(event.entityId);
        break;
      case 'complete':
        h.num(event.opId);
        h.str(event.queueId ?? event.outcome);
        break;
      case 'apply':
        h.str(event.change.queueId);
        h.num(event.change.revision);
        break;
      case 'fault':
        h.num(event.index);
        break;
      case 'crash':
      case 'restart':
        h.num(event.client);
        break;
      case 'server':
        h.str(event.action);
        h.str(event.epoch);
        break;
      case 'phase':
        h.str(event.phase);
        break;
      case 'migrate':
        h.num(event.client);
        h.num(event.toVersion);
        break;
    }
  }

  /** One engine record, from its parts (the hot path: about half of all events, so no record object is built). */
  engine(t: number, client: number, clientTime: number, event: SyncEvent): void {
    this.history.events.pushEngine(t, client, clientTime, event);
    const h = this.hasher;
    h.num(t);
    h.num(TYPE_CODES.engine);
    h.num(client);
    h.num(clientTime);
    h.str(event.type);
    if ('queueId' in event) h.str(event.queueId);
  }

  /** One message (the hot path: a few per request, so no record object is built). */
  message(t: number, client: number, kind: MessageKind, dir: MessageDir, requestId: number, fate: MessageFate, detail: string): void {
    if (!this.recordMessages) return;
    const history = this.history;
    history.messages.append(history.events.length, t, client, kind, dir, requestId, fate, detail);
    const h = this.hasher;
    h.num(t);
    h.num(TYPE_CODES.message);
    h.num(client);
    h.num(requestId);
    h.str(fate);
  }

  finish(): History {
    const h = this.hasher;
    for (const client of this.history.clients) {
      h.num(client.queue.length);
      h.num(client.cursor);
      h.num(Object.keys(client.entities).length);
    }
    this.history.traceHash = h.digest();
    return this.history;
  }
}

/**
 * Visits every record in the order it was recorded: the events, with the messages merged back
 * in at their places. `eventIndex` is the record's index in history.events, or -1 for a message.
 */
export function forEachRecord(history: Pick<History, 'events' | 'messages'>, visit: (record: HistoryEvent, eventIndex: number) => void): void {
  const { events, messages } = history;
  let m = 0;
  for (let i = 0; i < events.length; i++) {
    for (; m < messages.length && messages.positionOf(m) <= i; m++) visit(messages.at(m), -1);
    visit(events.at(i), i);
  }
  for (; m < messages.length; m++) visit(messages.at(m), -1);
}

/** Records of every kind, messages included: a run's size. */
export function recordCount(history: Pick<History, 'events' | 'messages'>): number {
  return history.events.length + history.messages.length;
}

/**
 * A History's two streams from records in order (messages to the log, the rest to events):
 * for histories built by hand, as tests and the real-network runner do.
 */
export function splitRecords(records: Iterable<HistoryEvent>): { events: EventLog; messages: MessageLog } {
  const events = new EventLog();
  const messages = new MessageLog();
  for (const r of records) {
    if (r.type === 'message') messages.append(events.length, r.t, r.client, r.kind, r.dir, r.requestId, r.fate, r.detail);
    else events.push(r);
  }
  return { events, messages };
}

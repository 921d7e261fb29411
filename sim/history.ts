// The History of a run: every invocation and completion, engine event, message, server
// apply, fault and crash, stamped with true (virtual) time and, where a client is involved,
// its own clock reading; then each client's and the server's final state. One history feeds
// the checkers, metrics, reports and replay; real-network runs record the same type.
// The trace hash folds every recorded event, so two runs of one seed can be compared exactly.

import type { SyncEvent } from '../engine/events.ts';
import type { Fields } from '../engine/protocol.ts';
import type { ConflictRecord, DeadLetterRecord, QueueItem } from '../engine/model.ts';
import type { AppliedChange } from '../server-mock/core/index.ts';
import type { Fault } from './types.ts';

export type OpAction = 'create' | 'update' | 'delete' | 'read';
/** Jepsen's outcomes: ok, fail (definitely did not happen), info (unknown: a crash cut the answer). */
export type OpOutcome = 'ok' | 'fail' | 'info';

export type HistoryEvent =
  | { readonly t: number; readonly type: 'invoke'; readonly client: number; readonly clientTime: number; readonly opId: number; readonly action: OpAction; readonly entityId: string; readonly fields: Fields }
  | { readonly t: number; readonly type: 'complete'; readonly client: number; readonly opId: number; readonly outcome: OpOutcome; readonly queueId: string | null; readonly error: string | null; readonly value?: Fields | null }
  | { readonly t: number; readonly type: 'engine'; readonly client: number; readonly clientTime: number; readonly event: SyncEvent }
  | { readonly t: number; readonly type: 'message'; readonly client: number; readonly kind: 'push' | 'pull'; readonly dir: 'request' | 'response'; readonly requestId: number; readonly fate: MessageFate; readonly detail: string }
  | { readonly t: number; readonly type: 'apply'; readonly user: string; readonly instance: number; readonly change: AppliedChange }
  | { readonly t: number; readonly type: 'fault'; readonly phase: 'start' | 'stop'; readonly index: number; readonly fault: Fault }
  | { readonly t: number; readonly type: 'crash' | 'restart'; readonly client: number; readonly detail: string }
  /** One committed step of a client's local schema migration (sim/client.ts migrate). */
  | { readonly t: number; readonly type: 'migrate'; readonly client: number; readonly release: string; readonly name: string; readonly fromVersion: number; readonly toVersion: number; readonly ops: number }
  | { readonly t: number; readonly type: 'server'; readonly action: 'crash' | 'restart' | 'rollback' | 'failover' | 'tokens-expired' | 'upgrade'; readonly epoch: string; readonly instance: number; readonly detail?: string }
  | { readonly t: number; readonly type: 'phase'; readonly phase: 'chaos' | 'heal' | 'converged' | 'budget-exhausted' };

export type MessageFate = 'sent' | 'delivered' | 'dropped' | 'duplicated' | 'refused';

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
  readonly events: HistoryEvent[];
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

/** Appends events and folds each into the trace hash. */
export class HistoryRecorder {
  readonly history: History = { events: [], healedAt: 0, endedAt: 0, converged: false, clients: [], server: null, traceHash: '' };
  private readonly hasher = new TraceHasher();

  constructor(private readonly recordMessages: boolean) {}

  record(event: HistoryEvent): void {
    if (event.type === 'message' && !this.recordMessages) return;
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
      case 'engine':
        h.num(event.client);
        h.num(event.clientTime);
        h.str(event.event.type);
        if ('queueId' in event.event) h.str(event.event.queueId);
        break;
      case 'message':
        h.num(event.client);
        h.num(event.requestId);
        h.str(event.fate);
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

// One linear pass over a History builds the lookups every checker shares: each queue item's
// life (enqueued, coalesced, sent, acked, conflicts, dead-lettered), every server apply, every
// op's invocation and completion, crashes and rollbacks. Checkers then stay small and pure.

import type { Action, Fields, ServerEntityState } from '../../engine/protocol.ts';
import type { History, OpAction, OpOutcome, StoredEvent } from '../../sim/history.ts';
import type { EventKind } from '../../sim/event-log.ts';

export interface ItemLife {
  readonly queueId: string;
  readonly client: number;
  readonly entityId: string;
  /** Event index of the enqueue (or repair enqueue). */
  readonly enqueuedAt: number;
  readonly action: Action | 'repair';
  /** For a repair item: the client's own item whose state it re-uploads. */
  readonly repairOf: string | null;
  /** Event index of a repair that rode on this pending item (repair-enqueued for a queueId already queued): it carries a lost write back too. */
  repairedAt: number | null;
  /** True times of the writes folded into this item (enqueue, then each coalesce). */
  readonly writeTimes: number[];
  /** Client-clock readings at those writes. */
  readonly writeClientTimes: number[];
  acked: number | null;
  deadLettered: number | null;
  superseded: number | null;
  coalescedAway: number | null;
  conflicts: number[];
}

export interface ApplyRecord {
  readonly index: number;
  readonly t: number;
  readonly user: string;
  readonly queueId: string;
  readonly clientId: string;
  readonly entityId: string;
  readonly action: Action;
  readonly revision: number;
  readonly deleted: boolean;
}

export interface OpRecord {
  readonly opId: number;
  readonly client: number;
  readonly invokedAt: number;
  readonly t: number;
  readonly clientTime: number;
  readonly action: OpAction;
  readonly entityId: string;
  readonly fields: Fields;
  completedAt: number | null;
  outcome: OpOutcome | null;
  queueId: string | null;
  value: Fields | null | undefined;
}

export interface ConflictRecordSeen {
  readonly index: number;
  readonly t: number;
  readonly client: number;
  readonly clientTime: number;
  readonly queueId: string;
  readonly entityId: string;
  readonly policy: string;
  readonly outcome: string;
  readonly server: ServerEntityState;
  readonly localClientTime: number;
}

export interface HistoryIndex {
  readonly items: Map<string, ItemLife>;
  readonly applies: ApplyRecord[];
  /** (user, entityId) → applies in order. */
  readonly appliesByEntity: Map<string, ApplyRecord[]>;
  readonly ops: Map<number, OpRecord>;
  readonly conflicts: ConflictRecordSeen[];
  /** Times of server rollbacks. */
  readonly rollbacks: number[];
  /** Simulated rollbacks: the state of fromT restored at atT, so every apply in [fromT, atT) was undone. */
  readonly rollbackWindows: { readonly fromT: number; readonly atT: number }[];
  readonly crashes: Map<number, number[]>;
  readonly clientIdToIndex: Map<string, number>;
  readonly userOfClient: Map<number, string>;
  /** `${client}/${entityId}` → the client's last acked item of the entity (what a repair re-uploads). */
  readonly lastAcked: Map<string, ItemLife>;
  /** queueIds handed out again by a later enqueue (a lost item's key reused): queueId → event indexes. */
  readonly reusedQueueIds: Map<string, number[]>;
}

export function entityOf(user: string, entityId: string): string {
  return `${user}/${entityId}`;
}

/** Adds value to the list under key (a new list when there is none). */
export function appendTo<K, T>(map: Map<K, T[]>, key: K, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** `c3:12` → 12; `c3:12~2` (a bug variant's renamed retry) → 12. */
export function seqOf(queueId: string): number {
  const colon = queueId.lastIndexOf(':');
  return Number.parseInt(queueId.slice(colon + 1), 10);
}

/** The kinds indexHistory reads (the switches below); the rest (pulls, applies, sends…) it skips unbuilt. */
const INDEXED_KINDS: readonly EventKind[] = [
  'invoke', 'complete', 'apply', 'server', 'fault', 'crash',
  'engine:enqueued', 'engine:repair-enqueued', 'engine:coalesced', 'engine:acked', 'engine:dead-lettered', 'engine:conflict', 'engine:conflict-resolved',
];

export function indexHistory(history: History): HistoryIndex {
  const rollbackFrom = new Map<number, number>();
  const index: HistoryIndex = {
    items: new Map(), applies: [], appliesByEntity: new Map(), ops: new Map(), conflicts: [], rollbacks: [], rollbackWindows: [], crashes: new Map(),
    clientIdToIndex: new Map(history.clients.filter((c) => c.tabOf === undefined).map((c) => [c.clientId, c.client])),
    userOfClient: new Map(history.clients.map((c) => [c.client, c.user])),
    lastAcked: new Map(),
    reusedQueueIds: new Map(),
  };
  history.events.select(INDEXED_KINDS, (e, i) => {
    switch (e.type) {
      case 'invoke':
        index.ops.set(e.opId, { opId: e.opId, client: e.client, invokedAt: i, t: e.t, clientTime: e.clientTime, action: e.action, entityId: e.entityId, fields: e.fields, completedAt: null, outcome: null, queueId: null, value: undefined });
        break;
      case 'complete': {
        const op = index.ops.get(e.opId);
        if (op !== undefined) {
          op.completedAt = i;
          op.outcome = e.outcome;
          op.queueId = e.queueId;
          op.value = e.value;
        }
        break;
      }
      case 'engine':
        indexEngineEvent(index, i, e);
        break;
      case 'apply': {
        const c = e.change;
        const record: ApplyRecord = { index: i, t: e.t, user: e.user, queueId: c.queueId, clientId: c.clientId, entityId: c.entityId, action: c.action, revision: c.revision, deleted: c.deleted };
        index.applies.push(record);
        appendTo(index.appliesByEntity, entityOf(e.user, c.entityId), record);
        break;
      }
      case 'server':
        if (e.action === 'rollback') index.rollbacks.push(e.t);
        break;
      case 'fault':
        // The nemesis snapshots the server when a server-rollback starts and restores it when it stops.
        if (e.fault.kind === 'server-rollback') {
          if (e.phase === 'start') rollbackFrom.set(e.index, e.t);
          else if (rollbackFrom.has(e.index)) index.rollbackWindows.push({ fromT: rollbackFrom.get(e.index)!, atT: e.t });
        }
        break;
      case 'crash':
        appendTo(index.crashes, e.client, e.t);
        break;
      default:
        break;
    }
  });
  return index;
}

type EngineHistoryEvent = Extract<StoredEvent, { type: 'engine' }>;

function indexEngineEvent(index: HistoryIndex, i: number, e: EngineHistoryEvent): void {
  const ev = e.event;
  switch (ev.type) {
    case 'enqueued':
    case 'repair-enqueued': {
      const known = index.items.get(ev.queueId);
      if (known !== undefined) {
        // A repair may ride on a pending item (same key, same life); a second plain enqueue of a key is a reuse.
        if (ev.type === 'enqueued') index.reusedQueueIds.set(ev.queueId, [...(index.reusedQueueIds.get(ev.queueId) ?? [known.enqueuedAt]), i]);
        else known.repairedAt = i;
        break;
      }
      // A new repair item re-uploads the state of one of the client's own writes: that write's times are its times.
      // The event names it, as it may never have been acked (its ack lost, the state learned from a pull); the
      // client's last acked write of the entity stands in only when the history does not know the named item.
      const source = ev.type === 'repair-enqueued' ? (index.items.get(ev.reuploads) ?? index.lastAcked.get(`${e.client}/${ev.entityId}`)) : undefined;
      index.items.set(ev.queueId, {
        queueId: ev.queueId, client: e.client, entityId: ev.entityId, enqueuedAt: i, action: ev.type === 'enqueued' ? ev.action : 'repair', repairOf: source?.queueId ?? null, repairedAt: null,
        writeTimes: source === undefined ? [e.t] : [...source.writeTimes], writeClientTimes: source === undefined ? [e.clientTime] : [...source.writeClientTimes],
        acked: null, deadLettered: null, superseded: null, coalescedAway: null, conflicts: [],
      });
      break;
    }
    case 'coalesced': {
      const item = index.items.get(ev.queueId);
      if (item === undefined) break;
      // Folded into (a later write of the same op), or taken out by a delete that met it unsent:
      // either way that write is the item's last word. A repair that later names the removed item
      // (the delete's trace kept by pull.ts keepLost, writes.ts keepDeleteTrace) carries that delete,
      // made then, not the item's own older write (default seed 242654: c9's re-delete was dated
      // to its create four minutes before, a false lost update against c7's write in between).
      if (ev.into === null) item.coalescedAway = i;
      item.writeTimes.push(e.t);
      item.writeClientTimes.push(e.clientTime);
      break;
    }
    case 'acked': {
      const item = index.items.get(ev.queueId);
      if (item !== undefined && item.acked === null) {
        item.acked = i;
        index.lastAcked.set(`${e.client}/${item.entityId}`, item);
      }
      break;
    }
    case 'dead-lettered': {
      const item = index.items.get(ev.queueId);
      if (item !== undefined) item.deadLettered = i;
      break;
    }
    case 'conflict': {
      const item = index.items.get(ev.queueId);
      if (item !== undefined) {
        item.conflicts.push(i);
        if (ev.outcome === 'server-wins') item.superseded = i;
      }
      index.conflicts.push({ index: i, t: e.t, client: e.client, clientTime: e.clientTime, queueId: ev.queueId, entityId: ev.entityId, policy: ev.policy, outcome: ev.outcome, server: ev.server, localClientTime: ev.local.clientTime });
      break;
    }
    case 'conflict-resolved': {
      const item = index.items.get(ev.queueId);
      if (item !== undefined && ev.resolution === 'keep-server') item.superseded = i;
      break;
    }
    default:
      break;
  }
}

/**
 * Whether the apply made at applyT is part of the server's state at time t: the latest
 * rollback restored after it (and by t) must have restored a snapshot taken after it, in which
 * it was itself alive. Rollbacks can nest (a snapshot taken before an earlier rollback brings
 * back what that rollback undid), hence the recursion. No rollback windows (a real-network
 * history): every apply made by t counts.
 */
export function aliveAt(index: HistoryIndex, applyT: number, t: number): boolean {
  if (applyT > t) return false;
  let latest: { readonly fromT: number; readonly atT: number } | null = null;
  for (const w of index.rollbackWindows) if (w.atT > applyT && w.atT <= t && (latest === null || w.atT > latest.atT)) latest = w;
  if (latest === null) return true;
  return applyT < latest.fromT && aliveAt(index, applyT, latest.fromT);
}

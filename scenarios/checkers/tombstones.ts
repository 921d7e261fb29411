// Tombstone safety (DESIGN §4.8): once a delete is applied nothing older brings the entity back,
// and a delete that returned ok is not undone by a later restore. Pure functions of the history.

import type { History } from '../../sim/history.ts';
import { aliveAt, appendTo, entityOf, type ApplyRecord, type ConflictRecordSeen, type HistoryIndex, type ItemLife, type OpRecord } from './history-index.ts';
import { clockText, Verdict, type CheckResult } from './types.ts';

/** 8. Once a delete is applied, nothing resurrects the entity (on the server or in a client's final state). */
export function checkTombstones(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('tombstone-safety', 'once a delete is applied (or returned ok as its user\'s last word), nothing older brings the entity back');
  for (const [key, applies] of index.appliesByEntity) {
    let deletedAt: { t: number; index: number; queueId: string } | null = null;
    for (const apply of applies) {
      if (deletedAt !== null && !apply.deleted && !index.rollbacks.some((t) => t > deletedAt!.t && t <= apply.t)) {
        verdict.add({
          rule: 'resurrected',
          message: `${key} was deleted by ${deletedAt.queueId} at ${clockText(deletedAt.t)}, then ${apply.queueId} (${apply.action}) brought it back at ${clockText(apply.t)}`,
          clients: [index.clientIdToIndex.get(apply.clientId) ?? -1],
          queueIds: [deletedAt.queueId, apply.queueId],
          t: apply.t,
          slice: [deletedAt.index, apply.index],
        });
      }
      if (apply.deleted) deletedAt = { t: apply.t, index: apply.index, queueId: apply.queueId };
    }
  }
  const server = history.server;
  if (server !== null && history.converged) {
    for (const client of history.clients) {
      const dead = new Set(server.tombstones[client.user] ?? []);
      for (const id of Object.keys(client.entities)) {
        if (!dead.has(id)) continue;
        verdict.add({ rule: 'deleted-still-shown', message: `${client.clientId} still shows ${id} at the end, which the server deleted`, clients: [client.client], queueIds: [], t: history.endedAt, slice: [] });
      }
    }
    checkDeletesKept(history, index, verdict);
  }
  return verdict.result(`${index.appliesByEntity.size} entities`);
}

/**
 * A delete that returned ok and is its user's last write of the entity must leave the server
 * without it, unless the server refused it (dead letter, manual conflict, or a conflict with a live
 * state the policy kept). Flagged when the entity is alive at the end in a state the deleting
 * client itself wrote BEFORE the delete: a restore (a rollback to an older snapshot) brought back
 * what the user deleted, and nothing deleted it again. A state written after the delete is a later
 * write (its own checkers judge it); one written before by another client may be unknown to the
 * deleting client (its own create of the same id, cancelled unsent), so it is not judged here.
 */
function checkDeletesKept(history: History, index: HistoryIndex, verdict: Verdict): void {
  const lastWrite = new Map<string, OpRecord>();
  for (const op of index.ops.values()) {
    if (op.action === 'read' || (op.outcome !== 'ok' && op.outcome !== 'info')) continue;
    const key = entityOf(index.userOfClient.get(op.client) ?? '', op.entityId);
    const prior = lastWrite.get(key);
    if (prior === undefined || op.invokedAt > prior.invokedAt) lastWrite.set(key, op);
  }
  const clientIds = new Map(history.clients.map((c) => [c.client, c.clientId]));
  let carriers: Carriers | null = null;
  for (const [key, op] of lastWrite) {
    const user = index.userOfClient.get(op.client) ?? '';
    if (op.action !== 'delete' || op.outcome !== 'ok' || history.server!.users[user]?.[op.entityId] === undefined) continue;
    carriers ??= new Carriers(index);
    if (carriers.refused(op)) continue;
    const final = finalApply(index.appliesByEntity.get(key) ?? [], index, history.endedAt);
    const clientId = clientIds.get(op.client);
    if (final === undefined || final.deleted || final.t >= op.t || final.clientId !== clientId) continue;
    verdict.add({
      rule: 'delete-undone',
      message: `${clientId}'s delete of ${op.entityId} (op ${op.opId} at ${clockText(op.t)}) returned ok${op.queueId === null ? ' (settled without a send)' : ` as ${op.queueId}`} and is its user's last write of it, ` +
        `yet the server ends holding ${op.entityId} as ${final.queueId} wrote it at ${clockText(final.t)}, before the delete: a restore brought it back and nothing deleted it again`,
      clients: [op.client],
      queueIds: op.queueId === null ? [final.queueId] : [final.queueId, op.queueId],
      t: history.endedAt,
      slice: [final.index, op.invokedAt],
    });
  }
}

/**
 * Whether the server took a delete, with the lookups that answer it built once per history
 * (each question used to scan every item and conflict: quadratic in a run's size).
 */
class Carriers {
  /** Items by client and entity (`client/entityId`), in index order. */
  private readonly itemsOfClientEntity = new Map<string, ItemLife[]>();
  /** Delete items by user and entity (entityOf). */
  private readonly deletesOfEntity = new Map<string, ItemLife[]>();
  /** Repair items, in enqueue order. */
  private readonly repairs: ItemLife[];
  private readonly conflictsOf = new Map<string, ConflictRecordSeen[]>();

  constructor(private readonly index: HistoryIndex) {
    for (const item of index.items.values()) {
      appendTo(this.itemsOfClientEntity, `${item.client}/${item.entityId}`, item);
      if (item.action === 'delete') appendTo(this.deletesOfEntity, entityOf(index.userOfClient.get(item.client) ?? '', item.entityId), item);
    }
    this.repairs = [...index.items.values()].filter((item) => item.repairOf !== null).sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    for (const conflict of index.conflicts) appendTo(this.conflictsOf, conflict.queueId, conflict);
  }

  /**
   * The server did not take the delete: dead-lettered, left in manual conflict, or lost a conflict
   * to a live state; so judged also for the items that carried it later (a rollback repair's
   * re-upload of it, transitively), for the unsent create it cancelled (a repair re-sends the
   * delete as a re-upload of that create's key), and, when it met a tombstone (another delete got
   * there first and its own was dropped), for the user's other deletes of the entity: it stands or
   * falls with them (default seed 18627: the delete it met was re-uploaded after a rollback and
   * dead-lettered).
   */
  refused(op: OpRecord): boolean {
    const index = this.index;
    const carriers = new Set<string>(op.queueId === null ? [] : [op.queueId]);
    for (const item of this.itemsOfClientEntity.get(`${op.client}/${op.entityId}`) ?? []) {
      if (item.coalescedAway !== null && op.completedAt !== null && item.coalescedAway >= op.invokedAt && item.coalescedAway <= op.completedAt) carriers.add(item.queueId);
    }
    if (this.someConflict(carriers, (c) => c.server.deleted && c.server.revision > 0)) {
      const user = index.userOfClient.get(op.client) ?? '';
      for (const item of this.deletesOfEntity.get(entityOf(user, op.entityId)) ?? []) carriers.add(item.queueId);
    }
    // Repair items come after what they re-upload, in enqueue order: one pass takes the chain.
    for (const item of this.repairs) if (carriers.has(item.repairOf!)) carriers.add(item.queueId);
    for (const queueId of carriers) {
      if (index.items.get(queueId)?.deadLettered != null) return true;
    }
    return this.someConflict(carriers, (c) => c.outcome === 'manual' || (c.outcome === 'server-wins' && !c.server.deleted));
  }

  private someConflict(queueIds: ReadonlySet<string>, test: (conflict: ConflictRecordSeen) => boolean): boolean {
    for (const queueId of queueIds) if (this.conflictsOf.get(queueId)?.some(test) === true) return true;
    return false;
  }
}


/** The apply whose state the server holds at the end: the last one still alive then. */
function finalApply(applies: readonly ApplyRecord[], index: HistoryIndex, endedAt: number): ApplyRecord | undefined {
  for (let i = applies.length - 1; i >= 0; i--) if (aliveAt(index, applies[i]!.t, endedAt)) return applies[i];
  return undefined;
}

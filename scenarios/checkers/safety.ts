// Safety properties (DESIGN §4.1–4.4): local durability, no lost acknowledged write,
// at-most-once apply, per-entity order (tombstone safety, §4.8: tombstones.ts). Pure functions of the history.

import type { History } from '../../sim/history.ts';
import { aliveAt, entityOf, seqOf, type ApplyRecord, type HistoryIndex, type ItemLife, type OpRecord } from './history-index.ts';
import { clockText, Verdict, type CheckResult } from './types.ts';

function fateOf(item: ItemLife): number | null {
  return item.acked ?? item.superseded ?? item.deadLettered ?? item.coalescedAway;
}

/** 1. Once a local write returned ok, its queue item reaches a fate or is still queued. */
export function checkLocalDurability(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('local-durability', 'a write that returned ok stays in queue ∪ acked ∪ dead-letter ∪ conflicts across crashes');
  const finalQueues = new Map(history.clients.map((c) => [c.client, new Set(c.queue.map((q) => q.queueId))]));
  // A write made in a second tab is left in its device's queue (the tab's store is the device's).
  const queueHolder = (client: number): number => history.clients[client]?.tabOf ?? client;
  let checked = 0;
  for (const op of index.ops.values()) {
    if (op.outcome !== 'ok' || op.queueId === null || op.action === 'read') continue;
    checked++;
    const item = index.items.get(op.queueId);
    if (item !== undefined && fateOf(item) !== null) continue;
    if (finalQueues.get(queueHolder(op.client))?.has(op.queueId)) continue;
    const crashes = (index.crashes.get(op.client) ?? []).filter((t) => t >= op.t);
    const clientId = history.clients[op.client]?.clientId ?? `#${op.client}`;
    verdict.add({
      rule: 'write-lost',
      message: `${clientId}'s ${op.action} of ${op.entityId} (op ${op.opId} at ${clockText(op.t)}, its clock ${clockText(op.clientTime)}) returned ok as ${op.queueId}, ` +
        `but ${op.queueId} was never acked, superseded, dead-lettered or left in the queue${crashes.length > 0 ? `; ${clientId} crashed at ${crashes.map(clockText).join(', ')}` : ''}: the write was lost`,
      clients: [op.client],
      queueIds: [op.queueId],
      t: op.t,
      slice: [op.invokedAt, ...(op.completedAt === null ? [] : [op.completedAt])],
    });
  }
  for (const [queueId, at] of index.reusedQueueIds) {
    const first = history.events.at(at[0]!);
    const client = first.type === 'engine' ? first.client : -1;
    verdict.add({
      rule: 'queue-id-reused',
      message: `${queueId} was handed out to ${at.length} different writes (at ${at.map((i) => clockText(history.events.timeAt(i))).join(' and ')}): the first one's queue item was lost and its key reused`,
      clients: [client],
      queueIds: [queueId],
      t: history.events.timeAt(at[1]!),
      slice: at,
    });
  }
  return verdict.result(`${checked} locally acknowledged writes`);
}

/**
 * 2. An acked op is in the server's final log, or its loss is accounted for: a rollback lost it and
 * the entity was written again after, deleted after, overwritten by a surviving op, or re-uploaded
 * and resolved by the policy (the rules below).
 */
export function checkNoLostAck(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('no-lost-ack', 'an op the client saw acked is in the server log (or re-uploaded after a rollback)');
  const finalLogs = new Map<string, Set<string>>();
  for (const [user, ids] of Object.entries(history.server?.appliedQueueIds ?? {})) finalLogs.set(user, new Set(ids));
  let checked = 0;
  for (const item of index.items.values()) {
    if (item.acked === null) continue;
    checked++;
    const user = index.userOfClient.get(item.client) ?? '';
    if (inFinalLog(index, finalLogs.get(user), item)) continue;
    const ackT = history.events.timeAt(item.acked);
    const rollback = index.rollbacks.find((t) => t >= ackT) ?? index.rollbacks.filter((t) => t <= ackT).at(-1);
    const later = rollback === undefined ? [] : (index.appliesByEntity.get(entityOf(user, item.entityId)) ?? []).filter((a) => a.t > rollback);
    if (later.length > 0) continue;
    // Deleted later by a settled delete, and gone from the server: the delete superseded it.
    if (history.server?.users[user]?.[item.entityId] === undefined && deletedAfter(index, history, item, appliedAt(index, user, item, ackT))) continue;
    if (overwrittenBySurvivor(index, finalLogs.get(user), user, item, ackT)) continue;
    if (heldByFinalState(index, history, finalLogs.get(user), user, item, ackT)) continue;
    // Re-uploaded after the rollback (by whichever client wrote the entity last: its state carried
    // this write), and then refused for good or beaten by a newer write under the conflict policy:
    // not silent, the loss went through the protocol.
    const resolved = (r: ItemLife): boolean => r.deadLettered !== null || r.superseded !== null;
    // A repair is a repair item, or a pending item a repair rode on (from when it did).
    const repairedAt = (r: ItemLife): number | null => (r.action === 'repair' ? r.enqueuedAt : r.repairedAt);
    const reuploaded = (r: ItemLife): boolean => {
      const at = repairedAt(r);
      return at !== null && index.userOfClient.get(r.client) === user && r.entityId === item.entityId && resolved(r) && history.events.timeAt(at) >= rollback!;
    };
    if (rollback !== undefined && [...index.items.values()].some(reuploaded)) continue;
    if (rollback !== undefined && lastWriterResent(index, history, user, item, ackT, rollback)) continue;
    verdict.add({
      rule: 'acked-write-lost',
      message: `${item.queueId} (${item.entityId}) was acked at ${clockText(ackT)} but is not in the server's log${rollback === undefined ? ' and no rollback explains it' : `; the rollback at ${clockText(rollback)} lost it and nothing re-uploaded ${item.entityId}`}`,
      clients: [item.client],
      queueIds: [item.queueId],
      t: ackT,
      slice: [item.enqueuedAt, item.acked],
    });
  }
  return verdict.result(`${checked} acked ops`);
}

/**
 * When the server applied the op an answer settled (its last apply by settledT), else settledT.
 * "Deleted later" compares applies, not answers: a lost ack's replayed answer can arrive after a
 * delete that the server applied (and acked) after the write itself, superseding it all the same.
 */
function appliedAt(index: HistoryIndex, user: string, item: ItemLife, settledT: number): number {
  const applies = (index.appliesByEntity.get(entityOf(user, item.entityId)) ?? []).filter((a) => a.queueId === item.queueId && a.t <= settledT);
  return applies.at(-1)?.t ?? settledT;
}

/**
 * A delete of the entity by the item's user came after it and settled: acked, superseded (a
 * delete the restored server had nothing to delete for: default seed 71432), applied though its
 * client dead-lettered it (a lost ack, then a replay refused for good), or taken out of the
 * queue together with a pending create it met there (nothing left to send: a repair's re-upload
 * of the item, default seed 68571). The caller checks the server holds no such entity.
 */
function deletedAfter(index: HistoryIndex, history: History, item: ItemLife, sinceT: number): boolean {
  const user = index.userOfClient.get(item.client) ?? '';
  const sameUser = (client: number): boolean => index.userOfClient.get(client) === user;
  // An item is a delete if it was enqueued as one, or if a delete was coalesced into it (its apply
  // says so, or, unapplied, the last write folded into it was a delete).
  const deletes = new Set((index.appliesByEntity.get(entityOf(user, item.entityId)) ?? []).filter((a) => a.deleted).map((a) => a.queueId));
  const lastWrite = new Map<string, OpRecord>();
  for (const op of index.ops.values()) {
    if (op.queueId === null || op.outcome !== 'ok' || op.action === 'read') continue;
    const seen = lastWrite.get(op.queueId);
    if (seen === undefined || op.invokedAt > seen.invokedAt) lastWrite.set(op.queueId, op);
  }
  const applied = new Set((index.appliesByEntity.get(entityOf(user, item.entityId)) ?? []).map((a) => a.queueId));
  for (const other of index.items.values()) {
    // A dead-lettered delete counts when the server applied it: its ack was lost, and the replay
    // was refused for good (a permission change), yet the delete took effect (default seed 242379).
    const settled = other.acked ?? other.superseded ?? (applied.has(other.queueId) ? other.deadLettered : null);
    const isDelete = other.action === 'delete' || deletes.has(other.queueId) || lastWrite.get(other.queueId)?.action === 'delete';
    if (!isDelete || other.entityId !== item.entityId || settled === null) continue;
    if (sameUser(other.client) && appliedAt(index, user, other, history.events.timeAt(settled)) >= sinceT) return true;
  }
  for (const op of index.ops.values()) {
    if (op.action === 'delete' && op.outcome === 'ok' && op.queueId === null && op.entityId === item.entityId && sameUser(op.client) && op.t >= sinceT) return true;
  }
  return false;
}

/**
 * Another op overwrote the item on the server (applied after it with no rollback between: in the
 * item's own lineage), writing every field the item wrote, and that op survives in the final log
 * (default seed 28009: c0's create of n0 was overwritten by c1's create, re-sent after a lost ack
 * and the winner on its HLC stamp; the last rollback restored a snapshot holding c1's first apply,
 * from before c0's write ever reached the server). The server state reflects the op that
 * superseded the item, as §4.2 asks. Nothing else could be asked of the engine: its confirmed
 * state of the entity is the other op's, which the restored server has, and a re-upload of the
 * item would only lose to that op again.
 */
function overwrittenBySurvivor(index: HistoryIndex, log: Set<string> | undefined, user: string, item: ItemLife, ackT: number): boolean {
  const { applies, own } = lineageOf(index, user, item, ackT);
  if (own === undefined || log === undefined) return false;
  return survivorCovers(index, log, applies, own, item, fieldsWritten(index, item) ?? 'all');
}

/** A later write of the item's lineage (after its own apply `own`) that survives in the final log set every field of `wrote`. */
function survivorCovers(index: HistoryIndex, log: Set<string>, applies: readonly ApplyRecord[], own: ApplyRecord, item: ItemLife, wrote: 'all' | Set<string>): boolean {
  return applies.some((a) => a.index > own.index && a.queueId !== item.queueId && log.has(a.queueId) &&
    inLineage(index, own.t, a.t) && covers(fieldsOverwritten(index, index.items.get(a.queueId)), wrote));
}

/** The entity's applies, and the item's own last apply before its ack (what later applies overwrote). */
function lineageOf(index: HistoryIndex, user: string, item: ItemLife, ackT: number) {
  const applies = index.appliesByEntity.get(entityOf(user, item.entityId)) ?? [];
  return { applies, own: applies.filter((a) => a.queueId === item.queueId && a.t <= ackT).at(-1) };
}

/**
 * The final state still holds the write: every field it set has its value there, or a later write
 * of its lineage that survives set that field. A repair re-upload sends its client's whole view of
 * the entity, so it carries the writes under it although no op of theirs is in the log (default
 * seed 78690: c3's create of n1 survived inside c2's re-upload after three nested rollbacks, with
 * only the title c2 itself had written over it changed).
 */
function heldByFinalState(index: HistoryIndex, history: History, log: Set<string> | undefined, user: string, item: ItemLife, ackT: number): boolean {
  const final = history.server?.users[user]?.[item.entityId];
  // An acked repair is held when the write it carries back is (default seed 192432: c2's re-upload
  // of its create, acked, then lost to a rollback whose snapshot held c3's re-upload of its later
  // update, which carried c2's title; c3's update had overwritten c2's content in both epochs).
  // Other writers' fields folded into the repair answer to those writers' own acks.
  const source = sourceOf(index, item);
  if (final === undefined || log === undefined || source === undefined || (source.action !== 'create' && source.action !== 'update')) return false;
  const ops = [...index.ops.values()].filter((op) => op.queueId === source.queueId && op.client === source.client).sort((a, b) => a.opId - b.opId);
  if (ops.length === 0 || ops.some((op) => op.action === 'delete')) return false;
  const written: Record<string, unknown> = {};
  for (const op of ops) Object.assign(written, op.fields);
  const { applies, own } = lineageOf(index, user, item, ackT);
  const overwritten = (field: string): boolean => own !== undefined && survivorCovers(index, log, applies, own, item, new Set([field]));
  return Object.entries(written).every(([field, value]) => JSON.stringify(final[field]) === JSON.stringify(value) || overwritten(field));
}

/** A rollback after `fromT`, up to `toT`. */
function rollbackBetween(index: HistoryIndex, fromT: number, toT: number): boolean {
  return index.rollbacks.some((t) => t > fromT && t <= toT);
}

/**
 * The apply at laterT was made on a state that held the apply at ownT: no rollback came between,
 * or every one that did restored a snapshot still holding it (aliveAt: simulated rollbacks, whose
 * snapshot times are known). Default seed 78690: a first rollback lost c1's create; a second one
 * restored a snapshot taken before the first restore, which still held it, and c2's write
 * overwrote it there; a third rollback lost both, and c2's write survived in its older form.
 */
function inLineage(index: HistoryIndex, ownT: number, laterT: number): boolean {
  if (!rollbackBetween(index, ownT, laterT)) return true;
  return index.rollbackWindows.length > 0 && aliveAt(index, ownT, laterT);
}

/**
 * The entity's last write before the rollback overwrote the item in its own lineage (applied after
 * it, no rollback between), and was itself lost; it was still pending at its client (its ack never
 * came, e.g. commit-then-fail), so its client sent it again after the rollback, and the conflict
 * policy resolved that send against the restored state: superseded (a restored tombstone is final)
 * or refused for good. That send was the entity's re-upload, as a repair item would have been: it
 * carried the lineage's last state, which is what the item's write had become (rolling-upgrade
 * seeds 400018, 400865: a rollback forgot a delete, the entity was created again and written,
 * then a second rollback restored a snapshot holding the delete). Not silent, and nothing else
 * could be asked of an engine: the clients whose writes came before hold the last writer's state
 * as confirmed (not theirs: nothing of theirs to re-upload), and a re-upload of theirs would meet
 * the same restored state under the same policy.
 */
function lastWriterResent(index: HistoryIndex, history: History, user: string, item: ItemLife, ackT: number, rollback: number): boolean {
  const { applies, own } = lineageOf(index, user, item, ackT);
  const last = applies.filter((a) => a.t < rollback).at(-1);
  if (own === undefined || last === undefined || last.index <= own.index) return false;
  if (!inLineage(index, own.t, last.t)) return false;
  const writer = index.items.get(last.queueId);
  if (writer === undefined || writer.acked !== null) return false;
  const settled = writer.superseded ?? writer.deadLettered;
  return settled !== null && history.events.timeAt(settled) >= rollback;
}

/** The fields an item's writes set: all for a create or delete (a whole state), null when unknown (a repair's). */
function fieldsWritten(index: HistoryIndex, item: ItemLife | undefined): 'all' | Set<string> | null {
  if (item === undefined || item.action === 'repair') return null;
  if (item.action !== 'update') return 'all';
  const fields = new Set<string>();
  for (const op of index.ops.values()) if (op.queueId === item.queueId && op.client === item.client) for (const field of Object.keys(op.fields)) fields.add(field);
  return fields;
}

/**
 * The fields an item surely overwrote: a repair re-uploads its client's whole view (unknown here),
 * which holds at least the write it carries back, so it overwrote that write's fields (an
 * under-count: a later repair covers no more than it surely wrote).
 */
function fieldsOverwritten(index: HistoryIndex, item: ItemLife | undefined): 'all' | Set<string> | null {
  return fieldsWritten(index, item === undefined ? undefined : sourceOf(index, item));
}

/** The write a repair item carries back (following re-uploads of re-uploads); the item itself when it is no repair. */
function sourceOf(index: HistoryIndex, item: ItemLife): ItemLife | undefined {
  let at: ItemLife | undefined = item;
  while (at !== undefined && at.action === 'repair' && at.repairOf !== null) at = index.items.get(at.repairOf);
  return at;
}

function covers(later: 'all' | Set<string> | null, earlier: 'all' | Set<string>): boolean {
  if (later === 'all') return true;
  return later !== null && earlier !== 'all' && [...earlier].every((field) => later.has(field));
}

/** The item, or (for a repair) the write it re-uploaded, survives in the final log. */
function inFinalLog(index: HistoryIndex, log: Set<string> | undefined, item: ItemLife): boolean {
  for (let at: ItemLife | undefined = item; at !== undefined; at = at.repairOf === null ? undefined : index.items.get(at.repairOf)) {
    if (log?.has(at.queueId)) return true;
  }
  return false;
}

/** 3. Every queueId is applied at most once (a rollback in between erases the first apply). */
export function checkAtMostOnce(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('at-most-once', 'every queueId is applied at most once, whatever retries, duplicates and lost acks happen');
  const firstApply = new Map<string, { t: number; index: number }>();
  for (const apply of index.applies) {
    const key = `${apply.user}\u0000${apply.queueId}`;
    const first = firstApply.get(key);
    if (first !== undefined && !index.rollbacks.some((t) => t > first.t && t <= apply.t)) {
      verdict.add({
        rule: 'applied-twice',
        message: `${apply.queueId} (${apply.entityId}, ${apply.action}) was applied twice: at ${clockText(first.t)} and again at ${clockText(apply.t)}, with no rollback between`,
        clients: [index.clientIdToIndex.get(apply.clientId) ?? -1],
        queueIds: [apply.queueId],
        t: apply.t,
        slice: [first.index, apply.index],
      });
    }
    firstApply.set(key, { t: apply.t, index: apply.index });
  }
  for (const [user, ids] of Object.entries(history.server?.appliedQueueIds ?? {})) {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) verdict.add({ rule: 'logged-twice', message: `${id} appears twice in ${user}'s final server log`, clients: [], queueIds: [id], t: history.endedAt, slice: [] });
      seen.add(id);
    }
  }
  return verdict.result(`${index.applies.length} applies`);
}

/** 4. For one client and entity, ops are applied in the order the client made them. */
export function checkEntityOrder(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('per-entity-order', "a client's ops on one entity are applied in the order it made them");
  const last = new Map<string, { seq: number; t: number; index: number; queueId: string }>();
  let rollbackAt = 0;
  for (const apply of index.applies) {
    while (rollbackAt < index.rollbacks.length && index.rollbacks[rollbackAt]! <= apply.t) {
      last.clear(); // what a rollback erased need not be ordered against what comes after
      rollbackAt++;
    }
    const key = `${apply.user}\u0000${apply.clientId}\u0000${apply.entityId}`;
    const seq = seqOf(apply.queueId);
    const prior = last.get(key);
    if (prior !== undefined && seq < prior.seq) {
      verdict.add({
        rule: 'out-of-order',
        message: `${apply.clientId}'s ops on ${apply.entityId} were applied out of order: ${prior.queueId} at ${clockText(prior.t)}, then the earlier ${apply.queueId} at ${clockText(apply.t)}`,
        clients: [index.clientIdToIndex.get(apply.clientId) ?? -1],
        queueIds: [prior.queueId, apply.queueId],
        t: apply.t,
        slice: [prior.index, apply.index],
      });
    }
    if (prior === undefined || seq > prior.seq) last.set(key, { seq, t: apply.t, index: apply.index, queueId: apply.queueId });
  }
  return verdict.result(`${index.applies.length} applies`);
}

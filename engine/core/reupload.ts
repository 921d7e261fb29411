// Rollback repair's re-upload: a confirmed write of ours the restored server lacks is sent
// again, carried by the first pending op of the entity or by an op of its own.

import type { Action, Change, Fields } from '../protocol.ts';
import { assert } from '../assert.ts';
import { itemWith, type EntityRecord, type QueueItem } from '../model.ts';
import type { Ctx } from './context.ts';

/**
 * Our confirmed write is missing from the restored server: send the state we had confirmed
 * again, ahead of any pending op of the entity (the first pending op carries it, so per-entity
 * order holds across restarts), based on the restored revision; behind them when the first is
 * already on its way (carryBehind). Returns the op that now carries our word on the entity (the
 * item enqueued, or a pending delete found moot), or null when nothing needs sending.
 */
export function reupload(ctx: Ctx, key: string, entity: EntityRecord, restored: Change | undefined, now: number): QueueItem | null {
  const { image, fx } = ctx;
  const confirmed = entity.server!;
  const origin = entity.serverOrigin;
  assert(origin !== null, `reupload of ${key}: a lost write is one of ours, so its origin is known`);
  const exists = restored !== undefined && !restored.deleted;
  const head = image.headOf(key);
  // Based on the restored revision, the re-upload overwrites the restored state without a conflict.
  // That is right for a state the rollback brought back from before our write, not for a write
  // another client made after it (e.g. its own re-upload in this epoch, while ours is an op whose
  // ack was lost and whose apply we pulled): then, with no base, the re-upload meets that state as a
  // conflict and the policy decides (default seed 5245: an older create overwrote a newer
  // re-upload, and the next rollback lost that acked write for good). "After" is known only from
  // HLC stamps (lww-hlc); without them the re-upload overwrites as before.
  const carried = head !== undefined ? head.stamp : (confirmed.stamp ?? null);
  const theirsNewer = exists && restored.origin.clientId !== image.meta.clientId && carried !== null && restored.stamp !== undefined && restored.stamp > carried;
  const baseRevision = theirsNewer ? null : (restored?.revision ?? null);
  let item: QueueItem | null;
  // Only an update in flight on an entity the server holds would apply without what we fold in: a
  // create carries the whole state, a delete supersedes it, and an update of an entity the server
  // lacks comes back a conflict, resolved with the item as it is now.
  if (head !== undefined && head.action === 'update' && exists && ctx.v.push?.queueIds.includes(head.queueId) === true) {
    item = carryBehind(ctx, key, entity, head, baseRevision, restored, now);
  } else if (head !== undefined) {
    // When the lost write is the head's own apply (its ack lost, its apply pulled), an update of a
    // restored entity re-sends just its own changes: the rest of the confirmed state is other
    // writers' fields as we last saw them, which the restored state may hold newer (default seed
    // 114265: c7's re-upload put c6's older content back over c6's acked newer one, and no one
    // could tell). A rollback that lost those writers' fields too is seen by the next repair of
    // the client whose confirmed write this apply becomes (isRestored compares fields).
    const ownOnly = exists && head.action === 'update' && origin.queueId === head.queueId;
    const payload = head.action === 'delete' ? {} : head.action === 'create' || ownOnly ? head.payload : { ...confirmed.fields, ...head.payload };
    const action = head.action === 'delete' ? 'delete' : exists ? 'update' : 'create';
    item = head.action === 'delete' && !exists ? null : itemWith(head, { action, payload, baseRevision, baseFields: restored?.fields ?? null, nextAttemptAt: now });
    if (item === null) {
      // Deleting what the restored server never had is moot: the op is superseded, and says so.
      image.removeItem(head.queueId);
      fx.event({
        type: 'conflict', at: now, queueId: head.queueId, entityType: head.entityType, entityId: head.entityId, policy: ctx.options.conflictPolicy, outcome: 'server-wins',
        local: { payload: head.payload, clientTime: head.createdAt, stamp: head.stamp }, server: { revision: 0, deleted: true, fields: {}, updatedAt: 0 },
      });
      return head;
    }
  } else {
    if (confirmed.deleted && !exists) return null;
    const action = confirmed.deleted ? 'delete' : exists ? 'update' : 'create';
    item = repairItem(ctx, entity, action, confirmed.deleted ? {} : confirmed.fields, action === 'create' ? null : baseRevision, restored, now);
  }
  if (item === null) return null;
  enqueueRepair(ctx, item, origin.queueId, now);
  return item;
}

/** Puts a repair's item in the queue and says which of our writes it carries back. */
function enqueueRepair(ctx: Ctx, item: QueueItem, reuploads: string, now: number): void {
  ctx.image.putItem(item);
  ctx.fx.event({ type: 'repair-enqueued', at: now, queueId: item.queueId, entityType: item.entityType, entityId: item.entityId, reuploads });
}

/**
 * Our revision-0 delete marker (pull.ts keepLost, conflict.ts keepMootDelete: an acked delete a
 * rollback lost, found moot) meets a pulled change that brings the entity back, stamped before our
 * delete: a re-upload of an older write, not a newer one (lww-hlc only; without stamps no one can
 * tell, and the change is taken). Our delete is the last word: send it again on the pulled
 * revision, with its own time and stamp. The pulled change is still the confirmed state (the server
 * holds it); the pending delete carries our word, and the local view is deleted meanwhile. Default
 * seed 174767: c0 took c2's re-upload of its older create over the marker, the trace of the acked
 * delete was gone, and a second rollback brought the entity back for good.
 */
export function redeleteOverOlder(ctx: Ctx, key: string, entity: EntityRecord, pulled: Change, now: number): void {
  const marker = entity.server!;
  assert(marker.deleted && marker.revision === 0, `redelete of ${key}: only a revision-0 delete marker is sent again`);
  enqueueRepair(ctx, repairItem(ctx, entity, 'delete', {}, pulled.revision, pulled, now), entity.serverOrigin!.queueId, now);
}

/**
 * The head is an update in a request still on its way: the server applies it as it was sent (and
 * answers a retry of its queueId with that result), so fields folded into it now would never
 * reach the server, yet its ack would confirm them (default seed 19643: our lost title, folded
 * into an update the server applied a moment later without it, stayed in our store only).
 * Re-base the head only (its ack is then read against the restored state, not the old epoch's),
 * and carry the lost fields in an op of their own behind the pending ones: the confirmed fields
 * no pending op writes (those ops carry newer values), none if a pending create or delete
 * supersedes the whole state.
 */
function carryBehind(ctx: Ctx, key: string, entity: EntityRecord, head: QueueItem, baseRevision: number | null, restored: Change | undefined, now: number): QueueItem | null {
  const { image } = ctx;
  image.putItem(itemWith(head, { baseRevision, baseFields: restored?.fields ?? null }));
  const pending = image.itemsOf(key);
  if (entity.server!.deleted || pending.some((item) => item.action !== 'update')) return null;
  const written = new Set(pending.flatMap((item) => Object.keys(item.payload)));
  const lost = Object.entries(entity.server!.fields).filter(([field]) => !written.has(field));
  if (lost.length === 0) return null;
  // It waits behind the head, and is rebased when the head is acked.
  return repairItem(ctx, entity, 'update', Object.fromEntries(lost), baseRevision, restored, now);
}

/** A new op of its own that re-uploads our confirmed write, with that write's time and stamp. */
function repairItem(ctx: Ctx, entity: EntityRecord, action: Action, payload: Fields, baseRevision: number | null, restored: Change | undefined, now: number): QueueItem {
  const { image } = ctx;
  const meta = image.meta;
  const confirmed = entity.server!;
  image.updateMeta({ seqNext: meta.seqNext + 1 });
  return {
    queueId: `${meta.clientId}:${meta.seqNext}`,
    seq: meta.seqNext,
    entityType: entity.entityType,
    entityId: entity.entityId,
    action,
    payload,
    baseRevision,
    baseFields: restored?.fields ?? null,
    createdAt: confirmed.updatedAt,
    stamp: confirmed.stamp ?? null,
    attempts: 0,
    nextAttemptAt: now,
    priority: 0,
    paused: false,
    sent: false,
    lastError: null,
  };
}

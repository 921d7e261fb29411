// Pushing the queue: pick a batch (per-entity FIFO, backoff, limits), send it single-flight,
// and apply each item's result: ack, conflict, retry with backoff, or dead-letter.

import type { Fields, PushItem, PushItemResult, PushResponse, ServerEntityState } from '../protocol.ts';
import { entityKey, isPermanentStatus } from '../protocol.ts';
import { itemWith, type DeadLetterRecord, type QueueItem } from '../model.ts';
import type { TransportOutcome } from '../ports.ts';
import { applyDelta, jsonBytes } from '../policy/fields.ts';
import { backoffCeilingMs } from '../policy/backoff.ts';
import { nextRequestId, observeServerTime, refreshEntity, type Ctx } from './context.ts';
import { onConflict, rebaseNext } from './conflict.ts';
import { deferAck, gatherAck, startRepair } from './pull.ts';
import { httpFailureReason } from './resume.ts';
import { stopForUpgrade, versionRefusal } from './version.ts';

/** Payload → its JSON size. Keyed by the payload, which every version of an item shares until its payload changes. */
const payloadBytes = new WeakMap<Fields, number>();

function bytesOf(item: QueueItem): number {
  let bytes = payloadBytes.get(item.payload);
  if (bytes === undefined) {
    bytes = jsonBytes(item.payload);
    payloadBytes.set(item.payload, bytes);
  }
  return bytes + 160;
}

export interface Batch {
  readonly items: readonly QueueItem[];
  readonly bytes: number;
  /** Earliest nextAttemptAt among heads held back by backoff, or null. */
  readonly wakeAt: number | null;
}

/** The batch of an empty queue: most pushes are tried on one (after every pull). */
const NO_BATCH: Batch = Object.freeze({ items: Object.freeze([]), bytes: 0, wakeAt: null });

/** Eligible items in queue order: heads of their entity, not paused, due, within the limits. */
export function selectBatch(ctx: Ctx, now: number): Batch {
  const { image, options } = ctx;
  if (image.queue.size === 0) return NO_BATCH;
  const items: QueueItem[] = [];
  let bytes = 0;
  let wakeAt: number | null = null;
  const itemsMax = Math.min(options.batchItemsMax, ctx.v.batchItemsCap);
  for (const item of image.queue.values()) {
    if (item.paused) continue;
    if (!ctx.variant.ignoreEntityOrder && image.entityItems.get(entityKey(item.entityType, item.entityId))![0] !== item.queueId) continue;
    if (item.nextAttemptAt > now) {
      if (wakeAt === null || item.nextAttemptAt < wakeAt) wakeAt = item.nextAttemptAt;
      continue;
    }
    const size = bytesOf(item);
    if (items.length > 0 && bytes + size > options.batchBytesMax) continue;
    items.push(item);
    bytes += size;
    if (items.length >= itemsMax) break;
  }
  return { items, bytes, wakeAt };
}

/** Two literals, not a spread for the stamp: push items keep two hidden classes, so the server's reads of them stay fast. */
function toWire(item: QueueItem): PushItem {
  const baseRevision = item.action === 'create' ? null : item.baseRevision;
  if (item.stamp === null) {
    return { queueId: item.queueId, seq: item.seq, entityType: item.entityType, entityId: item.entityId, action: item.action, baseRevision, payload: item.payload, clientTime: item.createdAt };
  }
  return { queueId: item.queueId, seq: item.seq, entityType: item.entityType, entityId: item.entityId, action: item.action, baseRevision, payload: item.payload, clientTime: item.createdAt, stamp: item.stamp };
}

export function maybePush(ctx: Ctx, now: number): void {
  const { v, fx } = ctx;
  // While a rollback repair gathers the restored state, base revisions of the old epoch mean nothing.
  if (!v.online || v.push !== null || v.tokenRefreshing || v.repair !== null || v.upgradeRequired !== null) return;
  // A skew-safe stamp needs the skew: under lww-hlc nothing leaves before a pull of this process
  // has told the server's time (and epoch); the stamps made until then are corrected at that moment.
  if (ctx.options.conflictPolicy === 'lww-hlc' && !v.contacted) return;
  if (now < v.pushNotBefore) {
    armRetry(ctx, v.pushNotBefore, now);
    return;
  }
  const batch = selectBatch(ctx, now);
  if (batch.items.length === 0) {
    armRetry(ctx, batch.wakeAt, now);
    return;
  }
  const requestId = nextRequestId(ctx);
  for (const item of batch.items) if (!item.sent) ctx.image.touchItem(itemWith(item, { sent: true }));
  v.push = { requestId, queueIds: batch.items.map((i) => i.queueId), sentAt: now };
  const request = { protocolVersion: ctx.options.protocolVersion, clientId: ctx.image.meta.clientId, items: batch.items.map(toWire) };
  fx.list.push({ type: 'push', requestId, request });
  fx.arm('push-timeout', ctx.options.requestTimeoutMs);
  fx.event({ type: 'sent', at: now, requestId, queueIds: v.push.queueIds, bytes: batch.bytes });
}

function armRetry(ctx: Ctx, wakeAt: number | null, now: number): void {
  if (wakeAt === ctx.v.retryArmedAt) return;
  ctx.v.retryArmedAt = wakeAt;
  if (wakeAt === null) ctx.fx.disarm('retry');
  else ctx.fx.arm('retry', wakeAt - now);
}

export function onPushResult(ctx: Ctx, requestId: number, outcome: TransportOutcome<PushResponse>, now: number): void {
  const { v, image, fx } = ctx;
  if (v.push === null || v.push.requestId !== requestId) return; // late answer to a request given up on
  const { queueIds, sentAt } = v.push;
  v.push = null;
  fx.disarm('push-timeout');
  // Items may have left the queue meanwhile only through a crash, which drops this state too.
  const items = queueIds.map((id) => image.queue.get(id)).filter((i): i is QueueItem => i !== undefined);
  if (outcome.kind === 'ok') {
    applyResults(ctx, items, outcome.body, sentAt, now);
  } else {
    v.failures++;
    const status = outcome.kind === 'http' ? outcome.status : null;
    const reason = outcome.kind === 'http' ? httpFailureReason(outcome.status) : `${outcome.kind}: ${outcome.reason}`;
    fx.event({ type: 'request-failed', at: now, requestId, kind: 'push', outcome: outcome.kind, status, delayMs: outcome.kind === 'http' ? (outcome.retryAfterMs ?? 0) : 0 });
    if (status === 401) {
      v.tokenRefreshing = true;
      fx.list.push({ type: 'refresh-token' });
      return;
    }
    const refusal = versionRefusal(outcome);
    if (refusal !== null) {
      // Before the permanent-status rule: the items are fine, the client's version is not.
      stopForUpgrade(ctx, 'push', refusal.body, sentAt, now);
      return;
    }
    if (status !== null && isPermanentStatus(status) && !ctx.variant.retryPermanent) {
      if (items.length > 1) v.batchItemsCap = status === 413 ? Math.max(1, items.length >> 1) : 1; // isolate the item at fault
      else for (const item of items) deadLetter(ctx, item, status === 413 ? 'too_large' : `http_${status}`, outcome.kind === 'http' ? (outcome.body?.message ?? reason) : reason, now);
    } else {
      const retryAfterMs = outcome.kind === 'http' ? outcome.retryAfterMs : null;
      if (retryAfterMs !== null) v.pushNotBefore = now + retryAfterMs; // the server is busy for everyone's items
      for (const item of items) retryLater(ctx, item, reason, retryAfterMs, now, true);
    }
    fx.commit();
  }
  maybePush(ctx, now);
}

function applyResults(ctx: Ctx, items: readonly QueueItem[], body: PushResponse, sentAt: number, now: number): void {
  const { v, image, fx } = ctx;
  // An answer from an epoch we know nothing of yet: repair into it first, so its results are read
  // as answers of the epoch being gathered (the acks part of its restored state), not compared
  // with our old epoch's revisions.
  if (image.meta.epoch !== null && image.meta.epoch !== body.epoch) startRepair(ctx, body.epoch, now);
  // Within one epoch an entity never vanishes (a delete leaves a tombstone), so a conflict there
  // saying "no such entity" is older than any state of that epoch we learned since (onConflict).
  const answeredInOurEpoch = image.meta.epoch === body.epoch && !image.meta.repairing;
  const answeredInGathering = v.repair !== null && image.meta.epoch === body.epoch;
  const byQueueId = new Map<string, PushItemResult>();
  for (const result of body.results) {
    byQueueId.set(result.queueId, result);
    if (result.status === 'ok' && result.replayed !== true) observeServerTime(ctx, result.serverTime, sentAt, now);
  }
  for (const item of items) {
    const result = byQueueId.get(item.queueId);
    if (result === undefined) retryLater(ctx, item, 'no result for item', null, now, false);
    else if (result.status === 'ok') gatherAck(ctx, item, ack(ctx, item, result.revision, result.replayed === true, answeredInOurEpoch, answeredInGathering, now), body.epoch);
    else if (result.status === 'conflict') onConflict(ctx, item, result.server, answeredInOurEpoch, now);
    else if (ctx.variant.skipFailedItems) skipItem(ctx, item, now);
    else if (result.retryable ? ctx.variant.deadLetterTransient : !ctx.variant.retryPermanent) deadLetter(ctx, item, result.code, result.message, now);
    else retryLater(ctx, item, `${result.code}: ${result.message}`, null, now, false);
  }
  v.batchItemsCap = Math.min(ctx.options.batchItemsMax, v.batchItemsCap * 2);
  v.lastSyncAt = now;
  if (image.meta.epoch === null) image.updateMeta({ epoch: body.epoch });
  fx.commit();
}

/** Returns the server state the ack confirms, when known exactly. */
function ack(ctx: Ctx, item: QueueItem, revision: number, replayed: boolean, answeredInOurEpoch: boolean, answeredInGathering: boolean, now: number): ServerEntityState | null {
  const { image, fx, v } = ctx;
  const key = entityKey(item.entityType, item.entityId);
  const entity = image.entities.get(key);
  const prior = entity?.server ?? null;
  image.removeItem(item.queueId);
  v.conflictStreaks.delete(item.queueId);
  v.itemErrorStreaks.delete(item.queueId);
  // The server's fields after an update are known here only when the update applied right on
  // top of fields we know (the item's base, or our known state); otherwise a pull brings them.
  const base = item.action !== 'update' ? {} : baseFieldsOf(item, prior, revision, answeredInOurEpoch);
  const exact = base !== null;
  const confirmed: ServerEntityState = {
    revision,
    deleted: item.action === 'delete',
    fields: item.action === 'delete' ? {} : item.action === 'create' ? item.payload : applyDelta(base ?? prior?.fields ?? {}, item.payload),
    updatedAt: item.createdAt,
    ...(item.stamp === null ? {} : { stamp: item.stamp }),
  };
  rebaseNext(ctx, key, revision, exact ? confirmed.fields : null);
  // While a repair gathers, our known state is of the old epoch and its revision does not compare
  // with the ack's: the ack is ours to claim (an update's claim is verified against the pages,
  // deferAck). Default seed 324961: c0's create, acked at revision 1 of the new epoch, lost to
  // c1's revision 1 of the old one, so no repair claimed it and the next rollback lost it silently.
  if (exact && (prior === null || revision > prior.revision || answeredInGathering)) refreshEntity(ctx, item.entityType, item.entityId, now, confirmed, { clientId: image.meta.clientId, queueId: item.queueId }, key);
  else refreshEntity(ctx, item.entityType, item.entityId, now, undefined, undefined, key);
  v.successes++;
  fx.event({ type: 'acked', at: now, queueId: item.queueId, revision, replayed, attempts: item.attempts + 1 });
  // While a repair gathers, an update's base is of the old epoch: the pages must vouch for it before it counts as restored.
  if (exact && item.action === 'update' && answeredInGathering) {
    deferAck(ctx, item, base, confirmed);
    return null;
  }
  return exact ? confirmed : null;
}

/** The server fields an update acked at `revision` was applied to, when we know them. */
function baseFieldsOf(item: QueueItem, prior: ServerEntityState | null, revision: number, answeredInOurEpoch: boolean): Fields | null {
  // An update acked with no base: a repair forgot its old-epoch base (ABA) while it was on its way,
  // and the server took it on the base it was sent with. Within our epoch, a revision right after
  // the state we know means it applied on that state (default seed 11199: taken for inexact, the
  // ack left our confirmed state the other client's, and the next rollback lost the update silently).
  if (item.baseRevision === null) return answeredInOurEpoch && prior !== null && revision === prior.revision + 1 ? prior.fields : null;
  if (revision !== item.baseRevision + 1) return null;
  if (item.baseFields !== null) return item.baseFields;
  return prior !== null && prior.revision === item.baseRevision ? prior.fields : null;
}

/** `requestFailed`: the whole request failed (the server's trouble), not this item (see resumeHeld). */
function retryLater(ctx: Ctx, item: QueueItem, reason: string, retryAfterMs: number | null, now: number, requestFailed: boolean): void {
  const current = ctx.image.queue.get(item.queueId)!;
  ctx.v.heldForServer.delete(current.queueId);
  ctx.v.conflictStreaks.delete(current.queueId);
  if (ctx.variant.deadLetterTransient) {
    deadLetter(ctx, current, 'transient', reason, now);
    return;
  }
  const attempts = current.attempts + 1;
  // A whole request that failed (no answer, 5xx, 429) backs the item off by all its attempts; it is
  // freed again by the next pull answered ok (resumeHeld). An error the server answered for the item
  // itself backs off by how many in a row: attempts lost to an outage say nothing of the item, and
  // counted in they held an item answered busy once back for five hours after a 429 storm (attempt
  // 16; default seed 1400 with item-busy), as they once held conflict re-sends (conflict.ts).
  const streaks = ctx.v.itemErrorStreaks;
  const exponent = requestFailed ? attempts : (streaks.get(current.queueId) ?? 0) + 1;
  streaks.delete(current.queueId);
  const previous = exponent > 1 ? backoffCeilingMs(ctx.options, exponent - 1) : null;
  const delayMs = ctx.variant.nextDelayMs(ctx.options, exponent, ctx.random.float(), previous, retryAfterMs);
  const queueId = ctx.variant.newQueueIdOnRetry ? `${current.queueId}~${attempts}` : current.queueId;
  if (!requestFailed) streaks.set(queueId, exponent);
  const retried = itemWith(current, { queueId, attempts, nextAttemptAt: now + delayMs, lastError: reason });
  if (queueId !== current.queueId) {
    ctx.image.removeItem(current.queueId);
  }
  ctx.image.putItem(retried);
  if (requestFailed) ctx.v.heldForServer.add(queueId);
  ctx.fx.event({ type: 'retried', at: now, queueId, attempts, delayMs, reason });
}

/** The bug zoo's failed-item-skipped: an item the server refused leaves the queue as if it were done. */
function skipItem(ctx: Ctx, item: QueueItem, now: number): void {
  leaveQueue(ctx, item, null, now);
}

function deadLetter(ctx: Ctx, item: QueueItem, code: string, message: string, now: number): void {
  leaveQueue(ctx, item, { queueId: item.queueId, item, code, message, deadAt: now }, now);
  ctx.fx.event({ type: 'dead-lettered', at: now, queueId: item.queueId, code, message });
}

/** Takes the item out of the queue (into the dead letters, when given one); the entity's next item is rebased and its view refreshed. */
function leaveQueue(ctx: Ctx, item: QueueItem, deadLetter: DeadLetterRecord | null, now: number): void {
  const { image } = ctx;
  const key = entityKey(item.entityType, item.entityId);
  image.removeItem(item.queueId);
  ctx.v.conflictStreaks.delete(item.queueId);
  ctx.v.itemErrorStreaks.delete(item.queueId);
  if (deadLetter !== null) image.putDeadLetter(deadLetter);
  rebaseNext(ctx, key, image.entities.get(key)?.server?.revision ?? null, image.entities.get(key)?.server?.fields ?? null);
  refreshEntity(ctx, item.entityType, item.entityId, now);
}

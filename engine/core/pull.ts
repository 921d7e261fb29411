// Pulling other clients' changes: cursor-based pages applied atomically with the cursor,
// pending local ops rebased on top; and rollback repair when the server's epoch changes.

import type { Change, Fields, PullResponse, ServerEntityState } from '../protocol.ts';
import { entityKey } from '../protocol.ts';
import { itemWith, type EntityRecord, type QueueItem } from '../model.ts';
import type { TransportOutcome } from '../ports.ts';
import { fieldsEqual } from '../policy/fields.ts';
import { nextRequestId, observeServerTime, observeStamp, refreshEntity, type Ctx } from './context.ts';
import { maybePush } from './push.ts';
import { resumeHeld } from './resume.ts';
import { redeleteOverOlder, reupload } from './reupload.ts';
import { stopForUpgrade, versionRefusal } from './version.ts';

export function maybePull(ctx: Ctx, now: number): void {
  const { v, fx, image } = ctx;
  if (!v.online || v.pullRequestId !== null || v.tokenRefreshing || v.upgradeRequired !== null || now < v.pullNotBefore) return;
  const requestId = nextRequestId(ctx);
  v.pullRequestId = requestId;
  v.pullSentAt = now;
  const cursor = v.repair?.cursor ?? image.meta.cursor;
  fx.list.push({ type: 'pull', requestId, query: { cursor, limit: ctx.options.pullLimit, protocolVersion: ctx.options.protocolVersion } });
  fx.arm('pull-timeout', ctx.options.requestTimeoutMs);
}

export function onPullResult(ctx: Ctx, requestId: number, outcome: TransportOutcome<PullResponse>, now: number): void {
  const { v, fx, image } = ctx;
  if (v.pullRequestId !== requestId) return;
  v.pullRequestId = null;
  fx.disarm('pull-timeout');
  if (outcome.kind !== 'ok') {
    pullFailed(ctx, requestId, outcome, now);
    return;
  }
  const body = outcome.body;
  v.pullFailures = 0;
  if (body.serverTime !== undefined) observeServerTime(ctx, body.serverTime, v.pullSentAt, now);
  v.contacted = true;
  if (image.meta.epoch !== null && image.meta.epoch !== body.epoch) {
    startRepair(ctx, body.epoch, now); // this page belongs to a cursor of the old epoch: drop it
    return;
  }
  fx.event({ type: 'pulled', at: now, requestId, count: body.changes.length, cursor: body.cursor, epoch: body.epoch });
  resumeHeld(ctx, requestId, now);
  if (v.repair !== null) {
    for (const change of body.changes) gather(v.repair.changes, change);
    v.repair.cursor = Math.max(v.repair.cursor, body.cursor);
    if (!body.hasMore) finishRepair(ctx, now);
  } else {
    // Most pulls bring nothing new: then there is nothing to make durable.
    const moved = body.changes.length > 0 || body.cursor > image.meta.cursor || body.epoch !== image.meta.epoch;
    const cursor = Math.max(image.meta.cursor, body.cursor);
    if (moved && ctx.variant.cursorBeforeApply) {
      image.updateMeta({ epoch: body.epoch, cursor });
      fx.commit();
    }
    for (const change of body.changes) applyPulled(ctx, change, now);
    // Built after the applies: they may have moved the HLC (observeStamp), which must be kept.
    if (moved) image.updateMeta({ epoch: body.epoch, cursor });
    fx.commit();
  }
  v.lastSyncAt = now;
  if (body.hasMore) maybePull(ctx, now);
  else maybePush(ctx, now);
}

function pullFailed(ctx: Ctx, requestId: number, outcome: Exclude<TransportOutcome<PullResponse>, { kind: 'ok' }>, now: number): void {
  const { v, fx } = ctx;
  v.failures++;
  const status = outcome.kind === 'http' ? outcome.status : null;
  if (status === 401) {
    v.tokenRefreshing = true;
    fx.list.push({ type: 'refresh-token' });
    return;
  }
  const refusal = versionRefusal(outcome);
  if (refusal !== null) {
    fx.event({ type: 'request-failed', at: now, requestId, kind: 'pull', outcome: outcome.kind, status, delayMs: 0 });
    stopForUpgrade(ctx, 'pull', refusal.body, v.pullSentAt, now);
    return;
  }
  v.pullFailures++;
  const retryAfterMs = outcome.kind === 'http' ? outcome.retryAfterMs : null;
  const delayMs = ctx.variant.nextDelayMs(ctx.options, v.pullFailures, ctx.random.float(), null, retryAfterMs);
  fx.event({ type: 'request-failed', at: now, requestId, kind: 'pull', outcome: outcome.kind, status, delayMs });
  // Only an explicit Retry-After holds every pull; otherwise the backoff timer retries, and the
  // interval (a bounded rate) or a reconnect may pull sooner: a pull is cheap and idempotent.
  if (retryAfterMs !== null) v.pullNotBefore = now + retryAfterMs;
  fx.arm('pull-retry', delayMs);
}

/** Take one pulled change into the image, unless it is older than what we know. */
export function applyPulled(ctx: Ctx, change: Change, now: number): void {
  const key = entityKey(change.entityType, change.entityId);
  const prior = ctx.image.entities.get(key);
  const known = prior?.server;
  if (known != null && change.revision <= known.revision && !ctx.variant.applyStalePulls) return;
  observeStamp(ctx, change.stamp, now);
  const server = serverStateOf(change);
  if (ctx.variant.pullOverwritesPending) {
    ctx.image.putEntity({
      entityType: change.entityType,
      entityId: change.entityId,
      fields: change.deleted ? {} : change.fields,
      deleted: change.deleted,
      server,
      serverOrigin: change.origin,
      updatedAt: prior?.updatedAt ?? now,
    });
  } else {
    if (prior !== undefined && deleteMarkerOutlives(ctx, key, prior, change)) redeleteOverOlder(ctx, key, prior, change, now);
    refreshEntity(ctx, change.entityType, change.entityId, now, server, change.origin, key);
  }
  ctx.fx.event({ type: 'applied', at: now, entityType: change.entityType, entityId: change.entityId, revision: change.revision, deleted: change.deleted, originClientId: change.origin.clientId });
}

/**
 * Whether a pulled change that brings an entity back is older than our kept delete (its revision-0
 * marker, ours, with nothing of the entity pending, standing for a delete): see reupload.ts
 * redeleteOverOlder.
 */
function deleteMarkerOutlives(ctx: Ctx, key: string, entity: EntityRecord, change: Change): boolean {
  const marker = entity.server;
  if (marker === null || marker.revision !== 0 || !marker.deleted || change.deleted) return false;
  const origin = entity.serverOrigin;
  if (origin?.clientId !== ctx.image.meta.clientId || ctx.image.headOf(key) !== undefined) return false;
  // A marker whose carrier (a re-upload of a create or update) was refused for good stands for no
  // delete: nothing of ours is left to say, and deleting the pulled state would be a delete no one made.
  if (ctx.image.deadLetters.has(origin.queueId)) return false;
  return marker.stamp !== undefined && change.stamp !== undefined && change.stamp < marker.stamp;
}

function serverStateOf(change: Change): ServerEntityState {
  const { revision, deleted, fields, updatedAt, stamp } = change;
  return stamp === undefined ? { revision, deleted, fields, updatedAt } : { revision, deleted, fields, updatedAt, stamp };
}

/**
 * The server's epoch changed: it was reset or restored from an older snapshot. Pull its whole
 * state again (gathered aside, applied at the end), then re-upload what it lost of ours.
 */
export function startRepair(ctx: Ctx, epoch: string, now: number): void {
  const { image, fx, v } = ctx;
  fx.event({ type: 'epoch-changed', at: now, from: image.meta.epoch ?? '', to: epoch });
  image.updateMeta({ epoch, cursor: 0, repairing: true });
  fx.commit();
  v.repair = freshRepair();
  // A pull already in flight was asked with the old epoch's cursor: its page is not part of
  // the restored state, so forget it and ask again from the start.
  if (v.pullRequestId !== null) {
    v.pullRequestId = null;
    fx.disarm('pull-timeout');
  }
  maybePull(ctx, now);
}

/** Keep the newest state of each entity (revisions of the epoch gathered compare). */
function gather(changes: Map<string, Change>, change: Change): void {
  const key = entityKey(change.entityType, change.entityId);
  const gathered = changes.get(key);
  if (gathered === undefined || change.revision >= gathered.revision) changes.set(key, change);
}

/**
 * An ack answered in the epoch a repair is gathering is part of the restored state, and may be
 * newer than the pages gathered so far (read before it applied: the push was sent before we saw
 * the new epoch). Without it the repair takes our write for lost and re-uploads it onto itself;
 * that conflict (our own stamp: server wins) then erases the last trace that the write is ours,
 * and a later rollback loses it silently (found as default seed 9866 while trying a fix for 5245).
 */
export function gatherAck(ctx: Ctx, item: QueueItem, confirmed: ServerEntityState | null, epoch: string): void {
  if (ctx.v.repair === null || confirmed === null || epoch !== ctx.image.meta.epoch) return;
  const origin = { clientId: ctx.image.meta.clientId, queueId: item.queueId };
  gather(ctx.v.repair.changes, { entityType: item.entityType, entityId: item.entityId, ...confirmed, origin });
}

/**
 * An update acked while the repair gathers, applied on its base revision: a number read in the old
 * epoch, which the restored server may hold with other content (ABA). Its fields are known only if
 * the restored state at that revision is the base we knew, which the pages tell: checked when the
 * repair finishes (verifyAcks). Meanwhile the entity records it as ours (durable, as any ack), so a
 * later rollback, even one that cuts this repair short, still sees its loss (default seed 1079).
 * Default seed 67156: gathered at once, the ack put the old epoch's title into the restored state,
 * and the true revision was later skipped as not newer.
 */
export function deferAck(ctx: Ctx, item: QueueItem, baseFields: Fields, confirmed: ServerEntityState): void {
  ctx.v.repair!.unverifiedAcks.set(entityKey(item.entityType, item.entityId), { item, baseFields, confirmed });
}

/**
 * Before the repair compares, for each unverified ack whose apply the pages were read too early to
 * hold: applied on a restored state equal to its base, it is exact (the seed-9866 case) and counts
 * as restored, newer than the pages; applied on other content, its fields are unknown, so the entity
 * takes the page as it is, with no claim of ours, and the next pull brings our apply.
 */
function verifyAcks(ctx: Ctx, now: number): void {
  const { changes, unverifiedAcks } = ctx.v.repair!;
  for (const [key, { item, baseFields, confirmed }] of unverifiedAcks) {
    const page = changes.get(key);
    if (page === undefined || page.revision >= confirmed.revision) continue; // the pages decide, as for any ack
    if (page.revision === item.baseRevision && !page.deleted && fieldsEqual(page.fields, baseFields)) {
      gatherAck(ctx, item, confirmed, ctx.image.meta.epoch!);
    } else {
      refreshEntity(ctx, item.entityType, item.entityId, now, serverStateOf(page), null);
    }
  }
}

function freshRepair(): NonNullable<Ctx['v']['repair']> {
  return { cursor: 0, changes: new Map(), unverifiedAcks: new Map() };
}

/** Restart after a crash mid-repair: the gathered state was volatile, so gather it again. */
export function resumeRepair(ctx: Ctx): void {
  if (ctx.image.meta.repairing) ctx.v.repair = freshRepair();
}

function finishRepair(ctx: Ctx, now: number): void {
  const { image, fx, v } = ctx;
  verifyAcks(ctx, now);
  withdrawConflicts(ctx, now);
  const restored = v.repair!.changes;
  const me = image.meta.clientId;
  for (const [key, entity] of [...image.entities]) {
    const change = restored.get(key);
    // Revisions of different epochs are not comparable: our write is lost unless the restored
    // state is exactly the change we made (a later write by someone else is settled by a conflict).
    const lost = entity.server !== null && entity.serverOrigin?.clientId === me && !isRestored(entity, change);
    const carrier = lost ? reupload(ctx, key, entity, change, now) : null;
    if (!lost) forgetBase(ctx, key);
    if (change !== undefined) refreshEntity(ctx, entity.entityType, entity.entityId, now, serverStateOf(change), change.origin);
    else if (lost) keepLost(ctx, entity, carrier, now);
    else if (entity.server !== null) refreshEntity(ctx, entity.entityType, entity.entityId, now, null, null);
  }
  for (const [key, change] of restored) if (!image.entities.has(key)) applyPulled(ctx, change, now);
  image.updateMeta({ cursor: v.repair!.cursor, repairing: false });
  v.repair = null;
  fx.commit();
}

/**
 * Whether the restored state is the change we confirmed. The same op is not enough: a restore may
 * bring back an apply of it from an older epoch, on another base (ABA across epochs). Default seed
 * 84644: c12's update applied in e1 over c11's old title, then again in e2 over the title c11 had
 * since been acked; a second rollback restored the e1 apply, c12 saw its own op and repaired
 * nothing, and c11's acked title was gone (c11 could not tell: its confirmed origin was c12's
 * op). Our confirmed state holds what the server acked or served us, so its fields must match
 * too. A confirmed state at revision 0 is keepLost's marker, not a state the server held: it
 * names the op carrying our word, whose apply (whatever its fields) is the restored match.
 */
function isRestored(entity: EntityRecord, change: Change | undefined): boolean {
  const confirmed = entity.server!;
  if (change === undefined || change.origin.queueId !== entity.serverOrigin!.queueId) return false;
  if (confirmed.revision === 0) return true;
  return change.deleted === confirmed.deleted && fieldsEqual(change.fields, confirmed.fields);
}

/**
 * Our write is lost and the restored server has no such entity at all: its log has lost our last
 * word on it, so a later restore from an older snapshot may bring back a state we replaced or
 * deleted. Keep, as our confirmed state, a tombstone of ours at revision 0 (the restored server
 * knows nothing of the entity: any change pulled from this epoch on is newer and taken), so the
 * next repair sees the loss and sends our word again. Its origin is the op that now carries that
 * word (the re-upload, or the delete the repair found moot), never the lost write itself, which a
 * restore may bring back: that is a loss, not a match. With no carrier, our acked delete found
 * nothing to delete and stays as it was (default seed 1957). While a re-upload is pending the
 * local view is that re-upload; a delete that then cancels it unsent leaves this tombstone as
 * its only trace (writes.ts keepDeleteTrace; default seed 68571 with a second rollback).
 */
function keepLost(ctx: Ctx, entity: EntityRecord, carrier: QueueItem | null, now: number): void {
  const server = entity.server!;
  if (carrier === null) {
    refreshEntity(ctx, entity.entityType, entity.entityId, now, { ...server, revision: 0 }, entity.serverOrigin);
    return;
  }
  const stamp = carrier.stamp === null ? {} : { stamp: carrier.stamp };
  const tombstone: ServerEntityState = { revision: 0, deleted: true, fields: {}, updatedAt: carrier.createdAt, ...stamp };
  refreshEntity(ctx, entity.entityType, entity.entityId, now, tombstone, { clientId: ctx.image.meta.clientId, queueId: carrier.queueId });
}

/**
 * An open manual conflict asks a person about a server state of the old epoch: an answer would
 * send its op on that state's revision, which the restored server may hold with other content
 * (ABA: manual seeds 204 and 271, keep-local applied on another client's newer title and our
 * store kept the old one), and keep-server would drop, with the op, a lost write the repair folds
 * into it. Withdraw the question: the op goes back to the queue with no base, so the restored
 * server judges it (a conflict there asks again, about what it now holds).
 */
function withdrawConflicts(ctx: Ctx, now: number): void {
  const { image, fx } = ctx;
  for (const record of [...image.conflicts.values()]) {
    image.removeConflict(record.conflictId);
    const item = image.queue.get(record.queueId);
    if (item !== undefined) image.putItem(itemWith(item, { paused: false, baseRevision: null, baseFields: null, nextAttemptAt: now }));
    fx.event({ type: 'conflict-resolved', at: now, conflictId: record.conflictId, queueId: record.queueId, resolution: 'withdrawn' });
  }
}

/**
 * A pending op's base revision belongs to the old epoch: the restored server may reach the
 * same number with other content (ABA). Forget it, so the server judges the op as a conflict
 * against what it now holds and the conflict policy decides.
 */
function forgetBase(ctx: Ctx, key: string): void {
  const head = ctx.image.headOf(key);
  if (head === undefined || head.action === 'create' || head.baseRevision === null) return;
  ctx.image.putItem(itemWith(head, { baseRevision: null, baseFields: null }));
}

// Local writes and manual conflict resolutions: validate, update the entity and the queue
// in ONE transaction, then answer. The answer comes after the commit effect, so a caller
// hears "ok" only once the write is durable.

import { entityKey } from '../protocol.ts';
import { entityWith, itemWith, type QueueItem } from '../model.ts';
import { isJsonValue, isPlainObject, jsonBytes } from '../policy/fields.ts';
import type { CoreInput, OpReply } from './types.ts';
import { nextStamp, refreshEntity, type Ctx } from './context.ts';
import { viewOf } from './view.ts';
import { updatePayload } from './version.ts';

type WriteInput = Extract<CoreInput, { type: 'write' }>;
type ResolveInput = Extract<CoreInput, { type: 'resolve-conflict' }>;

const ID_LENGTH_MAX = 256;

function fail(code: Extract<OpReply, { ok: false }>['code'], message: string): OpReply {
  return { ok: false, code, message };
}

function validateWrite(input: WriteInput): OpReply | null {
  for (const field of ['entityType', 'entityId'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > ID_LENGTH_MAX) {
      return fail('invalid', `${field} should be a non-empty string of at most ${ID_LENGTH_MAX} characters, got ${JSON.stringify(value)}`);
    }
  }
  if (!isPlainObject(input.fields) || !isJsonValue(input.fields)) {
    return fail('invalid', `fields should be a plain object of JSON values, got ${String(jsonBytes(input.fields) > 200 ? 'a large value' : JSON.stringify(input.fields))}`);
  }
  return null;
}

function nameOf(input: WriteInput): string {
  return `${input.entityType} ${JSON.stringify(input.entityId)}`;
}

/** Why the op cannot apply to the local state, or null. */
function precondition(ctx: Ctx, input: WriteInput, key: string): OpReply | null {
  const existing = ctx.image.entities.get(key);
  if (input.action === 'create' && existing !== undefined) return fail('exists', `${nameOf(input)} already exists${existing.deleted ? ' (deleted)' : ''}`);
  if (input.action !== 'create' && (existing === undefined || existing.deleted)) return fail('not_found', `${nameOf(input)} does not exist`);
  if (ctx.image.queue.size >= ctx.options.queueCapacity && ctx.image.lastOf(key)?.sent !== false) {
    return fail('queue_full', `sync queue is full (queueCapacity ${ctx.options.queueCapacity})`);
  }
  return null;
}

export function onWrite(ctx: Ctx, input: WriteInput): void {
  const key = entityKey(input.entityType, input.entityId);
  const refused = validateWrite(input) ?? precondition(ctx, input, key);
  if (refused !== null) {
    ctx.fx.reply(input.opId, refused);
    return;
  }
  const { image, fx, options } = ctx;
  const now = input.now;
  const payload = input.action === 'delete' ? {} : input.action === 'update' ? updatePayload(ctx, key, input.fields) : input.fields;
  const op = { action: input.action, payload, createdAt: now, stamp: nextStamp(ctx, now) };
  const last = image.lastOf(key);
  const merged = options.coalesce && last !== undefined ? ctx.variant.coalesce(last, op) : { kind: 'append' as const };
  let queueId: string | null;
  if (merged.kind === 'replace') {
    image.putItem(merged.item);
    queueId = merged.item.queueId;
    fx.event({ type: 'coalesced', at: now, queueId, into: queueId });
  } else if (merged.kind === 'remove') {
    image.removeItem(last!.queueId);
    queueId = null;
    keepDeleteTrace(ctx, key, op);
    fx.event({ type: 'coalesced', at: now, queueId: last!.queueId, into: null });
  } else {
    const meta = image.meta;
    const server = image.entities.get(key)?.server ?? null;
    const item: QueueItem = {
      queueId: `${meta.clientId}:${meta.seqNext}`,
      seq: meta.seqNext,
      entityType: input.entityType,
      entityId: input.entityId,
      action: input.action,
      payload,
      baseRevision: last === undefined ? (server?.revision ?? null) : null,
      baseFields: last === undefined ? (server?.fields ?? null) : null,
      createdAt: now,
      stamp: op.stamp,
      attempts: 0,
      nextAttemptAt: now,
      priority: input.priority ?? 0,
      paused: false,
      sent: false,
      lastError: null,
    };
    image.updateMeta({ seqNext: meta.seqNext + 1 });
    if (ctx.variant.splitWriteAndEnqueue) {
      // The broken variant: the new value lands in one transaction, its queue item in the next.
      const prior = image.entities.get(key);
      const view = viewOf(prior?.server ?? null, [...image.itemsOf(key), item]);
      image.putEntity({ entityType: input.entityType, entityId: input.entityId, fields: view.fields, deleted: view.deleted, server: prior?.server ?? null, serverOrigin: prior?.serverOrigin ?? null, updatedAt: now });
      fx.commit();
    }
    image.putItem(item);
    queueId = item.queueId;
    fx.event({ type: 'enqueued', at: now, queueId, entityType: item.entityType, entityId: item.entityId, action: item.action, payload });
  }
  refreshEntityForWrite(ctx, input, now, key);
  if (ctx.variant.replyBeforeCommit) fx.reply(input.opId, { ok: true, queueId });
  fx.commit();
  if (!ctx.variant.replyBeforeCommit) fx.reply(input.opId, { ok: true, queueId });
}

/**
 * A delete cancelled a create never sent. Usually no server ever had the entity: nothing to keep.
 * But when our confirmed state is a tombstone at revision 0 (pull.ts keepLost: a rollback lost our
 * write and that create was its re-upload), an older snapshot may still bring the entity back, and
 * the tombstone stays as this delete's only trace: it takes the delete's time and stamp, so the
 * next repair that finds the entity restored deletes it as this delete (LWW compares its stamp).
 */
function keepDeleteTrace(ctx: Ctx, key: string, op: { readonly createdAt: number; readonly stamp: string | null }): void {
  const record = ctx.image.entities.get(key);
  const server = record?.server;
  if (record === undefined || server == null || server.revision !== 0 || !server.deleted) return;
  ctx.image.putEntity(entityWith(record, { server: { ...server, updatedAt: op.createdAt, ...(op.stamp === null ? {} : { stamp: op.stamp }) } }));
}

function refreshEntityForWrite(ctx: Ctx, input: WriteInput, now: number, key: string): void {
  refreshEntity(ctx, input.entityType, input.entityId, now, undefined, undefined, key);
  const record = ctx.image.entities.get(key);
  if (record !== undefined && record.updatedAt !== now) ctx.image.putEntityAt(key, entityWith(record, { updatedAt: now }));
}

export function onResolveConflict(ctx: Ctx, input: ResolveInput): void {
  const { image, fx } = ctx;
  const record = image.conflicts.get(input.conflictId);
  const item = record === undefined ? undefined : image.queue.get(record.queueId);
  if (record === undefined || item === undefined) {
    fx.reply(input.opId, fail('no_conflict', `no open conflict ${JSON.stringify(input.conflictId)}`));
    return;
  }
  const resolution = input.resolution;
  if (resolution.kind === 'merge' && (!isPlainObject(resolution.fields) || !isJsonValue(resolution.fields))) {
    fx.reply(input.opId, fail('invalid', 'resolution.fields should be a plain object of JSON values'));
    return;
  }
  image.removeConflict(record.conflictId);
  if (resolution.kind === 'keep-server') {
    image.removeItem(item.queueId);
    // Like a server-wins drop: the entity's next op now applies on top of the server's state.
    const next = image.headOf(entityKey(item.entityType, item.entityId));
    if (next !== undefined) image.putItem(itemWith(next, { baseRevision: record.server.revision, baseFields: record.server.fields }));
  } else {
    // Under protocol 1 a merge is sent like any update: as the whole entity.
    const payload = resolution.kind !== 'merge' ? item.payload : ctx.options.protocolVersion === 1 ? { ...record.server.fields, ...resolution.fields } : resolution.fields;
    const action = item.action === 'create' || resolution.kind === 'merge' ? 'update' : item.action;
    image.putItem(itemWith(item, { action, payload, paused: false, baseRevision: record.server.revision, baseFields: record.server.fields, nextAttemptAt: input.now }));
  }
  refreshEntity(ctx, item.entityType, item.entityId, input.now);
  // The event describes this commit: made with it, it is reported only if the commit lands (a
  // crash right after the commit once lost it, and a dropped op looked lost; field-merge seed 1956).
  fx.event({ type: 'conflict-resolved', at: input.now, conflictId: record.conflictId, queueId: item.queueId, resolution: resolution.kind });
  fx.commit();
  fx.reply(input.opId, { ok: true, queueId: resolution.kind === 'keep-server' ? null : item.queueId });
}

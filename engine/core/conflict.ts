// A push item answered 'conflict': the policy decides (drop, re-send, or pause behind a manual
// record), and what the answer says of the server's state is taken in, when it is news to us.

import type { Fields, ServerEntityState } from '../protocol.ts';
import { entityKey } from '../protocol.ts';
import type { QueueItem } from '../model.ts';
import { observeStamp, refreshEntity, type Ctx } from './context.ts';

/** The next item of an entity now applies on top of `revision` (its true base after an ack), whose fields may be unknown. */
export function rebaseNext(ctx: Ctx, key: string, revision: number | null, fields: Fields | null): void {
  const next = ctx.image.headOf(key);
  if (next === undefined) return;
  ctx.image.putItem({ ...next, baseRevision: revision, baseFields: fields });
}

export function onConflict(ctx: Ctx, item: QueueItem, server: ServerEntityState, answeredInOurEpoch: boolean, now: number): void {
  const { image, fx, v, options } = ctx;
  observeStamp(ctx, server.stamp, now);
  v.conflicts++;
  const key = entityKey(item.entityType, item.entityId);
  const known = server.revision === 0 ? null : server;
  // The entity record as it was before this conflict (the branches below change only the queue).
  const entity = image.entities.get(key);
  const decision = ctx.variant.resolveConflict(options.conflictPolicy, item, server, entity?.fields ?? null);
  const local = { payload: item.payload, clientTime: item.createdAt, stamp: item.stamp };
  const base = { at: now, queueId: item.queueId, entityType: item.entityType, entityId: item.entityId, policy: options.conflictPolicy, local, server };
  if (decision.kind === 'drop') {
    image.removeItem(item.queueId);
    rebaseNext(ctx, key, known?.revision ?? null, known?.fields ?? null);
    fx.event({ type: 'conflict', ...base, outcome: 'server-wins' });
  } else if (decision.kind === 'resend') {
    // The server has no such entity, yet its confirmed state was our own write: a rollback lost
    // that acked write. This re-send carries it back (the whole local state, as a create): say
    // so, as the rollback repair would, since the repair will find nothing left to re-upload.
    if (known === null && entity?.server != null && entity.serverOrigin?.clientId === image.meta.clientId) {
      fx.event({ type: 'repair-enqueued', at: now, queueId: item.queueId, entityType: item.entityType, entityId: item.entityId, reuploads: entity.serverOrigin.queueId });
    }
    const baseRevision = decision.action === 'create' ? null : server.revision;
    // The first re-send goes at once; an op that keeps meeting conflicts backs off like any
    // retry, so a hot entity can never make the engine spin.
    const attempts = item.attempts + 1;
    const delayMs = item.attempts === 0 ? 0 : ctx.variant.nextDelayMs(options, item.attempts, ctx.random.float());
    image.putItem({ ...item, action: decision.action, payload: decision.payload, baseRevision, baseFields: known?.fields ?? null, attempts, nextAttemptAt: now + delayMs });
    fx.event({ type: 'conflict', ...base, outcome: decision.outcome });
  } else {
    image.putItem({ ...item, paused: true });
    image.putConflict({
      conflictId: `conflict:${item.queueId}`,
      queueId: item.queueId,
      entityType: item.entityType,
      entityId: item.entityId,
      policy: options.conflictPolicy,
      local: item.payload,
      action: item.action,
      server,
      base: item.baseFields,
      clashingFields: decision.clashingFields,
      detectedAt: now,
    });
    fx.event({ type: 'conflict', ...base, outcome: 'manual' });
  }
  // The conflict shows the server as it was when it answered; a pull may already have brought newer.
  // A conflict saying the server has no such entity (revision 0) means it has none: forget ours,
  // unless ours is a state of the answer's epoch (revision > 0, no repair under way), learned
  // after the answer was made: e.g. the repair pull that brought another client's re-upload while
  // this answer was slow. Forgetting that would leave us without an entity no later pull brings.
  const current = entity?.server ?? null;
  const learnedSince = answeredInOurEpoch && current !== null && current.revision > 0;
  // Our confirmed state may be this very op, learned from a pull while its ack was lost. A
  // conflict for it means the server holds no result for its queueId (a replay would be
  // answered from the idempotency table): that apply was rolled back, and the state the
  // conflict shows is the server's now, whatever its revision number (revisions of two epochs
  // do not compare). Keeping ours would have the rollback repair re-upload a write that lost.
  const confirmedIsThisOp = entity?.serverOrigin?.queueId === item.queueId;
  // An answer from another epoch than ours (or while a repair gathers) comes before that epoch's
  // repair, which compares our confirmed write with the restored state to learn whether the
  // rollback lost it. If that write is ours (another op), it is the only trace of the loss:
  // replacing it with the answer's state (its revision does not compare with ours anyway) would
  // leave the repair nothing to re-upload (default seeds 5507, 9040). The repair refreshes it.
  const oursForRepair = !answeredInOurEpoch && current !== null && entity?.serverOrigin?.clientId === image.meta.clientId && !confirmedIsThisOp;
  if (known === null && !learnedSince) refreshEntity(ctx, item.entityType, item.entityId, now, null, null);
  else if (known === null || oursForRepair) refreshEntity(ctx, item.entityType, item.entityId, now);
  else if (current === null || known.revision > current.revision || confirmedIsThisOp) refreshEntity(ctx, item.entityType, item.entityId, now, known, null); // a conflict does not say who wrote it
  else refreshEntity(ctx, item.entityType, item.entityId, now);
}

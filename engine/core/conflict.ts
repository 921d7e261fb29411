// A push item answered 'conflict': the policy decides (drop, re-send, or pause behind a manual
// record), and what the answer says of the server's state is taken in, when it is news to us.

import type { Fields, ServerEntityState } from '../protocol.ts';
import { entityKey } from '../protocol.ts';
import { itemWith, type QueueItem } from '../model.ts';
import { AssertionError } from '../assert.ts';
import { observeStamp, refreshEntity, type Ctx } from './context.ts';
import { viewAsOf } from './view.ts';

/** The next item of an entity now applies on top of `revision` (its true base after an ack), whose fields may be unknown. */
export function rebaseNext(ctx: Ctx, key: string, revision: number | null, fields: Fields | null): void {
  const next = ctx.image.headOf(key);
  if (next === undefined) return;
  ctx.image.putItem(itemWith(next, { baseRevision: revision, baseFields: fields }));
}

export function onConflict(ctx: Ctx, item: QueueItem, server: ServerEntityState, answeredInOurEpoch: boolean, now: number): void {
  const { image, fx, v, options } = ctx;
  observeStamp(ctx, server.stamp, now);
  v.conflicts++;
  const key = entityKey(item.entityType, item.entityId);
  const known = server.revision === 0 ? null : server;
  // The entity record as it was before this conflict (the branches below change only the queue).
  const entity = image.entities.get(key);
  // An entity the server lacks is re-created as this op left it, not with later pending ops folded in.
  const asOf = entity === undefined ? null : viewAsOf(entity.server, image.itemsOf(key), item.queueId);
  const decision = ctx.variant.resolveConflict(options.conflictPolicy, item, server, asOf === null || asOf.deleted ? null : asOf.fields);
  const local = { payload: item.payload, clientTime: item.createdAt, stamp: item.stamp };
  const base = { at: now, queueId: item.queueId, entityType: item.entityType, entityId: item.entityId, policy: options.conflictPolicy, local, server };
  if (decision.kind !== 'resend') v.conflictStreaks.delete(item.queueId);
  v.itemErrorStreaks.delete(item.queueId);
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
    // A re-send after a conflict goes at once; an op that meets conflict after conflict backs off
    // by how many in a row, so a hot entity can never make the engine spin. Attempts lost to an
    // outage say nothing of contention: counted in, they once held a re-send back for over an
    // hour after the heal (attempts 12: the backoff's cap).
    const attempts = item.attempts + 1;
    const streak = v.conflictStreaks.get(item.queueId) ?? 0;
    const delayMs = streak === 0 ? 0 : ctx.variant.nextDelayMs(options, streak, ctx.random.float());
    v.conflictStreaks.set(item.queueId, streak + 1);
    v.heldForServer.delete(item.queueId);
    image.putItem(itemWith(item, { action: decision.action, payload: decision.payload, baseRevision, baseFields: known?.fields ?? null, attempts, nextAttemptAt: now + delayMs }));
    fx.event({ type: 'conflict', ...base, outcome: decision.outcome });
  } else {
    image.putItem(itemWith(item, { paused: true }));
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
  // How the entity's confirmed server state is refreshed: CONFIRMED_REFRESH_TABLE below decides.
  const current = entity?.server ?? null;
  const facts: ConflictFacts = {
    answerHasNoEntity: known === null,
    answeredInOurEpoch,
    confirmedKnown: current !== null,
    confirmedHasRevision: current !== null && current.revision > 0,
    confirmedIsOurs: entity?.serverOrigin?.clientId === image.meta.clientId,
    confirmedIsThisOp: entity?.serverOrigin?.queueId === item.queueId,
    answerIsNewer: known !== null && current !== null && known.revision > current.revision,
  };
  const outcome = confirmedRefreshOf(facts).outcome;
  if (outcome === 'forget' && item.action === 'delete' && current !== null) keepMootDelete(ctx, item, now);
  else if (outcome === 'forget') refreshEntity(ctx, item.entityType, item.entityId, now, null, null);
  else if (outcome === 'adopt') refreshEntity(ctx, item.entityType, item.entityId, now, known, null); // a conflict does not say who wrote it
  else refreshEntity(ctx, item.entityType, item.entityId, now);
}

/**
 * Our delete met a server with no such entity: moot, so dropped. Yet we knew a state of it, so a
 * server had it: a rollback lost it, and a restore from an older snapshot may bring it back while
 * nothing of this delete is left to send. Keep its trace as a rollback repair does (pull.ts
 * keepLost): a tombstone of ours at revision 0, this delete's, so the next repair that finds the
 * entity restored deletes it again (default seed 610: the delete met the restored epoch first).
 */
function keepMootDelete(ctx: Ctx, item: QueueItem, now: number): void {
  const tombstone: ServerEntityState = { revision: 0, deleted: true, fields: {}, updatedAt: item.createdAt, ...(item.stamp === null ? {} : { stamp: item.stamp }) };
  refreshEntity(ctx, item.entityType, item.entityId, now, tombstone, { clientId: ctx.image.meta.clientId, queueId: item.queueId });
}

/**
 * What a conflict answer does to the entity's confirmed server state: 'forget' it (the server
 * has no such entity), 'adopt' the answer's state (with no origin: a conflict does not say who
 * wrote it), or 'keep' it (the local view is re-derived on it all the same).
 */
export type ConfirmedRefresh = 'forget' | 'adopt' | 'keep';

/** What the refresh depends on: the answer, and the confirmed state as it was before the conflict. */
export interface ConflictFacts {
  /** The answer says the server has no such entity (revision 0). */
  readonly answerHasNoEntity: boolean;
  /** The answer came from our epoch, and no repair is gathering. */
  readonly answeredInOurEpoch: boolean;
  /** We know a confirmed server state of the entity. */
  readonly confirmedKnown: boolean;
  /** That state has a revision above 0 (0: a lost acked delete kept for the next repair, pull.ts keepLostDelete). */
  readonly confirmedHasRevision: boolean;
  /** Our confirmed state was written by this client. */
  readonly confirmedIsOurs: boolean;
  /** Our confirmed state was written by this very op (learned from a pull while its ack was lost). */
  readonly confirmedIsThisOp: boolean;
  /** Both are known and the answer's revision is above the confirmed one. */
  readonly answerIsNewer: boolean;
}

export interface ConfirmedRefreshRow {
  readonly id: string;
  /** The facts this row requires; a fact not named is not looked at. */
  readonly when: Partial<ConflictFacts>;
  readonly outcome: ConfirmedRefresh;
  readonly why: string;
  /** The finding that made the row: a regression file under scenarios/regressions/ that fails without it, or the commit and test that guard it. */
  readonly seed: string;
}

/**
 * The decision, in order: the first row whose facts all hold decides (the last row holds always).
 * Each row is pinned by engine/core/conflict-table.test.ts; change one only with its finding in hand.
 */
export const CONFIRMED_REFRESH_TABLE: readonly ConfirmedRefreshRow[] = [
  // Within one epoch an entity never vanishes (a delete leaves a tombstone), so 'no such entity'
  // from our epoch is older than a state of it we hold: e.g. the repair pull that brought another
  // client's re-upload while this answer was slow. No later pull brings that state again.
  {
    id: 'learned-since',
    when: { answerHasNoEntity: true, answeredInOurEpoch: true, confirmedKnown: true, confirmedHasRevision: true },
    outcome: 'keep',
    why: "'no such entity' is older than a state of its epoch learned while it was on its way (the repair pull brought another client's re-upload); forgetting it loses the entity for good",
    seed: 'default-seed-4969',
  },
  // Otherwise the server has none: forget ours (of an older epoch, or a lost delete kept at revision 0).
  // A delete of ours answered so keeps its own tombstone instead (onConflict, keepMootDelete).
  {
    id: 'no-such-entity',
    when: { answerHasNoEntity: true },
    outcome: 'forget',
    why: 'the server has no such entity: ours is of an older epoch, and the repair that follows decides what was lost',
    seed: 'commit 219df88; no regression file fails without it (conflicts.test.ts: an answer that the server has no such entity)',
  },
  // An answer from another epoch than ours (or while a repair gathers) comes before that epoch's
  // repair, which compares our confirmed write with the restored state to learn whether the
  // rollback lost it. If that write is ours (another op), it is the only trace of the loss:
  // replacing it with the answer's state (whose revision does not compare with ours anyway) would
  // leave the repair nothing to re-upload. The repair refreshes it.
  {
    id: 'ours-for-repair',
    when: { answeredInOurEpoch: false, confirmedKnown: true, confirmedIsOurs: true, confirmedIsThisOp: false },
    outcome: 'keep',
    why: "an answer from another epoch comes before that epoch's repair; our confirmed write (another op) is the only trace the rollback lost it",
    seed: 'default-seed-5507, default-seed-9040',
  },
  // Our confirmed state may be this very op, learned from a pull while its ack was lost. A
  // conflict for it means the server holds no result for its queueId (a replay would be answered
  // from the idempotency table): that apply was rolled back, and the state the conflict shows is
  // the server's now, whatever its revision number (revisions of two epochs do not compare).
  {
    id: 'confirmed-is-this-op',
    when: { confirmedIsThisOp: true },
    outcome: 'adopt',
    why: "the server holds no result for this op's queueId: its pulled apply was rolled back, and keeping it would have the repair re-upload a write that lost",
    seed: 'default-seed-513-shrunk (commit f8b3f59); that file no longer fails without the row',
  },
  {
    id: 'nothing-confirmed',
    when: { confirmedKnown: false },
    outcome: 'adopt',
    why: 'we know no server state: the answer is the only one',
    seed: 'commit 83882b4; no regression file fails without it',
  },
  // The conflict shows the server as it was when it answered; a pull may already have brought newer.
  {
    id: 'answer-newer',
    when: { answerIsNewer: true },
    outcome: 'adopt',
    why: 'the answer is newer than what we know',
    seed: 'commit 83882b4 (conflicts.test.ts: a server-wins drop shows the server state)',
  },
  {
    id: 'pull-brought-newer',
    when: {},
    outcome: 'keep',
    why: 'a pull already brought the answered state or newer: a conflict never rolls the known server state back',
    seed: 'commit 83882b4; default seeds 74 and 565 fail convergence without it (no regression file)',
  },
];

/** The row of CONFIRMED_REFRESH_TABLE that decides these facts. */
export function confirmedRefreshOf(facts: ConflictFacts): ConfirmedRefreshRow {
  for (const row of CONFIRMED_REFRESH_TABLE) {
    if (matches(row.when, facts)) return row;
  }
  throw new AssertionError('CONFIRMED_REFRESH_TABLE should end with a row that always holds');
}

function matches(when: Partial<ConflictFacts>, facts: ConflictFacts): boolean {
  for (const name of Object.keys(when) as (keyof ConflictFacts)[]) {
    if (when[name] !== facts[name]) return false;
  }
  return true;
}

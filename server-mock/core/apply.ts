// Applying one validated push item to a user's space: the conflict rules of DESIGN §3, the new
// Change record, the revision and global sequence bumps. Replays are decided before this.

import { entityKey, type Action, type Change, type Fields, type PushItem, type PushItemResult, type ServerEntityState } from '../../engine/protocol.ts';
import { ensureSpace, type OkResult, type ServerEntity, type ServerState } from './state.ts';

/** What the checkers and the simulator's history learn about one applied change. */
export interface AppliedChange {
  readonly user: string;
  readonly queueId: string;
  readonly clientId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: Action;
  readonly revision: number;
  readonly seq: number;
  readonly serverTime: number;
  readonly deleted: boolean;
}

/** Tombstones carry no fields: a deleted entity's data is gone, and convergence compares less. */
const EMPTY_FIELDS: Fields = Object.freeze({});

/** How an entity that never existed looks in a conflict. */
const MISSING: ServerEntityState = Object.freeze({ revision: 0, deleted: true, fields: EMPTY_FIELDS, updatedAt: 0 });

export interface ApplyOutcome {
  readonly result: PushItemResult;
  readonly applied: AppliedChange | null;
}

/**
 * create: conflict if the entity exists, even as a tombstone (deletes are final).
 * update/delete: conflict unless it exists, is not deleted, and baseRevision is its revision.
 */
function isConflict(item: PushItem, current: ServerEntity | undefined): boolean {
  if (item.action === 'create') return current !== undefined;
  return current === undefined || current.deleted || item.baseRevision !== current.revision;
}

function serverView(current: ServerEntity | undefined): ServerEntityState {
  if (current === undefined) return MISSING;
  const { revision, deleted, fields, updatedAt, stamp } = current;
  return stamp === undefined ? { revision, deleted, fields, updatedAt } : { revision, deleted, fields, updatedAt, stamp };
}

/**
 * Fields after the change. Always a fresh object (shallow copy): the stored record must not
 * share its top level with an object the client may still hold. An update's delta merges over
 * the stored fields; a null value is stored as null (not a field removal).
 */
function nextFields(item: PushItem, current: ServerEntity | undefined): Fields {
  if (item.action === 'delete') return EMPTY_FIELDS;
  if (item.action === 'create') return { ...item.payload };
  return { ...current?.fields, ...item.payload };
}

function makeChange(item: PushItem, clientId: string, revision: number, fields: Fields): Change {
  const change: { -readonly [K in keyof Change]: Change[K] } = {
    entityType: item.entityType,
    entityId: item.entityId,
    revision,
    deleted: item.action === 'delete',
    fields,
    updatedAt: item.clientTime,
    origin: { clientId, queueId: item.queueId },
  };
  // The stamp belongs to the op that last wrote; absent means absent, not the previous one.
  if (item.stamp !== undefined) change.stamp = item.stamp;
  return change;
}

export function applyItem(state: ServerState, user: string, clientId: string, item: PushItem, nowMs: number): ApplyOutcome {
  const key = entityKey(item.entityType, item.entityId);
  const current = state.users.get(user)?.entities.get(key);
  if (isConflict(item, current)) {
    return { result: { queueId: item.queueId, status: 'conflict', server: serverView(current) }, applied: null };
  }
  const revision = (current?.revision ?? 0) + 1;
  const change = makeChange(item, clientId, revision, nextFields(item, current));
  const seq = state.seq + 1;
  state.seq = seq;
  const space = ensureSpace(state, user);
  space.log.push({ seq, serverTime: nowMs, change });
  space.entities.set(key, change);
  const result: OkResult = { queueId: item.queueId, status: 'ok', revision, serverTime: nowMs };
  space.results.set(item.queueId, result);
  const applied: AppliedChange = {
    user,
    queueId: item.queueId,
    clientId,
    entityType: item.entityType,
    entityId: item.entityId,
    action: item.action,
    revision,
    seq,
    serverTime: nowMs,
    deleted: change.deleted,
  };
  return { result, applied };
}

// The local view of an entity: its last confirmed server state with every pending local op
// of that entity applied on top, in order. One function, so acks, pulls, conflicts and
// rollback repair all agree on what the user sees.

import type { Fields, ServerEntityState } from '../protocol.ts';
import type { QueueItem } from '../model.ts';
import { applyDelta } from '../policy/fields.ts';

export interface View {
  readonly fields: Fields;
  readonly deleted: boolean;
  /** False when neither the server nor any pending op knows the entity (nothing to keep). */
  readonly exists: boolean;
}

const EMPTY: Fields = Object.freeze({});

export function viewOf(server: ServerEntityState | null, pending: readonly QueueItem[]): View {
  let exists = server !== null;
  let deleted = server?.deleted ?? false;
  let fields: Fields = server === null || server.deleted ? EMPTY : server.fields;
  for (const item of pending) {
    exists = true;
    if (item.action === 'create') {
      fields = item.payload;
      deleted = false;
    } else if (item.action === 'update') {
      if (!deleted) fields = applyDelta(fields, item.payload);
    } else {
      fields = EMPTY;
      deleted = true;
    }
  }
  return { fields, deleted, exists };
}

/**
 * The view as the op `queueId` left it: the pending ops up to it, none after (a later pending
 * delete must not empty what an earlier op re-creates; rolling-upgrade seed 1000159).
 */
export function viewAsOf(server: ServerEntityState | null, pending: readonly QueueItem[], queueId: string): View {
  const upTo = pending.findIndex((item) => item.queueId === queueId);
  return viewOf(server, upTo === -1 ? pending : pending.slice(0, upTo + 1));
}

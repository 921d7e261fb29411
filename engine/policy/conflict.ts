// What to do with an op the server refused as a conflict, per policy. Pure: the caller
// applies the decision (drop the op, re-send it on top of the server's revision, or pause
// it behind a manual conflict record).

import type { Action, Fields, ServerEntityState } from '../protocol.ts';
import type { ConflictPolicy } from '../options.ts';
import type { QueueItem } from '../model.ts';
import { clashingFields } from './fields.ts';
import { stampFromTime } from './hlc.ts';

export type ConflictDecision =
  | { readonly kind: 'drop'; readonly outcome: 'server-wins' }
  | { readonly kind: 'resend'; readonly outcome: 'local-wins' | 'merged'; readonly action: Action; readonly payload: Fields }
  | { readonly kind: 'manual'; readonly clashingFields: readonly string[] };

const SERVER_WINS: ConflictDecision = { kind: 'drop', outcome: 'server-wins' };

/**
 * Rules before any policy: a tombstone is final (no op resurrects a deleted entity); an
 * entity the server never had (revision 0, e.g. after a rollback) is re-created from the
 * local view as this op left it (null: nothing to re-create); a delete of it is moot.
 */
export function resolveConflict(
  policy: ConflictPolicy,
  item: QueueItem,
  server: ServerEntityState,
  localView: Fields | null,
): ConflictDecision {
  if (server.revision === 0) {
    if (item.action === 'delete' || localView === null) return SERVER_WINS;
    return { kind: 'resend', outcome: 'local-wins', action: 'create', payload: localView };
  }
  if (server.deleted) return SERVER_WINS;
  // A create that met an existing entity becomes an update of it when it wins.
  const action: Action = item.action === 'create' ? 'update' : item.action;
  const localWins: ConflictDecision = { kind: 'resend', outcome: 'local-wins', action, payload: item.payload };
  switch (policy) {
    case 'server-wins':
      return SERVER_WINS;
    case 'client-wins':
      return localWins;
    case 'lww-client-clock':
      // Unsafe under skew by design (the seed's default): compares two different clocks.
      return item.createdAt > server.updatedAt ? localWins : SERVER_WINS;
    case 'lww-hlc': {
      const serverStamp = server.stamp ?? stampFromTime(server.updatedAt);
      return (item.stamp ?? stampFromTime(item.createdAt)) > serverStamp ? localWins : SERVER_WINS;
    }
    case 'field-merge':
      return fieldMerge(item, server, action);
    case 'manual':
      return { kind: 'manual', clashingFields: [] };
  }
}

function fieldMerge(item: QueueItem, server: ServerEntityState, action: Action): ConflictDecision {
  const base = item.action === 'create' ? {} : (item.baseFields ?? {});
  if (item.action === 'delete') {
    // Deleting what someone else changed meanwhile loses their change: a person decides.
    const changed = Object.keys({ ...base, ...server.fields }).filter((f) => clashingFields(base, { [f]: null }, server.fields).length > 0);
    return changed.length === 0 ? { kind: 'resend', outcome: 'merged', action, payload: {} } : { kind: 'manual', clashingFields: changed };
  }
  const clashes = clashingFields(base, item.payload, server.fields);
  if (clashes.length > 0) return { kind: 'manual', clashingFields: clashes };
  return { kind: 'resend', outcome: 'merged', action, payload: item.payload };
}

// Running one workload op: the op is data ({client, action, entity}); what it does is
// resolved against the client's local view when it runs (create if unknown, else update;
// delete only what exists), so a shrunk plan still makes sense. Field values name the op
// that wrote them, which lets checkers trace every value back to its writer.

import type { Fields } from '../engine/protocol.ts';
import type { VirtualClient } from './client.ts';
import type { OpAction } from './history.ts';
import type { WorkloadOp } from './types.ts';

export const ENTITY_TYPE = 'note';

export function entityIdOf(entity: number): string {
  return `n${entity}`;
}

export interface OpPlan {
  readonly action: OpAction;
  readonly fields: Fields;
}

/** What the op means against what the client sees now; null when it has nothing to do. */
export function resolveOp(client: VirtualClient, op: WorkloadOp, opId: number): OpPlan | null {
  const core = client.core;
  if (core === null) return null;
  return resolveAgainst(core.get(ENTITY_TYPE, entityIdOf(op.entity)), op, opId, client.clientId);
}

/**
 * The one rule, for every driver of a workload (simulator, fake-timers baseline, realnet): what
 * `op` means against the record the client sees. Field values name the op (`client#opId`).
 */
export function resolveAgainst(record: { readonly deleted: boolean } | undefined, op: Pick<WorkloadOp, 'action'>, opId: number, clientId: string): OpPlan | null {
  const stamp = `${clientId}#${opId}`;
  switch (op.action) {
    case 'read':
      return { action: 'read', fields: {} };
    case 'delete':
      return record === undefined || record.deleted ? null : { action: 'delete', fields: {} };
    case 'write':
      if (record === undefined) return { action: 'create', fields: { title: stamp, content: stamp, tags: [] } };
      if (record.deleted) return null; // tombstones are final: ids are never reused
      // Alternate fields so concurrent writers sometimes touch disjoint fields (field-merge) and sometimes clash.
      return { action: 'update', fields: opId % 3 === 0 ? { title: stamp } : { content: stamp } };
  }
}

/** Invoke the op on the client and record invoke (and, for reads, the completion). */
export function runOp(client: VirtualClient, op: WorkloadOp, opId: number, t: number, record: (e: import('./history.ts').HistoryEvent) => void): boolean {
  const plan = resolveOp(client, op, opId);
  if (plan === null || client.core === null) return false;
  const entityId = entityIdOf(op.entity);
  const clientTime = client.clientTime();
  record({ t, type: 'invoke', client: client.index, clientTime, opId, action: plan.action, entityId, fields: plan.fields });
  if (plan.action === 'read') {
    const seen = client.core.get(ENTITY_TYPE, entityId);
    record({ t, type: 'complete', client: client.index, opId, outcome: 'ok', queueId: null, error: null, value: seen === undefined || seen.deleted ? null : seen.fields });
    return true;
  }
  client.step({ type: 'write', now: clientTime, opId, action: plan.action, entityType: ENTITY_TYPE, entityId, fields: plan.fields }, opId);
  return true;
}

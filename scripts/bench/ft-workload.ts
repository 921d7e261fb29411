// The fake-timers baseline's workload driver: the RunPlan's ops, each fired by setTimeout
// at its plan time and resolved against that client's SyncEngine exactly as sim/workload.ts
// resolves it against the simulator's core (resolveAgainst is the pure rule both follow).

import type { SyncEngine } from '../../engine/engine.ts';
import type { WorkloadOp } from '../../sim/types.ts';
import { ENTITY_TYPE, entityIdOf, resolveAgainst } from '../../sim/workload.ts';

export interface OpCounts {
  invoked: number;
  writesOk: number;
  writesFailed: number;
}

function runOp(engine: SyncEngine, op: WorkloadOp, opId: number, counts: OpCounts): void {
  const entityId = entityIdOf(op.entity);
  const plan = resolveAgainst(engine.get(ENTITY_TYPE, entityId), op, opId, engine.options.clientId);
  if (plan === null) return;
  counts.invoked++;
  if (plan.action === 'read') return;
  engine.write(plan.action, ENTITY_TYPE, entityId, plan.fields).then(
    () => void counts.writesOk++,
    () => void counts.writesFailed++,
  );
}

/**
 * Arms one setTimeout for the next op time (the simulator also keeps one op event pending);
 * when it fires, every op due runs in plan order, then the next is armed. opIds count every
 * op, resolved or not, as the simulator's runner does.
 */
export function scheduleOps(ops: readonly WorkloadOp[], engines: readonly SyncEngine[], counts: OpCounts): void {
  let index = 0;
  const fire = (): void => {
    const now = Date.now();
    while (index < ops.length && ops[index]!.atMs <= now) {
      const op = ops[index]!;
      index++;
      runOp(engines[op.client]!, op, index, counts);
    }
    if (index < ops.length) setTimeout(fire, ops[index]!.atMs - now);
  };
  if (ops.length > 0) setTimeout(fire, ops[0]!.atMs - Date.now());
}

// The fake-timers baseline resolves ops by the simulator's rule: resolveAgainst agrees with
// sim/workload.ts resolveOp for every action against unknown, live and deleted records.

import { describe, expect, it } from 'vitest';
import type { VirtualClient } from '../../sim/client.ts';
import type { WorkloadAction } from '../../sim/types.ts';
import { resolveOp } from '../../sim/workload.ts';
import { resolveAgainst } from './ft-workload.ts';

/** Just what resolveOp reads of a client: its core's get and its clientId. */
function clientSeeing(record: { deleted: boolean } | undefined): VirtualClient {
  return { clientId: 'c7', core: { get: () => record } } as unknown as VirtualClient;
}

describe('bench fake-timers workload', () => {
  const actions: WorkloadAction[] = ['write', 'delete', 'read'];
  const records = [undefined, { deleted: false }, { deleted: true }];
  for (const action of actions) {
    for (const record of records) {
      it(`${action} against ${record === undefined ? 'an unknown' : record.deleted ? 'a deleted' : 'a live'} record resolves as in the simulator`, () => {
        for (const opId of [1, 2, 3]) {
          const op = { atMs: 10, client: 7, action, entity: 4 };
          expect(resolveAgainst(record, op, opId, 'c7')).toEqual(resolveOp(clientSeeing(record), op, opId));
        }
      });
    }
  }
});

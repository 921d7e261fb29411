// The convergence phase's rules (sim/convergence.ts) over hand-made clients: when the system
// counts as converged, and which clients get a final read (only when all is quiet, only those
// behind, only those with no sync interval of their own).

import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../engine/model.ts';
import { finalReadTargets, hasConverged, type ConvergenceClient, type ConvergenceServer } from './convergence.ts';

interface FakeClient extends ConvergenceClient {
  readonly name: string;
}

interface FakeState {
  readonly cursor?: number;
  readonly epoch?: string | null;
  readonly queued?: readonly { readonly paused: boolean }[];
  readonly syncing?: boolean;
  readonly syncIntervalMs?: number;
  readonly crashed?: boolean;
  readonly user?: string;
}

function client(name: string, state: FakeState = {}): FakeClient {
  const queued = (state.queued ?? []) as unknown as readonly QueueItem[];
  return {
    name,
    user: state.user ?? 'team-0',
    options: { syncIntervalMs: state.syncIntervalMs ?? 0 },
    core: state.crashed === true ? null : {
      queueItems: () => queued,
      cursor: () => state.cursor ?? 2,
      epoch: () => (state.epoch === undefined ? 'e1' : state.epoch),
      status: () => ({ isSyncing: state.syncing ?? false }),
    },
  };
}

/** team-0's log is at seq 2, team-1's at 5, epoch e1. */
const SERVER: ConvergenceServer = { epoch: 'e1', lastSeqOf: (user) => (user === 'team-1' ? 5 : 2) };

const names = (clients: readonly FakeClient[]): string[] => clients.map((c) => c.name);

describe('hasConverged', () => {
  it('holds when everyone is up, nothing is queued and every cursor is at its head', () => {
    expect(hasConverged([client('a'), client('b'), client('c', { user: 'team-1', cursor: 5 })], SERVER)).toBe(true);
  });

  it('fails on a crashed client, a queued item (paused for its person too), a cursor behind, or another epoch', () => {
    expect(hasConverged([client('a'), client('b', { crashed: true })], SERVER)).toBe(false);
    expect(hasConverged([client('a', { queued: [{ paused: false }] })], SERVER)).toBe(false);
    expect(hasConverged([client('a', { queued: [{ paused: true }] })], SERVER)).toBe(false);
    expect(hasConverged([client('a', { cursor: 1 })], SERVER)).toBe(false);
    expect(hasConverged([client('a', { epoch: 'e0' })], SERVER)).toBe(false);
  });

  it('does not wait for a pull in flight (an interval lined up with the checks would never let it hold)', () => {
    expect(hasConverged([client('a', { syncing: true })], SERVER)).toBe(true);
  });
});

describe('finalReadTargets: a final read once all is quiet, for clients that never pull unasked', () => {
  it('reads for every quiet client behind its head or in another epoch, not for one at its head', () => {
    const clients = [client('behind', { cursor: 1 }), client('at-head'), client('old-epoch', { epoch: 'e0' }), client('other-team', { user: 'team-1', cursor: 4 })];
    expect(names(finalReadTargets(clients, SERVER))).toEqual(['behind', 'old-epoch', 'other-team']);
  });

  it('never reads for a client with a sync interval: it pulls by itself, and a read would hide a wedged pull', () => {
    const clients = [client('interval', { cursor: 0, syncIntervalMs: 30_000 }), client('manual', { cursor: 0 })];
    expect(names(finalReadTargets(clients, SERVER))).toEqual(['manual']);
  });

  it('reads for nobody while an unpaused item is queued anywhere (a stuck queue stays visible)', () => {
    const clients = [client('behind', { cursor: 0 }), client('stuck', { queued: [{ paused: false }] })];
    expect(finalReadTargets(clients, SERVER)).toEqual([]);
  });

  it('a conflict paused for its person waits for the answer too', () => {
    const clients = [client('behind', { cursor: 0 }), client('paused', { queued: [{ paused: true }] })];
    expect(finalReadTargets(clients, SERVER)).toEqual([]);
  });

  it('reads for nobody while a request is in flight anywhere, or while a client is down', () => {
    expect(finalReadTargets([client('behind', { cursor: 0 }), client('busy', { syncing: true })], SERVER)).toEqual([]);
    expect(finalReadTargets([client('behind', { cursor: 0 }), client('down', { crashed: true })], SERVER)).toEqual([]);
  });

  it('reads for nobody when nobody is behind', () => {
    expect(finalReadTargets([client('a'), client('b')], SERVER)).toEqual([]);
  });
});

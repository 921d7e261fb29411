// State persistence: the JSON round trip keeps behaviour (replays still recognized), loading
// rejects garbage with a message naming the path, clone/restore/MemoryPersistence are independent.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PushResponse } from '../../engine/protocol.ts';
import { cloneServerState, restoreServerState, serverStateFromJSON, serverStateToJSON } from './json.ts';
import { MemoryPersistence } from './persistence.ts';
import { ServerCore } from './server-core.ts';
import { FC_SEED, historyArb, makeItem, newCore, runHistory, seededRandom, stateData } from './testkit.ts';

/** A small valid state as parsed JSON, to break one piece at a time. */
function sampleJson(): Record<string, unknown> {
  const core = newCore();
  core.issueToken({ user: 'alice' }, 0);
  core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q1' })] }, 1);
  core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q2', action: 'delete', baseRevision: 1, payload: {} })] }, 2);
  return stateData(core) as Record<string, unknown>;
}

// Loose on purpose: the cases below poke at parsed JSON.
type Json = Record<string, any>;

describe('server state JSON', () => {
  it('round-trips through JSON text and behaves the same afterwards', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const core = newCore();
        const { records } = runHistory(core, history);
        const loaded = new ServerCore(serverStateFromJSON(JSON.parse(JSON.stringify(serverStateToJSON(core.state)))), { random: seededRandom(1) });
        expect(stateData(loaded)).toEqual(stateData(core));
        for (const user of ['alice', 'bob']) expect([...loaded.entities(user)]).toEqual([...core.entities(user)]);
        const last = records.at(-1)!;
        const again = loaded.push(last.user, last.body, 1e9);
        expect(again.reply).toEqual(core.push(last.user, last.body, 1e9).reply);
      }),
      { seed: FC_SEED, numRuns: 100 },
    );
  });

  const garbage: [string, (json: Json) => unknown, RegExp][] = [
    ['not an object', () => null, /state should be an object/],
    ['wrong format', (j) => ({ ...j, format: 'other' }), /format should be/],
    ['wrong version', (j) => ({ ...j, version: 2 }), /version should be 1/],
    ['empty epoch', (j) => ({ ...j, epoch: '' }), /epoch should be/],
    ['negative seq', (j) => ({ ...j, seq: -1 }), /seq should be an integer >= 0/],
    ['seq below the log', (j) => ({ ...j, seq: 1 }), /users\[0\]\.log\[1\]\.seq should be unique across users and at most seq/],
    ['token without user', (j) => ({ ...j, tokens: [{ token: 't', expiresAt: 1 }] }), /tokens\[0\]\.user should be/],
    ['users not an array', (j) => ({ ...j, users: {} }), /users should be an array/],
    ['seq going backwards', (j) => { j.users[0].log[1].seq = 1; return j; }, /users\[0\]\.log\[1\]\.seq should be an integer >= 2, got 1/],
    ['revision gap', (j) => { j.users[0].log[1].change.revision = 3; return j; }, /log\[1\]\.change\.revision should be 2, got 3/],
    ['non-JSON fields', (j) => { j.users[0].log[0].change.fields = { a: { b: 'x'.length / 0 } }; return j; }, /log\[0\]\.change\.fields\.a\.b should be a JSON value/],
    ['deleted not boolean', (j) => { j.users[0].log[0].change.deleted = 'no'; return j; }, /change\.deleted should be a boolean/],
    ['missing origin', (j) => { delete j.users[0].log[0].change.origin; return j; }, /log\[0\]\.change\.origin should be an object/],
    ['change after a tombstone', (j) => { j.users[0].log.push({ seq: 3, serverTime: 3, change: { ...j.users[0].log[1].change, revision: 3 } }); j.seq = 3; return j; }, /tombstones are final/],
    ['queueId applied twice', (j) => { j.users[0].log[1].change.origin.queueId = 'q1'; return j; }, /origin\.queueId should be applied once only/],
    ['duplicate user', (j) => ({ ...j, users: [...j.users, ...j.users] }), /users\[1\]\.user should be unique/],
  ];

  it.each(garbage)('rejects %s with a message naming the path', (_, corrupt, message) => {
    expect(() => serverStateFromJSON(corrupt(sampleJson() as Json))).toThrow(message);
  });

  it('rejects any garbage with an Error, never a TypeError', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true }), (json) => {
        try {
          serverStateFromJSON(json);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/^serverStateFromJSON: /);
        }
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe('snapshots and persistence', () => {
  it('a clone is independent of the original, and restore bumps only the epoch', () => {
    const core = newCore();
    core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q1' })] }, 1);
    const snapshot = cloneServerState(core.state);
    core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q2', entityId: 'b' })] }, 2);
    expect(snapshot.seq).toBe(1);
    const restored = new ServerCore(restoreServerState(snapshot, 'e2'), { random: seededRandom(3) });
    expect(restored.epoch).toBe('e2');
    expect(snapshot.epoch).toBe('e1');
    // The rolled-back server forgot q2: re-uploading it applies again (the client saw the new epoch).
    const reupload = restored.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q2', entityId: 'b' })] }, 3);
    expect((reupload.reply.body as PushResponse)).toMatchObject({ epoch: 'e2', results: [{ status: 'ok', revision: 1 }] });
    expect(() => restoreServerState(snapshot, 'e1')).toThrow(/newEpoch should differ/);
  });

  it('MemoryPersistence keeps a copy on save and hands out copies on load', () => {
    const persistence = new MemoryPersistence();
    expect(persistence.load()).toBeNull();
    const core = newCore();
    core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q1' })] }, 1);
    persistence.save(core.state);
    core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q2', entityId: 'b' })] }, 2);
    const loaded = persistence.load()!;
    expect(loaded.seq).toBe(1);
    loaded.users.clear();
    expect(persistence.load()!.users.get('alice')?.log).toHaveLength(1);
  });
});

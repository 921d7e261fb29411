// Scripted push stories: the conflict rule of each action, field merging, tombstones, stamps,
// independent items, duplicate queueIds in one batch, and what `applied` reports.

import { describe, expect, it } from 'vitest';
import { entityKey, type PushItemResult, type PushResponse } from '../../engine/protocol.ts';
import type { ServerCore } from './server-core.ts';
import { makeItem, newCore, stateData } from './testkit.ts';

let queueCount = 0;

/** Pushes one item (fresh queueId unless given) and returns its result. */
function pushOne(core: ServerCore, overrides: Record<string, unknown>, user = 'alice'): PushItemResult {
  queueCount += 1;
  const item = makeItem({ queueId: `s${queueCount}`, ...overrides });
  const { reply } = core.push(user, { clientId: 'c1', items: [item] }, 5_000);
  return (reply.body as PushResponse).results[0]!;
}

const create = (fields: object, id = 'a') => ({ action: 'create', entityId: id, baseRevision: null, payload: fields });
const update = (base: number | null, delta: object, id = 'a') => ({ action: 'update', entityId: id, baseRevision: base, payload: delta });
const remove = (base: number | null, id = 'a') => ({ action: 'delete', entityId: id, baseRevision: base, payload: {} });

describe('push conflict rules', () => {
  it('create applies at revision 1 with the payload as fields, a second create conflicts', () => {
    const core = newCore();
    expect(pushOne(core, create({ title: 'x' }))).toMatchObject({ status: 'ok', revision: 1, serverTime: 5_000 });
    const conflict = pushOne(core, { ...create({ title: 'y' }), clientTime: 7 });
    expect(conflict).toMatchObject({ status: 'conflict', server: { revision: 1, deleted: false, fields: { title: 'x' }, updatedAt: 1000 } });
  });

  it('update merges its delta and bumps the revision; a stale baseRevision conflicts', () => {
    const core = newCore();
    pushOne(core, create({ title: 'x', n: 1 }));
    expect(pushOne(core, update(1, { n: 2, done: null }))).toMatchObject({ status: 'ok', revision: 2 });
    expect(core.entities('alice').get(entityKey('todo', 'a'))?.fields).toEqual({ title: 'x', n: 2, done: null });
    expect(pushOne(core, update(1, { n: 3 }))).toMatchObject({ status: 'conflict', server: { revision: 2, fields: { title: 'x', n: 2, done: null } } });
    expect(pushOne(core, update(null, { n: 3 }))).toMatchObject({ status: 'conflict' });
    expect(pushOne(core, update(3, { n: 3 }))).toMatchObject({ status: 'conflict' });
  });

  it('update and delete of a missing entity conflict with the empty server view', () => {
    const core = newCore();
    const missing = { revision: 0, deleted: true, fields: {}, updatedAt: 0 };
    expect(pushOne(core, update(1, { n: 1 }))).toEqual({ queueId: `s${queueCount}`, status: 'conflict', server: missing });
    expect(pushOne(core, remove(1))).toEqual({ queueId: `s${queueCount}`, status: 'conflict', server: missing });
    expect(stateData(core)).toEqual(stateData(newCore()));
  });

  it('delete leaves a tombstone with no fields that nothing resurrects', () => {
    const core = newCore();
    pushOne(core, create({ title: 'x' }));
    expect(pushOne(core, remove(2))).toMatchObject({ status: 'conflict' });
    expect(pushOne(core, remove(1))).toMatchObject({ status: 'ok', revision: 2 });
    const tombstone = { revision: 2, deleted: true, fields: {}, updatedAt: 1000 };
    expect(pushOne(core, update(2, { title: 'back' }))).toMatchObject({ status: 'conflict', server: tombstone });
    expect(pushOne(core, remove(2))).toMatchObject({ status: 'conflict', server: tombstone });
    expect(pushOne(core, create({ title: 'again' }))).toMatchObject({ status: 'conflict', server: tombstone });
    expect(core.entities('alice').get(entityKey('todo', 'a'))).toMatchObject(tombstone);
  });

  it('the stamp and clientTime of the last writer are kept, and shown in a conflict', () => {
    const core = newCore();
    pushOne(core, { ...create({ n: 1 }), stamp: 'h1', clientTime: 42 });
    expect(pushOne(core, update(5, {}))).toMatchObject({ server: { revision: 1, updatedAt: 42, stamp: 'h1' } });
    pushOne(core, update(1, { n: 2 }));
    const entity = core.entities('alice').get(entityKey('todo', 'a'));
    expect(entity).toMatchObject({ revision: 2, updatedAt: 1000, origin: { clientId: 'c1', queueId: `s${queueCount}` } });
    expect(entity && 'stamp' in entity).toBe(false);
  });
});

describe('push batches', () => {
  it('items are independent: a conflict or an invalid item stops no other', () => {
    const core = newCore();
    const items = [
      makeItem({ queueId: 'q1', entityId: 'a' }),
      makeItem({ queueId: 'q2', entityId: 'b', action: 'update', baseRevision: 1 }),
      makeItem({ queueId: 'q3', entityId: 'c', clientTime: 'soon' }),
      makeItem({ queueId: 'q4', entityId: 'a', action: 'update', baseRevision: 1, payload: { done: true } }),
    ];
    const { reply, applied } = core.push('alice', { clientId: 'c9', items }, 2_000);
    expect(reply.status).toBe(200);
    const body = reply.body as PushResponse;
    expect(body.epoch).toBe('e1');
    expect(body.results.map((r) => r.status)).toEqual(['ok', 'conflict', 'error', 'ok']);
    expect(applied).toEqual([
      { user: 'alice', queueId: 'q1', clientId: 'c9', entityType: 'todo', entityId: 'a', action: 'create', revision: 1, seq: 1, serverTime: 2_000, deleted: false },
      { user: 'alice', queueId: 'q4', clientId: 'c9', entityType: 'todo', entityId: 'a', action: 'update', revision: 2, seq: 2, serverTime: 2_000, deleted: false },
    ]);
  });

  it('a queueId repeated in one batch gets the first occurrence result, applied once', () => {
    const core = newCore();
    const first = makeItem({ queueId: 'q1' });
    const { reply, applied } = core.push('alice', { clientId: 'c1', items: [first, { ...first, payload: { other: 1 } }] }, 3);
    expect((reply.body as PushResponse).results).toEqual([
      { queueId: 'q1', status: 'ok', revision: 1, serverTime: 3 },
      { queueId: 'q1', status: 'ok', revision: 1, serverTime: 3, replayed: true },
    ]);
    expect(applied).toHaveLength(1);
    const conflicting = makeItem({ queueId: 'q2', action: 'update', baseRevision: 9 });
    const again = core.push('alice', { clientId: 'c1', items: [conflicting, { ...conflicting, baseRevision: 1 }] }, 4);
    expect((again.reply.body as PushResponse).results.map((r) => r.status)).toEqual(['conflict', 'conflict']);
    expect(again.applied).toEqual([]);
  });

  it('a resolved conflict re-sent with the same queueId and a new baseRevision applies', () => {
    const core = newCore();
    pushOne(core, create({ n: 1 }));
    pushOne(core, update(1, { n: 2 }));
    const stale = makeItem({ queueId: 'mine', action: 'update', baseRevision: 1, payload: { n: 9 } });
    expect((core.push('alice', { clientId: 'c2', items: [stale] }, 1).reply.body as PushResponse).results[0]?.status).toBe('conflict');
    const resolved = core.push('alice', { clientId: 'c2', items: [{ ...stale, baseRevision: 2 }] }, 2);
    expect((resolved.reply.body as PushResponse).results[0]).toEqual({ queueId: 'mine', status: 'ok', revision: 3, serverTime: 2 });
  });

  it('users are separate namespaces sharing one global seq', () => {
    const core = newCore();
    pushOne(core, create({ who: 'a' }), 'alice');
    pushOne(core, create({ who: 'b' }), 'bob');
    const same = makeItem({ queueId: 'shared', entityId: 'z' });
    core.push('alice', { clientId: 'c1', items: [same] }, 1);
    const bob = core.push('bob', { clientId: 'c1', items: [same] }, 1);
    expect(bob.applied.map((c) => [c.user, c.seq, c.revision])).toEqual([['bob', 4, 1]]);
    expect(core.entities('alice').get(entityKey('todo', 'a'))?.fields).toEqual({ who: 'a' });
    expect(core.entities('bob').get(entityKey('todo', 'a'))?.fields).toEqual({ who: 'b' });
    expect(core.entities('carol').size).toBe(0);
    expect(core.appliedCount()).toBe(4);
  });

  it('stored fields do not follow later changes to the pushed payload object', () => {
    const core = newCore();
    const payload: Record<string, number> = { n: 1 };
    core.push('alice', { clientId: 'c1', items: [makeItem({ payload })] }, 1);
    payload['n'] = 2;
    expect(core.entities('alice').get(entityKey('todo', 'a'))?.fields).toEqual({ n: 1 });
  });
});

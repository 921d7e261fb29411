// Pull: pagination returns every change of the user exactly once in seq order with the fields
// as they were after that change; cursors never go backwards; query parsing and limits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change, ErrorBody, PullResponse } from '../../engine/protocol.ts';
import type { ServerCore } from './server-core.ts';
import { FC_SEED, historyArb, makeItem, newCore, runHistory, USERS } from './testkit.ts';

function pullAll(core: ServerCore, user: string, cursor: number, limit: number): { pages: PullResponse[]; changes: Change[] } {
  const pages: PullResponse[] = [];
  for (;;) {
    const reply = core.pull(user, { cursor: pages.at(-1)?.cursor ?? cursor, limit }, 1);
    expect(reply.status).toBe(200);
    const page = reply.body as PullResponse;
    pages.push(page);
    if (!page.hasMore) break;
    expect(pages.length).toBeLessThan(1000);
  }
  return { pages, changes: pages.flatMap((page) => page.changes) };
}

describe('pull pagination (property)', () => {
  it('returns every change exactly once, in seq order, with hasMore right and monotonic cursors', () => {
    const argsArb = fc.record({ limit: fc.integer({ min: 1, max: 7 }), startPick: fc.nat() });
    fc.assert(
      fc.property(historyArb, argsArb, (history, { limit, startPick }) => {
        const core = newCore();
        const run = runHistory(core, history);
        for (const user of USERS) {
          const mine = run.applied.filter((change) => change.user === user);
          // Start at 0 or just after one of the user's changes.
          const startIndex = startPick % (mine.length + 1);
          const start = startIndex === 0 ? 0 : mine[startIndex - 1]!.seq;
          const expected = mine.slice(startIndex);
          const { pages, changes } = pullAll(core, user, start, limit);
          expect(changes.map((c) => [c.entityId, c.revision, c.deleted, c.origin.queueId])).toEqual(
            expected.map((a) => [a.entityId, a.revision, a.deleted, a.queueId]),
          );
          changes.forEach((change) => expect(change.fields).toEqual(run.fieldsByQueueId.get(change.origin.queueId)));
          let returned = 0;
          pages.forEach((page, i) => {
            expect(page.epoch).toBe('e1');
            expect(page.hasMore).toBe(i < pages.length - 1);
            if (page.hasMore) expect(page.changes).toHaveLength(limit);
            returned += page.changes.length;
            // The seq of the last change returned, or the cursor sent when none was.
            const previous = i === 0 ? start : pages[i - 1]!.cursor;
            expect(page.cursor).toBe(page.changes.length > 0 ? expected[returned - 1]!.seq : previous);
          });
          const end = core.pull(user, { cursor: pages.at(-1)!.cursor, limit }, 2).body as PullResponse;
          expect(end).toEqual({ epoch: 'e1', changes: [], cursor: pages.at(-1)!.cursor, hasMore: false, serverTime: 2 });
        }
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });
});

describe('pull', () => {
  function coreWithHistory(): ServerCore {
    const core = newCore({ pullLimitMax: 3 });
    core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'q1', payload: { a: 1 } })] }, 10);
    core.push('bob', { clientId: 'c1', items: [makeItem({ queueId: 'q2' })] }, 11);
    const update = makeItem({ queueId: 'q3', action: 'update', baseRevision: 1, payload: { b: 2 } });
    core.push('alice', { clientId: 'c2', items: [update] }, 12);
    for (let i = 0; i < 4; i++) core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: `n${i}`, entityId: `n${i}` })] }, 13);
    return core;
  }

  it('each change carries the fields after it, not the current ones', () => {
    const body = coreWithHistory().pull('alice', { cursor: 0, limit: 2 }, 20).body as PullResponse;
    expect(body.changes).toEqual([
      { entityType: 'todo', entityId: 'a', revision: 1, deleted: false, fields: { a: 1 }, updatedAt: 1000, origin: { clientId: 'c1', queueId: 'q1' } },
      { entityType: 'todo', entityId: 'a', revision: 2, deleted: false, fields: { a: 1, b: 2 }, updatedAt: 1000, origin: { clientId: 'c2', queueId: 'q3' } },
    ]);
    expect(body).toMatchObject({ cursor: 3, hasMore: true });
  });

  it('clamps limit to pullLimitMax and accepts decimal strings from a URL query', () => {
    const core = coreWithHistory();
    const body = core.pull('alice', { cursor: '1', limit: '10000' }, 20).body as PullResponse;
    expect(body.changes.map((c) => c.origin.queueId)).toEqual(['q3', 'n0', 'n1']);
    expect(body).toMatchObject({ cursor: 5, hasMore: true });
  });

  it('a cursor beyond the end (or from another epoch) comes back unchanged with nothing', () => {
    const core = coreWithHistory();
    expect(core.pull('alice', { cursor: 500, limit: 5 }, 20).body).toEqual({ epoch: 'e1', changes: [], cursor: 500, hasMore: false, serverTime: 20 });
    expect(core.pull('nobody', { cursor: 0, limit: 5 }, 20).body).toEqual({ epoch: 'e1', changes: [], cursor: 0, hasMore: false, serverTime: 20 });
  });

  it.each([
    ['cursor', { cursor: -1, limit: 5 }],
    ['cursor', { cursor: '1.5', limit: 5 }],
    ['cursor', { cursor: ' 1', limit: 5 }],
    ['cursor', { cursor: '0x10', limit: 5 }],
    ['cursor', { cursor: undefined, limit: 5 }],
    ['cursor', { cursor: 2 ** 53, limit: 5 }],
    ['cursor', { cursor: ['1'], limit: 5 }],
    ['limit', { cursor: 0, limit: 0 }],
    ['limit', { cursor: 0, limit: 10_001 }],
    ['limit', { cursor: '0', limit: '' }],
    ['limit', { cursor: 0, limit: null }],
    ['limit', { cursor: 0, limit: 2.5 }],
  ])('rejects a bad %s with a 400 naming it (%j)', (field, query) => {
    const reply = coreWithHistory().pull('alice', query, 20);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'bad_request', field });
    expect((reply.body as ErrorBody).message).toMatch(new RegExp(`^${field} should be an integer`));
  });
});

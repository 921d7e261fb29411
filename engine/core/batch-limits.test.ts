// Batch limits of a push: item and byte caps (by the engine's own estimate), one item per
// entity, an oversized item alone; 413 halves the batch, a whole-request 400 isolates the
// item at fault and dead-letters it alone.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { PushItem, PushRequest } from '../protocol.ts';
import { entityKey } from '../protocol.ts';
import { CoreHarness, ackAll, eventsOfType, http } from '../testing/core-harness.ts';

const SEED = 20261201;
/** The engine's size estimate of one item: JSON length of its payload plus a fixed 160. */
const itemBytes = (item: PushItem): number => JSON.stringify(item.payload).length + 160;
const requestBytes = (request: PushRequest): number => request.items.reduce((sum, item) => sum + itemBytes(item), 0);

/** An offline core with `ops` written (entity index, payload size), then brought online. */
function queued(options: { batchItemsMax: number; batchBytesMax: number }, ops: readonly { entity: number; size: number }[]): CoreHarness {
  const h = CoreHarness.started({ ...options, coalesce: false }, { online: false });
  const made = new Set<number>();
  for (const op of ops) {
    const fields = { text: 'x'.repeat(op.size) };
    const reply = CoreHarness.reply(h.write(made.has(op.entity) ? 'update' : 'create', `e${op.entity}`, fields));
    assert.ok(reply.ok);
    made.add(op.entity);
  }
  h.step({ type: 'connectivity', online: true });
  h.answerPullEmpty();
  return h;
}

describe('batch limits', () => {
  it('every push respects batchItemsMax, batchBytesMax (an oversized item alone) and one item per entity', () => {
    const opArb = fc.record({ entity: fc.integer({ min: 0, max: 11 }), size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 3000 })) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 256, max: 2500 }), fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), (batchItemsMax, batchBytesMax, ops) => {
        const h = queued({ batchItemsMax, batchBytesMax }, ops);
        const acked = new Set<string>();
        for (let pushes = 0; h.push !== null; pushes++) {
          assert.ok(pushes <= ops.length, 'more pushes than items');
          const { items } = h.push.request;
          assert.ok(items.length <= batchItemsMax, `${items.length} items > batchItemsMax ${batchItemsMax}`);
          if (items.length > 1) assert.ok(requestBytes(h.push.request) <= batchBytesMax, `${requestBytes(h.push.request)} bytes > batchBytesMax ${batchBytesMax}`);
          const entities = items.map((i) => entityKey(i.entityType, i.entityId));
          assert.equal(new Set(entities).size, entities.length, 'two items of one entity in a push');
          for (const item of items) acked.add(item.queueId);
          h.answerPush(ackAll(h.push.request));
        }
        assert.equal(acked.size, ops.length);
        assert.equal(h.core.queueLength(), 0);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('an item larger than batchBytesMax still goes, alone', () => {
    const h = queued({ batchItemsMax: 10, batchBytesMax: 300 }, [
      { entity: 1, size: 10 },
      { entity: 2, size: 1000 },
      { entity: 3, size: 10 },
    ]);
    const sizes: string[][] = [];
    while (h.push !== null) {
      sizes.push(h.push.request.items.map((i) => i.entityId));
      h.answerPush(ackAll(h.push.request));
    }
    expect(sizes).toEqual([['e1'], ['e2'], ['e3']]);
  });

  it('413 halves the batch until one item, which is dead-lettered as too_large; success grows it back', () => {
    const h = queued({ batchItemsMax: 8, batchBytesMax: 100_000 }, Array.from({ length: 8 }, (_, i) => ({ entity: i, size: 5 })));
    const trace: number[] = [];
    for (let i = 0; i < 4; i++) {
      trace.push(h.push!.request.items.length);
      h.answerPush(http(413));
    }
    const [dead] = h.core.deadLetters();
    expect(dead).toMatchObject({ queueId: 'me:1', code: 'too_large', item: { payload: { text: 'xxxxx' } } });
    while (h.push !== null) {
      trace.push(h.push.request.items.length);
      h.answerPush(ackAll(h.push.request));
    }
    expect(trace).toEqual([8, 4, 2, 1, 1, 2, 4]);
    expect(h.core.queueLength()).toBe(0);
  });

  it('a whole-request 400 isolates the items one by one and dead-letters only the one at fault', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.integer({ min: 1, max: 6 }), (count, badAt, batchItemsMax) => {
        const h = queued({ batchItemsMax, batchBytesMax: 100_000 }, Array.from({ length: count }, (_, i) => ({ entity: i % 5, size: i })));
        const bad = `me:${(badAt % count) + 1}`;
        let refused = false;
        for (let pushes = 0; h.push !== null; pushes++) {
          assert.ok(pushes < 3 * count, 'the isolation does not end');
          const { items } = h.push.request;
          if (refused) assert.equal(items.length, 1, 'right after a 400 the items go one at a time');
          refused = items.some((i) => i.queueId === bad);
          h.answerPush(refused ? http(400) : ackAll(h.push.request));
        }
        const dead = h.core.deadLetters();
        assert.deepEqual(dead.map((d) => [d.queueId, d.code]), [[bad, 'http_400']]);
        assert.deepEqual(dead[0]!.item.payload, { text: 'x'.repeat(Number(bad.slice(3)) - 1) });
        const acked = eventsOfType(h.log, 'acked');
        assert.equal(acked.length, count - 1);
        // A 400 caused by a neighbour is no attempt of the good items: they never back off for it.
        assert.deepEqual(acked.filter((a) => a.attempts !== 1), []);
        assert.equal(h.core.queueLength(), 0);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

// Validation: malformed bodies and items never throw, always give a 400/413 naming the field or
// an invalid_item result naming it, and leave the state exactly as it was.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorBody, PushItemResult, PushResponse } from '../../engine/protocol.ts';
import { FC_SEED, makeItem, newCore, stateData } from './testkit.ts';

const ITEM_FIELDS = ['action', 'seq', 'entityType', 'entityId', 'baseRevision', 'payload', 'baseFields', 'clientTime', 'stamp'] as const;

function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { x: value };
  return value;
}

/** Values that are wrong for the field named (each case hand-picked to be invalid there). */
const BAD_VALUES: Record<(typeof ITEM_FIELDS)[number], readonly unknown[]> = {
  action: ['CREATE', '', 'upsert', 1, null, undefined, ['create']],
  seq: [-1, 1.5, Number.NaN, '3', null, undefined, 2 ** 53, 10n],
  entityType: ['', 'x'.repeat(257), 5, null, undefined, {}],
  entityId: ['', 'y'.repeat(300), 0, null, undefined, Symbol('id')],
  baseRevision: [0, -1, 1.5, 'x', undefined, Number.NaN, {}, '1'],
  payload: [null, [], 'text', 5, undefined, { a: undefined }, { a: Number.NaN }, { a: { b: [Infinity] } }, new Date(0), { f: () => 1 }, deep(70), new Map(), Object.assign(Object.create({ inherited: 1 }) as object, { a: 1 })],
  baseFields: [null, [], 'text', { a: undefined }, { big: 1n }],
  clientTime: [Number.NaN, Infinity, -Infinity, '5', null, undefined],
  stamp: [5, '', null, {}, 's'.repeat(257)],
};

const badItemArb = fc
  .constantFrom(...ITEM_FIELDS)
  .chain((field) => fc.record({ field: fc.constant(field), value: fc.constantFrom(...BAD_VALUES[field]), index: fc.nat(3) }));

describe('push validation (properties)', () => {
  it('an item with one bad field gets invalid_item naming it; the state does not change', () => {
    fc.assert(
      fc.property(fc.array(badItemArb, { minLength: 1, maxLength: 5 }), (bads) => {
        const core = newCore();
        core.push('alice', { clientId: 'c1', items: [makeItem({ queueId: 'base' })] }, 1);
        const before = stateData(core);
        const items = bads.map(({ field, value }, i) => makeItem({ queueId: `bad${i}`, action: 'update', baseRevision: 1, [field]: value }));
        const { reply, applied } = core.push('alice', { clientId: 'c1', items }, 2);
        expect(reply.status).toBe(200);
        (reply.body as PushResponse).results.forEach((result, i) => {
          expect(result).toMatchObject({ queueId: `bad${i}`, status: 'error', code: 'invalid_item', retryable: false });
          expect((result as { message: string }).message.startsWith(`items[${i}].${bads[i]!.field}`)).toBe(true);
        });
        expect(applied).toEqual([]);
        expect(stateData(core)).toEqual(before);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it('any value in any item field never throws; if refused, the result names that field', () => {
    const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true });
    fc.assert(
      fc.property(fc.constantFrom(...ITEM_FIELDS), anything, (field, value) => {
        const core = newCore();
        const before = stateData(core);
        const { reply, applied } = core.push('alice', { clientId: 'c1', items: [makeItem({ [field]: value })] }, 2);
        const result = (reply.body as PushResponse).results[0] as PushItemResult;
        if (result.status === 'error') {
          expect(result.message.startsWith(`items[0].${field}`)).toBe(true);
          expect(applied).toEqual([]);
          expect(stateData(core)).toEqual(before);
        } else {
          expect(['ok', 'conflict']).toContain(result.status);
        }
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it('a malformed body never throws and is a 400 naming a field, with nothing changed', () => {
    const envelopeArb = fc.oneof(
      fc.anything({ withBigInt: true, withNullPrototype: true }).map((body) => ({ body, field: null })),
      fc.constantFrom(null, '', 0, [], {}).map((clientId) => ({ body: { clientId, items: [] }, field: 'clientId' })),
      fc.constantFrom(null, {}, 'x', 3).map((items) => ({ body: { clientId: 'c1', items }, field: 'items' })),
      fc.constantFrom(null, 'x', [], 1).map((item) => ({ body: { clientId: 'c1', items: [makeItem(), item] }, field: 'items[1]' })),
      fc.constantFrom(undefined, '', 7, null, 'q'.repeat(257)).map((queueId) => ({ body: { clientId: 'c1', items: [makeItem({ queueId })] }, field: 'items[0].queueId' })),
    );
    fc.assert(
      fc.property(envelopeArb, ({ body, field }) => {
        const core = newCore();
        const before = stateData(core);
        const { reply, applied } = core.push('alice', body, 3);
        expect(applied).toEqual([]);
        expect(stateData(core)).toEqual(before);
        if (reply.status === 200) return; // fc.anything() may hit a well-formed empty batch
        expect(reply.status).toBe(400);
        expect(reply.body).toMatchObject({ error: 'bad_request' });
        const error = reply.body as ErrorBody;
        if (field !== null) expect(error.field).toBe(field);
        expect(error.message.startsWith(`${error.field} should be`)).toBe(true);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe('push validation', () => {
  it('names the field and the value in the message', () => {
    const core = newCore();
    const items = [makeItem({ queueId: 'q0' }), makeItem({ queueId: 'q1', entityId: 'b' }), makeItem({ queueId: 'q2', baseRevision: 'x' })];
    const result = (core.push('alice', { clientId: 'c1', items }, 1).reply.body as PushResponse).results[2];
    expect(result).toEqual({
      queueId: 'q2',
      status: 'error',
      code: 'invalid_item',
      retryable: false,
      message: 'items[2].baseRevision should be an integer >= 1 or null, got "x"',
    });
  });

  it('points at the bad value inside a payload', () => {
    const item = makeItem({ payload: { list: [1, { deep: Number.NaN }] } });
    const result = (newCore().push('alice', { clientId: 'c1', items: [item] }, 1).reply.body as PushResponse).results[0];
    expect(result).toMatchObject({ message: expect.stringMatching(/^items\[0\]\.payload\.list\[1\]\.deep should be a JSON value.*got NaN$/) });
  });

  it('refuses more than batchItemsMax items with a 413 before looking at them', () => {
    const core = newCore({ batchItemsMax: 3 });
    const { reply, applied } = core.push('alice', { clientId: 'c1', items: [makeItem(), 1, 2, 3] }, 1);
    expect(reply).toEqual({ status: 413, body: { error: 'batch_too_large', field: 'items', message: 'items should hold at most 3 items, got 4' } });
    expect(applied).toEqual([]);
    expect(core.push('alice', { clientId: 'c1', items: [makeItem(), makeItem({ queueId: 'q2', entityId: 'b' }), makeItem({ queueId: 'q3', entityId: 'c' })] }, 1).reply.status).toBe(200);
  });

  it('a whole-request problem applies none of the valid items before it', () => {
    const core = newCore();
    const { reply } = core.push('alice', { clientId: 'c1', items: [makeItem(), { queueId: 5 }] }, 1);
    expect(reply.body).toMatchObject({ error: 'bad_request', field: 'items[1].queueId', message: 'items[1].queueId should be a non-empty string of at most 256 characters, got 5' });
    expect(core.appliedCount()).toBe(0);
  });
});

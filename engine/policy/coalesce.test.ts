// Properties of coalescing, checked against the rules in coalesce.ts's header: the pairwise
// rule table (with sent / paused / tried items left alone), and model-based folds of one
// entity's op sequence whose net effect must equal applying every op in turn.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action, Fields } from '../protocol.ts';
import type { QueueItem } from '../model.ts';
import { coalesce, type CoalesceResult, type NewOp } from './coalesce.ts';
import { applyDelta } from './fields.ts';
import { anyFlagsArb, fieldsArb, queueItemArb, RUNS, SEED, timeMsArb, unsentFlagsArb } from '../testing/arbitraries.ts';

const params = { seed: SEED, numRuns: RUNS };

const newOpArb = (action: fc.Arbitrary<Action>): fc.Arbitrary<NewOp> =>
  fc
    .record({ action, payload: fieldsArb, createdAt: timeMsArb, stamp: fc.option(fc.constantFrom('s1', 's2'), { nil: null }) })
    .map((op) => (op.action === 'delete' ? { ...op, payload: {} } : op));

/** One entity's state after an op: its fields, or null when absent or deleted. */
function applyOp(state: Fields | null, op: { readonly action: Action; readonly payload: Fields }): Fields | null {
  switch (op.action) {
    case 'create':
      return op.payload;
    case 'update':
      return applyDelta(state ?? {}, op.payload);
    case 'delete':
      return null;
  }
}

const isUntouchable = (item: QueueItem): boolean => item.sent || item.paused || item.attempts > 0;

interface Step {
  readonly op: NewOp;
  /** Flags the item holding this op gets afterwards (a push or a conflict pause in between). */
  readonly flagsAfter: { sent: boolean; paused: boolean; attempts: number };
}

/**
 * One entity's op sequence: a create (entity new) or an update (entity exists on the server),
 * then updates, then maybe a delete.
 */
const sequenceArb = (flags: fc.Arbitrary<Step['flagsAfter']>) =>
  fc
    .record({
      first: newOpArb(fc.constantFrom('create', 'update')),
      initial: fieldsArb,
      updates: fc.array(newOpArb(fc.constant('update')), { maxLength: 6 }),
      last: fc.option(newOpArb(fc.constant('delete')), { nil: null }),
    })
    .chain(({ first, initial, updates, last }) => {
      const ops = [first, ...updates, ...(last === null ? [] : [last])];
      return fc.record({
        initial: fc.constant(first.action === 'create' ? null : initial),
        steps: fc.tuple(...ops.map((op) => fc.record({ op: fc.constant(op), flagsAfter: flags }))),
      });
    });

/** The engine's use of coalesce for one entity, with items flagged between ops as `steps` say. */
function fold(steps: readonly Step[], untouchedCheck: (before: readonly QueueItem[], after: readonly QueueItem[]) => void): QueueItem[] {
  let queue: QueueItem[] = [];
  steps.forEach(({ op, flagsAfter }, i) => {
    const before = queue;
    const last = queue.at(-1);
    const result: CoalesceResult = last === undefined ? { kind: 'append' } : coalesce(last, op);
    if (result.kind === 'append') queue = [...queue, itemOf(op, i)];
    else if (result.kind === 'replace') queue = [...queue.slice(0, -1), result.item];
    else queue = queue.slice(0, -1);
    untouchedCheck(before, queue);
    const top = queue.at(-1);
    if (top !== undefined && !isUntouchable(top)) queue = [...queue.slice(0, -1), { ...top, ...flagsAfter }];
  });
  return queue;
}

function itemOf(op: NewOp, i: number): QueueItem {
  return {
    queueId: `q${i}`,
    seq: i + 1,
    entityType: 'todo',
    entityId: 'e1',
    action: op.action,
    payload: op.payload,
    baseRevision: op.action === 'create' ? null : 1,
    baseFields: op.action === 'create' ? null : {},
    createdAt: op.createdAt,
    stamp: op.stamp,
    attempts: 0,
    nextAttemptAt: 0,
    priority: 0,
    paused: false,
    sent: false,
    lastError: null,
  };
}

const effectOf = (initial: Fields | null, ops: readonly { readonly action: Action; readonly payload: Fields }[]): Fields | null =>
  ops.reduce(applyOp, initial);

describe('coalesce rule table', () => {
  const pairArb = fc.tuple(queueItemArb({ flags: anyFlagsArb }), newOpArb(fc.constantFrom('create', 'update', 'delete')));

  it('an item that is sent, paused or has attempts > 0 is never touched (append)', () => {
    // Each of the three reasons alone, and any mix of them.
    const flaggedArb = fc.oneof(
      fc.constant({ sent: true, paused: false, attempts: 0 }),
      fc.constant({ sent: false, paused: true, attempts: 0 }),
      fc.record({ sent: fc.constant(false), paused: fc.constant(false), attempts: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ sent: fc.boolean(), paused: fc.boolean(), attempts: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(queueItemArb({ flags: flaggedArb }), newOpArb(fc.constantFrom('create', 'update', 'delete')), (last, next) => {
        expect(coalesce(last, next)).toEqual({ kind: 'append' });
      }),
      params,
    );
  });

  it('each (last, next) pair follows the header rules and keeps the identity of the queued item', () => {
    fc.assert(
      fc.property(pairArb, ([last, next]) => {
        const result = coalesce(last, next);
        if (isUntouchable(last)) return void expect(result).toEqual({ kind: 'append' });
        const restamped = { ...last, createdAt: next.createdAt, stamp: next.stamp };
        if (next.action === 'update' && last.action !== 'delete') {
          // create+update → create with the merged full payload; update+update → one delta, later keys win.
          expect(result).toEqual({ kind: 'replace', item: { ...restamped, payload: { ...last.payload, ...next.payload } } });
        } else if (next.action === 'delete' && last.action === 'create') {
          expect(result).toEqual({ kind: 'remove' });
        } else if (next.action === 'delete' && last.action === 'update') {
          expect(result).toEqual({ kind: 'replace', item: { ...restamped, action: 'delete', payload: {} } });
        } else {
          // Nothing merges into a delete, and a create never merges into anything.
          expect(result).toEqual({ kind: 'append' });
        }
      }),
      params,
    );
  });

  it('coalescing never mutates the queued item or the new op', () => {
    fc.assert(
      fc.property(pairArb, ([last, next]) => {
        const [lastCopy, nextCopy] = [structuredClone(last), structuredClone(next)];
        coalesce(deepFreeze(last), deepFreeze(next));
        expect(last).toEqual(lastCopy);
        expect(next).toEqual(nextCopy);
      }),
      params,
    );
  });
});

describe('coalesce folds of one entity', () => {
  it('unsent ops fold into at most one item whose effect equals applying every op in turn', () => {
    fc.assert(
      fc.property(sequenceArb(unsentFlagsArb), ({ initial, steps }) => {
        const queue = fold(steps, () => {});
        const ops = steps.map((s) => s.op);
        const first = ops[0]!;
        const deleted = ops.at(-1)!.action === 'delete';
        // create…delete vanishes; anything else is one item carrying the first op's identity.
        expect(queue.length).toBe(first.action === 'create' && deleted ? 0 : 1);
        if (queue.length === 1) {
          expect(queue[0]).toMatchObject({ queueId: 'q0', seq: 1, createdAt: ops.at(-1)!.createdAt, stamp: ops.at(-1)!.stamp });
          expect(queue[0]!.action).toBe(deleted ? 'delete' : first.action);
        }
        expect(effectOf(initial, queue)).toEqual(effectOf(initial, ops));
      }),
      params,
    );
  });

  it('with items sent, paused or tried in between, those items stay as they were and the net effect is unchanged', () => {
    fc.assert(
      fc.property(sequenceArb(anyFlagsArb), ({ initial, steps }) => {
        const queue = fold(steps, (before, after) => {
          // Every untouchable item of the queue before the op is still there, identical, in place.
          before.forEach((item, i) => {
            if (isUntouchable(item)) expect(after[i]).toBe(item);
          });
        });
        expect(effectOf(initial, queue)).toEqual(effectOf(initial, steps.map((s) => s.op)));
        // Coalescing only ever merges into the newest unsent item: at most one per run of untouchables.
        expect(queue.filter((item, i) => !isUntouchable(item) && i < queue.length - 1)).toEqual([]);
      }),
      params,
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

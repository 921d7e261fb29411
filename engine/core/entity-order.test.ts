// Per-entity ordering: the items of one entity go out in seq order, only as the entity's head
// (never while an earlier item of it is queued), and one entity in backoff holds up no other.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { entityKey } from '../protocol.ts';
import type { PushItemResult } from '../protocol.ts';
import type { CoreEffect } from './types.ts';
import { CoreHarness, acked, ackAll, failed, http, pushAnswer, pushesOf, timedOut } from '../testing/core-harness.ts';

const SEED = 20261202;
const ENTITIES = 4;

type Command =
  | { readonly tag: 'write'; readonly entity: number }
  | { readonly tag: 'delete'; readonly entity: number }
  | { readonly tag: 'answer'; readonly outcome: 'ok' | '503' | 'timeout' | 'mixed'; readonly mask: number }
  | { readonly tag: 'advance'; readonly ms: number };

const entityArb = fc.integer({ min: 0, max: ENTITIES - 1 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ tag: fc.constant('write' as const), entity: entityArb }) },
  { weight: 1, arbitrary: fc.record({ tag: fc.constant('delete' as const), entity: entityArb }) },
  { weight: 4, arbitrary: fc.record({ tag: fc.constant('answer' as const), outcome: fc.constantFrom('ok' as const, '503' as const, 'timeout' as const, 'mixed' as const), mask: fc.nat(255) }) },
  { weight: 3, arbitrary: fc.record({ tag: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 8000 }) }) },
);

/** Replays commands against a core and checks the ordering rules on every push it makes. */
class OrderChecker {
  readonly h = CoreHarness.started({ requestTimeoutMs: 10_000 }, { seed: 7 });
  private readonly lastSentSeq = new Map<string, number>();
  private readonly revisions = new Map<string, number>();
  private counter = 0;

  run(command: Command): void {
    const h = this.h;
    let effects: CoreEffect[] = [];
    if (command.tag === 'write') {
      const record = h.core.get('todo', `e${command.entity}`);
      if (record?.deleted !== true) effects = h.write(record === undefined ? 'create' : 'update', `e${command.entity}`, { v: ++this.counter });
    } else if (command.tag === 'delete') {
      if (h.core.get('todo', `e${command.entity}`)?.deleted === false) effects = h.write('delete', `e${command.entity}`);
    } else if (command.tag === 'answer') {
      if (h.push !== null) effects = h.answerPush(this.answer(command.outcome, command.mask));
    } else {
      effects = h.advance(command.ms);
    }
    effects.push(...h.answerPullEmpty());
    for (const push of pushesOf(effects)) this.checkPush(push.request.items);
    this.checkNothingEligibleIsLeftWaiting();
  }

  private answer(outcome: Extract<Command, { tag: 'answer' }>['outcome'], mask: number) {
    const request = this.h.push!.request;
    if (outcome === '503') return http(503);
    if (outcome === 'timeout') return timedOut;
    const results: PushItemResult[] = [];
    request.items.forEach((item, i) => {
      const bit = outcome === 'ok' ? 0 : (mask >> (i % 8)) & 3;
      if (bit === 1) results.push(failed(item, 'unavailable', true));
      else if (bit === 2) return; // no result for the item: retried like a transient failure
      else results.push(acked(item, this.nextRevision(entityKey(item.entityType, item.entityId))));
    });
    return pushAnswer(results);
  }

  private nextRevision(key: string): number {
    const revision = (this.revisions.get(key) ?? 0) + 1;
    this.revisions.set(key, revision);
    return revision;
  }

  private checkPush(items: readonly { entityType: string; entityId: string; seq: number }[]): void {
    const queue = this.h.queue();
    for (const item of items) {
      const key = entityKey(item.entityType, item.entityId);
      const earlier = queue.filter((q) => entityKey(q.entityType, q.entityId) === key && q.seq < item.seq);
      assert.deepEqual(earlier, [], `item seq ${item.seq} of ${key} sent while an earlier one is queued`);
      assert.ok(item.seq >= (this.lastSentSeq.get(key) ?? 0), `item seq ${item.seq} of ${key} sent after seq ${this.lastSentSeq.get(key)}`);
      this.lastSentSeq.set(key, item.seq);
    }
  }

  /** With no push in flight, no entity's head may be due: the core sends as soon as one is. */
  private checkNothingEligibleIsLeftWaiting(): void {
    const h = this.h;
    if (h.push !== null) return;
    const heads = new Map<string, { seq: number; nextAttemptAt: number; paused: boolean }>();
    for (const item of h.queue()) {
      const key = entityKey(item.entityType, item.entityId);
      if (!heads.has(key) || heads.get(key)!.seq > item.seq) heads.set(key, item);
    }
    for (const [key, head] of heads) {
      if (!head.paused) assert.ok(head.nextAttemptAt > h.now, `head seq ${head.seq} of ${key} is due but nothing is in flight`);
    }
  }
}

describe('per-entity ordering', () => {
  it('items of one entity are sent in seq order, never while an earlier one is queued; no due head is left waiting', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 10, maxLength: 80, size: 'max' }), (commands) => {
        const checker = new OrderChecker();
        for (const command of commands) checker.run(command);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('an entity in backoff holds back its later items but not other entities', () => {
    const h = CoreHarness.started({ jitter: 'none' });
    h.answerPullEmpty();
    h.write('create', 'x', { v: 1 });
    expect(h.push!.request.items.map((i) => i.queueId)).toEqual(['me:1']);
    h.write('update', 'x', { v: 2 }); // the create is in flight: a new item
    h.answerPush(http(503));
    expect(h.push).toBeNull(); // x's head backs off 1 s, and its update waits behind it

    h.write('create', 'y', { v: 1 });
    expect(h.push!.request.items.map((i) => i.entityId)).toEqual(['y']);
    h.answerPush(ackAll(h.push!.request));

    h.advance(999);
    expect(h.push).toBeNull();
    h.advance(1);
    expect(h.push!.request.items.map((i) => i.queueId)).toEqual(['me:1']);
    h.answerPush(ackAll(h.push!.request));
    expect(h.push!.request.items.map((i) => [i.queueId, i.baseRevision])).toEqual([['me:2', 1]]);
  });
});

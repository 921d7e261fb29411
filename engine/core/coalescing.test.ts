// Coalescing at the core: ops of one entity not yet sent merge (create+update → one create,
// create+delete → nothing), but an item that was sent — or loaded after a restart, when
// nobody knows whether it was — is never rewritten: the server may have applied it.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { Action, Fields } from '../protocol.ts';
import { applyDelta } from '../policy/fields.ts';
import { CoreHarness, ackAll, http, pushesOf, timedOut } from '../testing/core-harness.ts';

const SEED = 20261208;

describe('coalescing at the core', () => {
  it('create then update before sending is one create item with the merged fields', () => {
    const h = CoreHarness.started({}, { online: false });
    const created = CoreHarness.reply(h.write('create', 'a', { title: 't1', note: 'n' }));
    const updated = CoreHarness.reply(h.write('update', 'a', { title: 't2' }));
    expect(updated).toEqual(created);
    expect(h.queue()).toMatchObject([{ queueId: 'me:1', action: 'create', payload: { title: 't2', note: 'n' } }]);
    h.step({ type: 'connectivity', online: true });
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'create', payload: { title: 't2', note: 'n' } }]);
  });

  it('create then delete before sending leaves nothing queued and the entity gone', () => {
    const h = CoreHarness.started({}, { online: false });
    h.write('create', 'a', { title: 't1' });
    expect(CoreHarness.reply(h.write('delete', 'a'))).toEqual({ ok: true, queueId: null });
    expect([h.core.queueLength(), h.core.get('todo', 'a')]).toEqual([0, undefined]);
    expect([h.store.sync_queue.size, h.store.entities.size]).toEqual([0, 0]);
    expect(pushesOf(h.step({ type: 'connectivity', online: true }))).toEqual([]);
  });

  it('an item in flight is not rewritten: a later op is a new item', () => {
    const h = CoreHarness.started();
    h.answerPullEmpty();
    h.write('create', 'a', { title: 't1' });
    expect(h.push).not.toBeNull();
    h.write('update', 'a', { title: 't2' });
    expect(h.queue().map((q) => [q.queueId, q.action, q.payload])).toEqual([
      ['me:1', 'create', { title: 't1' }],
      ['me:2', 'update', { title: 't2' }],
    ]);
  });

  it('an item sent and failed (it may have been applied) is not rewritten', () => {
    const h = CoreHarness.started();
    h.answerPullEmpty();
    h.write('create', 'a', { title: 't1' });
    h.answerPush(timedOut);
    h.write('delete', 'a');
    expect(h.queue().map((q) => [q.queueId, q.action, q.payload])).toEqual([
      ['me:1', 'create', { title: 't1' }],
      ['me:2', 'delete', {}],
    ]);
  });

  it('an item loaded after a restart is not rewritten', () => {
    const h = CoreHarness.started({}, { online: false });
    h.write('create', 'a', { title: 't1' });
    h.restart(false);
    h.write('update', 'a', { title: 't2' });
    expect(h.queue().map((q) => [q.queueId, q.action, q.payload])).toEqual([
      ['me:1', 'create', { title: 't1' }],
      ['me:2', 'update', { title: 't2' }],
    ]);
  });

  it('property: a sent or reloaded item never changes while queued, and the view is every op applied in turn', () => {
    type Command = { readonly tag: 'write'; readonly action: 'upsert' | 'delete'; readonly v: number } | { readonly tag: 'online' | 'answer-ok' | 'answer-503' | 'answer-timeout' | 'restart' };
    const commandArb: fc.Arbitrary<Command> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ tag: fc.constant('write' as const), action: fc.constantFrom('upsert' as const, 'upsert' as const, 'delete' as const), v: fc.nat(9) }) },
      { weight: 3, arbitrary: fc.constantFrom<Command>({ tag: 'online' }, { tag: 'answer-ok' }, { tag: 'answer-503' }, { tag: 'answer-timeout' }, { tag: 'restart' }) },
    );
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 30, size: 'max' }), (commands) => {
        const h = CoreHarness.started({}, { online: false });
        const frozen = new Map<string, string>(); // queueId → action+payload when first sent or reloaded
        let model: { fields: Fields; deleted: boolean } | null = null;
        let revision = 0;
        const freeze = (ids: Iterable<{ queueId: string; action: Action; payload: Fields }>) => {
          for (const q of ids) if (!frozen.has(q.queueId)) frozen.set(q.queueId, JSON.stringify([q.action, q.payload]));
        };
        for (const command of commands) {
          if (command.tag === 'write') {
            const action: Action = command.action === 'delete' ? 'delete' : model === null ? 'create' : 'update';
            const fields: Fields = action === 'delete' ? {} : action === 'create' ? { v: command.v, k: command.v } : { v: command.v };
            if (CoreHarness.reply(h.write(action, 'a', fields)).ok) {
              const before: Fields = model?.fields ?? {};
              model = action === 'delete' ? { fields: {}, deleted: true } : { fields: applyDelta(before, fields), deleted: false };
            }
          } else if (command.tag === 'online') h.step({ type: 'connectivity', online: true });
          else if (command.tag === 'restart') {
            h.restart(false);
            freeze(h.queue());
          } else if (h.push !== null) {
            const outcome = command.tag === 'answer-ok' ? ackAll(h.push.request, () => ++revision) : command.tag === 'answer-503' ? http(503) : timedOut;
            h.answerPush(outcome);
          }
          h.answerPullEmpty();
          if (h.push !== null) freeze(h.push.request.items);
          for (const q of h.queue()) if (frozen.has(q.queueId)) assert.equal(JSON.stringify([q.action, q.payload]), frozen.get(q.queueId), `sent item ${q.queueId} was rewritten`);
          const record = h.core.get('todo', 'a');
          if (model === null || (model.deleted && record === undefined)) continue; // a create cancelled by its delete, or a confirmed tombstone
          assert.deepEqual([record?.fields, record?.deleted], [model.fields, model.deleted]);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// Atomic write+enqueue: a local write changes the entity and the queue in ONE commit, answered
// only after it. So a storage failure (or a crash) leaves neither half, and the caller hears so.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { entityKey } from '../protocol.ts';
import type { WriteOp } from '../model.ts';
import { StorageError, type TransportPort } from '../ports.ts';
import { SyncEngine } from '../engine.ts';
import { MemoryStorage } from '../adapters/memory-storage.ts';
import { ManualConnectivity, StaticTokenProvider } from '../adapters/real.ts';
import { seededRandom } from '../adapters/seeded-random.ts';
import { ManualTime } from '../testing/manual-time.ts';
import { CoreHarness, ackAll, commitsOf } from '../testing/core-harness.ts';

const SEED = 20261204;

const offlineTransport: TransportPort = {
  push: () => Promise.reject(new Error('offline: no push expected')),
  pull: () => Promise.reject(new Error('offline: no pull expected')),
};

/** An offline engine over memory storage whose next commit touching the queue fails once `failNextWrite` is set. */
async function openEngine(): Promise<{ engine: SyncEngine; storage: MemoryStorage; failNextWrite: () => void }> {
  let armed = false;
  const failCommitAt = (_index: number, ops: readonly WriteOp[]): StorageError | null => {
    if (!armed || !ops.some((op) => op.box === 'sync_queue')) return null;
    armed = false;
    return new StorageError('io', 'disk failed (test)');
  };
  const time = new ManualTime(1_000_000);
  const storage = new MemoryStorage({ failCommitAt });
  const engine = await SyncEngine.open(
    { clientId: 'me', syncIntervalMs: 0 },
    { clock: time, timers: time, random: seededRandom(1), storage, transport: offlineTransport, connectivity: new ManualConnectivity(false), tokens: new StaticTokenProvider(async () => 'token') },
  );
  return { engine, storage, failNextWrite: () => (armed = true) };
}

describe('atomic write+enqueue', () => {
  it('a storage failure on a create leaves neither entity nor queue item, and the write rejects', async () => {
    const { engine, storage, failNextWrite } = await openEngine();
    failNextWrite();
    await expect(engine.write('create', 'todo', 'a', { title: 'lost' })).rejects.toBeInstanceOf(StorageError);
    await engine.idle();
    expect(engine.get('todo', 'a')).toBeUndefined();
    expect(engine.status().queueLength).toBe(0);
    const stored = await storage.load();
    expect([stored.entities.size, stored.sync_queue.size]).toEqual([0, 0]);

    await engine.write('create', 'todo', 'a', { title: 'again' }); // rebuilt from storage, the engine goes on
    expect(engine.get('todo', 'a')?.fields).toEqual({ title: 'again' });
    await engine.close();
  });

  it('a storage failure on an update leaves the entity and its queued item as they were', async () => {
    const { engine, storage, failNextWrite } = await openEngine();
    await engine.write('create', 'todo', 'a', { title: 'v1' });
    const before = await storage.load();
    failNextWrite();
    await expect(engine.write('update', 'todo', 'a', { title: 'v2' })).rejects.toBeInstanceOf(StorageError);
    await engine.idle();
    expect(engine.get('todo', 'a')?.fields).toEqual({ title: 'v1' });
    expect(engine.status().queueLength).toBe(1);
    const after = await storage.load();
    expect([...after.sync_queue]).toEqual([...before.sync_queue]);
    expect([...after.entities]).toEqual([...before.entities]);
    await engine.close();
  });

  it('every accepted write is one commit holding both the entity and the queue item, before its reply', () => {
    type Command = { readonly tag: 'write'; readonly entity: number; readonly kind: 'upsert' | 'delete' } | { readonly tag: 'ack' };
    const commandArb: fc.Arbitrary<Command> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ tag: fc.constant('write' as const), entity: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom('upsert' as const, 'delete' as const) }) },
      { weight: 1, arbitrary: fc.constant({ tag: 'ack' as const }) },
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(commandArb, { minLength: 1, maxLength: 40, size: 'max' }), (coalesce, commands) => {
        const h = CoreHarness.started({ coalesce });
        h.answerPullEmpty();
        let revision = 0;
        for (const command of commands) {
          if (command.tag === 'ack') {
            if (h.push !== null) h.answerPush(ackAll(h.push.request, () => ++revision));
            continue;
          }
          const id = `e${command.entity}`;
          const record = h.core.get('todo', id);
          const action = command.kind === 'delete' ? 'delete' : record === undefined ? 'create' : 'update';
          const effects = h.write(action, id, action === 'delete' ? {} : { n: revision });
          const replyAt = effects.findIndex((e) => e.type === 'reply');
          const reply = CoreHarness.reply(effects);
          const commits = commitsOf(effects);
          if (!reply.ok) {
            assert.deepEqual(commits, [], 'a refused write committed');
            continue;
          }
          assert.equal(commits.length, 1, `${action} of ${id}: ${commits.length} commits`);
          assert.ok(effects.indexOf(commits[0]!) < replyAt, 'the reply came before the commit');
          const ops = commits[0]!.ops;
          assert.ok(ops.some((op) => op.box === 'entities' && op.key === entityKey('todo', id)), 'the commit lacks the entity');
          if (reply.queueId !== null) assert.ok(ops.some((op) => op.box === 'sync_queue' && op.key === reply.queueId && op.value !== undefined), 'the commit lacks the queue item');
          else assert.ok(ops.some((op) => op.box === 'sync_queue' && op.value === undefined), 'create+delete: the commit does not remove the create');
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('a crash before the write commit leaves neither half; after it, both', () => {
    const h = CoreHarness.started({}, { online: false });
    h.write('create', 'a', { title: 'v1' });
    const store = h.snapshot();
    h.step({ type: 'write', opId: 99, action: 'update', entityType: 'todo', entityId: 'a', fields: { title: 'v2' } }, { keepCommits: 0 });
    expect(h.snapshot()).toEqual(store);
    expect(h.core.get('todo', 'a')?.fields).toEqual({ title: 'v1' });
    expect(h.queue().map((q) => q.payload)).toEqual([{ title: 'v1' }]);

    h.restart(false);
    h.step({ type: 'write', opId: 100, action: 'update', entityType: 'todo', entityId: 'a', fields: { title: 'v2' } }, { keepCommits: 1 });
    expect(h.core.get('todo', 'a')?.fields).toEqual({ title: 'v2' });
    expect(h.queue().map((q) => q.payload)).toEqual([{ title: 'v1' }, { title: 'v2' }]); // loaded items count as sent: no coalescing
  });
});

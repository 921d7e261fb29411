// Pull with rebase: a pulled change lands under pending local edits (they stay visible on
// top), a stale change is ignored, and a page's entities commit together with its cursor.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { METADATA_KEY, type SyncMetadata } from '../model.ts';
import { entityKey } from '../protocol.ts';
import { CoreHarness, acked, change, commitsOf, conflicted, eventsOfType, ok, pullPage, pullsOf, pushAnswer, serverState } from '../testing/core-harness.ts';

const SEED = 20261205;

/** A started core that knows 'a' at revision 1 from another client, with a local update of it in flight. */
function pendingEditOverRevision1(policy: 'field-merge' | 'client-wins' = 'field-merge'): CoreHarness {
  const h = CoreHarness.started({ conflictPolicy: policy });
  h.answerPull(ok(pullPage([change('a', 1, { title: 't0', note: 'n0' })], 1)));
  h.write('update', 'a', { title: 'mine' });
  expect(h.push?.request.items).toMatchObject([{ entityId: 'a', baseRevision: 1, payload: { title: 'mine' } }]);
  h.step({ type: 'sync' }); // a pull goes out beside the push in flight
  expect(h.pull).not.toBeNull();
  return h;
}

describe('pull with rebase', () => {
  it('a pulled change under a pending update keeps the local edit visible on top', () => {
    const h = pendingEditOverRevision1();
    h.answerPull(ok(pullPage([change('a', 2, { title: 't0', note: 'n1' })], 2)));
    const record = h.core.get('todo', 'a')!;
    expect(record.fields).toEqual({ title: 'mine', note: 'n1' });
    expect(record.server).toMatchObject({ revision: 2, fields: { title: 't0', note: 'n1' } });
    expect(h.queue()).toHaveLength(1);
  });

  it('after the pending op is acked (re-sent on the pulled revision), the view is the server fields ⊕ its delta', () => {
    const h = pendingEditOverRevision1();
    h.answerPull(ok(pullPage([change('a', 2, { title: 't0', note: 'n1' })], 2)));
    const item = h.push!.request.items[0]!;
    h.answerPush(pushAnswer([conflicted(item, serverState(2, { title: 't0', note: 'n1' }))])); // field-merge: no clash
    expect(h.push?.request.items).toMatchObject([{ queueId: item.queueId, baseRevision: 2, payload: { title: 'mine' } }]);
    h.answerPush(pushAnswer([acked(h.push!.request.items[0]!, 3)]));
    const record = h.core.get('todo', 'a')!;
    expect(record.fields).toEqual({ title: 'mine', note: 'n1' });
    expect(record.server).toMatchObject({ revision: 3, fields: { title: 'mine', note: 'n1' } });
    expect(h.core.queueLength()).toBe(0);
  });

  it('a pulled change that is our own op, seen before its ack, leaves the view as server ⊕ delta after the ack', () => {
    const h = pendingEditOverRevision1();
    const item = h.push!.request.items[0]!;
    h.answerPull(ok(pullPage([change('a', 2, { title: 'mine', note: 'n0' }, { origin: { clientId: 'me', queueId: item.queueId } })], 2)));
    expect(h.core.get('todo', 'a')!.fields).toEqual({ title: 'mine', note: 'n0' });
    h.answerPush(pushAnswer([acked(item, 2)]));
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'mine', note: 'n0' }, server: { revision: 2 } });
  });

  it.each([
    ['older than', 3],
    ['at', 5],
  ])('a pulled change %s the known revision is ignored', (_label, revision) => {
    const h = CoreHarness.started();
    h.answerPull(ok(pullPage([change('a', 5, { title: 'r5' })], 5)));
    h.step({ type: 'sync' });
    const effects = h.answerPull(ok(pullPage([change('a', revision, { title: 'stale' })], 6)));
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'r5' }, server: { revision: 5 } });
    expect(eventsOfType(effects, 'applied')).toEqual([]);
    expect(h.core.cursor()).toBe(6);
  });

  it("a page's entities and its cursor are committed in one commit; a crash before it loses both", () => {
    const changeArb = fc.record({ entity: fc.integer({ min: 0, max: 5 }), revision: fc.integer({ min: 1, max: 9 }), v: fc.nat(99) });
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (page, crash) => {
        const h = CoreHarness.started();
        const changes = page.map((c) => change(`e${c.entity}`, c.revision, { v: c.v }));
        const pull = h.pull!;
        const effects = h.step({ type: 'pull-result', requestId: pull.requestId, outcome: ok(pullPage(changes, 40)) }, crash ? { keepCommits: 0 } : undefined);
        const commits = commitsOf(effects);
        assert.equal(commits.length, 1);
        const written = new Set(commits[0]!.ops.filter((op) => op.box === 'entities').map((op) => op.key));
        for (const c of changes) assert.ok(written.has(entityKey('todo', c.entityId)), `${c.entityId} is not in the cursor's commit`);
        const meta = commits[0]!.ops.find((op) => op.box === 'metadata' && op.key === METADATA_KEY)?.value as SyncMetadata | undefined;
        assert.equal(meta?.cursor, 40);
        if (!crash) return;
        assert.deepEqual([h.store.entities.size, (h.store.metadata.get(METADATA_KEY) as SyncMetadata).cursor], [0, 0]);
        assert.deepEqual(pullsOf(h.step({ type: 'start', online: true })).map((p) => p.query.cursor), [0]);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

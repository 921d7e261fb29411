// Epoch repair: when the server's epoch changes (reset or restore), the core pulls the whole
// restored state from cursor 0 without pushing, then re-enqueues each confirmed write of ours
// the restored state lacks and forgets the old-epoch base of other pending ops.

import { describe, expect, it } from 'vitest';
import { CoreHarness, ackAll, acked, change, conflicted, eventsOfType, http, ok, pullPage, pullsOf, pushAnswer, pushesOf, serverState } from '../testing/core-harness.ts';
import type { Change, Fields } from '../protocol.ts';
import type { CoreEffect } from './types.ts';

const E2 = 'E2';
const ours = (queueId: string) => ({ origin: { clientId: 'me', queueId } });

/**
 * 'a' (me:1) and 'b' (me:2) created and acked at revision 1 in epoch E1, 'c' pulled from
 * another client; then an update of 'b' (me:3) waits in backoff after a 503.
 */
function confirmedThenPending(): CoreHarness {
  const h = CoreHarness.started({ jitter: 'none', conflictPolicy: 'server-wins' });
  h.answerPull(ok(pullPage([change('c', 1, { z: 1 })], 1)));
  h.write('create', 'a', { x: 1 });
  h.write('create', 'b', { y: 1 });
  h.answerPush(ackAll(h.push!.request)); // a
  h.answerPush(ackAll(h.push!.request)); // b
  h.write('update', 'b', { y: 2 });
  h.answerPush(http(503));
  expect(h.queue()).toMatchObject([{ queueId: 'me:3', baseRevision: 1 }]);
  return h;
}

/** Answer the pull in flight with the restored state of epoch E2, one change per page. */
function restore(h: CoreHarness, changes: readonly Change[]): CoreEffect[] {
  const effects: CoreEffect[] = [];
  for (let i = 0; i < changes.length || i === 0; i++) {
    expect(h.pull?.query.cursor).toBe(i);
    effects.push(...h.answerPull(ok(pullPage(changes.slice(i, i + 1), i + 1, { epoch: E2, hasMore: i + 1 < changes.length }))));
  }
  return effects;
}

describe('epoch repair', () => {
  it('a new epoch in a pull re-pulls from cursor 0 and pushes nothing while repairing', () => {
    const h = confirmedThenPending();
    h.step({ type: 'sync' });
    const effects = h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    expect(eventsOfType(effects, 'epoch-changed')).toMatchObject([{ from: 'E1', to: E2 }]);
    expect(pullsOf(effects).map((p) => p.query.cursor)).toEqual([0]);
    expect(pushesOf([...effects, ...h.advance(10_000), ...h.step({ type: 'sync' }), ...h.write('create', 'd', { w: 1 })])).toEqual([]);
  });

  it('re-enqueues our write the restored state lacks, carrying our confirmed fields; keeps the one it holds; forgets old bases', () => {
    const h = confirmedThenPending();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    h.advance(10_000); // b's update is due, but waits for the repair
    const effects = restore(h, [change('c', 1, { z: 1 }), change('b', 1, { y: 1 }, ours('me:2'))]);

    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a', reuploads: 'me:1' }]);
    expect(h.queue()).toMatchObject([
      { queueId: 'me:3', entityId: 'b', action: 'update', payload: { y: 2 }, baseRevision: null },
      { entityId: 'a', action: 'create', payload: { x: 1 }, baseRevision: null },
    ]);
    expect([h.core.epoch(), h.core.cursor()]).toEqual([E2, 2]);
    // The restored server has no 'a': our confirmed state is a tombstone at revision 0, ours through
    // the re-upload, kept until that is acked (pull.ts keepLost); the view is the re-upload's.
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 1 }, deleted: false, server: { revision: 0, deleted: true }, serverOrigin: { queueId: 'me:4' } });
    expect(h.core.get('todo', 'b')).toMatchObject({ fields: { y: 2 }, server: { revision: 1 } });
    expect(pushesOf(effects).flatMap((p) => p.request.items.map((i) => i.entityId))).toEqual(['b', 'a']); // the repair over, pushing resumes
  });

  it('the repair names the write it carries back, also one whose ack was lost and whose state came from a pull', () => {
    // The shape of default seeds 9015 and 9611: the server applied me:1 but answered 500; the
    // retry was refused for good (dead-lettered); a pull told us me:1 was applied after all.
    const h = CoreHarness.started({ jitter: 'none' });
    h.write('create', 'a', { x: 1 });
    h.answerPush(http(500));
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([change('a', 1, { x: 1 }, ours('me:1'))], 1)));
    h.advance(60_000);
    h.answerPush(http(403));
    expect(h.core.deadLetters()).toMatchObject([{ queueId: 'me:1' }]);
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    const effects = restore(h, []);
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ queueId: 'me:2', entityId: 'a', reuploads: 'me:1' }]);
  });

  it('a restored state holding exactly our change (same origin queueId) causes no repair', () => {
    const h = CoreHarness.started();
    h.write('create', 'a', { x: 1 });
    h.answerPush(ackAll(h.push!.request));
    h.answerPullEmpty();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    const effects = restore(h, [change('a', 1, { x: 1 }, ours('me:1'))]);
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
    expect(h.core.queueLength()).toBe(0);
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 1 }, server: { revision: 1 } });
  });

  it('a restored state holding an older write of ours re-uploads the later one on the restored revision', () => {
    const h = CoreHarness.started();
    h.write('create', 'a', { x: 1, t: 'first' });
    h.answerPush(ackAll(h.push!.request, () => 1));
    h.write('update', 'a', { x: 2 });
    h.answerPush(ackAll(h.push!.request, () => 2));
    h.answerPullEmpty();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    const effects = restore(h, [change('a', 1, { x: 1, t: 'first' }, ours('me:1'))]);
    expect(eventsOfType(effects, 'repair-enqueued')).toHaveLength(1);
    expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'update', baseRevision: 1, payload: { x: 2, t: 'first' } }]);
  });

  it('a lost entity with a pending update: the pending op carries the confirmed fields and re-creates it', () => {
    const h = CoreHarness.started({ jitter: 'none' });
    h.write('create', 'a', { x: 1, t: 'kept' });
    h.answerPush(ackAll(h.push!.request));
    h.write('update', 'a', { x: 2 });
    h.answerPush(http(503));
    h.answerPullEmpty();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    const effects = restore(h, []);
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ queueId: 'me:2', entityId: 'a' }]);
    expect(h.queue()).toMatchObject([{ queueId: 'me:2', action: 'create', payload: { x: 2, t: 'kept' }, baseRevision: null }]);
  });

  it('an acked delete a restored server has no trace of is remembered: a later restore that brings the entity back gets it deleted again', () => {
    const h = CoreHarness.started();
    h.answerPull(ok(pullPage([change('a', 1, { x: 1 })], 1))); // another client's 'a'
    h.write('delete', 'a', {});
    h.answerPush(ackAll(h.push!.request, () => 2));
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    // E2: restored from before 'a' existed. Deleting it again is moot.
    expect(eventsOfType(restore(h, []), 'repair-enqueued')).toEqual([]);
    expect(h.core.queueLength()).toBe(0);
    // E3: restored from an older snapshot that holds 'a' but not our delete.
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: 'E3' })));
    const effects = h.answerPull(ok(pullPage([change('a', 1, { x: 1 })], 1, { epoch: 'E3' })));
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a' }]);
    expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'delete', baseRevision: 1 }]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true, server: { revision: 1, deleted: false } });
  });

  // Default seeds 5507 and 9040: our create of 'a', acked in E1, is lost by a restore (E2) to a
  // snapshot where another client had deleted 'a'. Our next update meets E2 first as a conflict:
  // the tombstone drops it, but the answer must not replace our confirmed write, which the repair
  // that follows needs to see the loss (and re-upload it, to be refused by the protocol, not silently).
  it('a conflict answered from a new epoch leaves our confirmed write for the repair to compare', () => {
    const h = CoreHarness.started({ conflictPolicy: 'lww-hlc' });
    h.answerPullEmpty();
    h.write('create', 'a', { x: 1 });
    h.answerPush(ackAll(h.push!.request));
    h.write('update', 'a', { x: 2 });
    const tombstone = serverState(2, {}, { deleted: true });
    const effects = h.answerPush(pushAnswer([conflicted(h.push!.request.items[0]!, tombstone)], E2));
    expect(eventsOfType(effects, 'conflict')).toMatchObject([{ queueId: 'me:2', outcome: 'server-wins' }]);
    expect(eventsOfType(effects, 'epoch-changed')).toMatchObject([{ from: 'E1', to: E2 }]);
    const repaired = restore(h, [change('a', 2, {}, { deleted: true })]);
    expect(eventsOfType(repaired, 'repair-enqueued')).toMatchObject([{ entityId: 'a' }]);
    expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'create', payload: { x: 1 } }]);
  });

  // Default seed 9866: our update was sent before we saw the new epoch; its ack (from E2) came while
  // the repair gathered E2, after the page read before it applied. Taken for lost, it was re-uploaded
  // onto itself, and that conflict made us forget the write was ours: the next rollback lost it.
  /** 'a' created (me:1) at revision 1 in E1; its update {x: 2} (me:2) leaves, a pull meets E2, and the update is acked at revision 2 from E2 while the repair gathers. */
  function updateAckedWhileGathering(created: Fields): CoreHarness {
    const h = CoreHarness.started({ conflictPolicy: 'lww-hlc' });
    h.answerPullEmpty();
    h.write('create', 'a', created);
    h.answerPush(ackAll(h.push!.request));
    h.write('update', 'a', { x: 2 });
    const update = h.push!.request.items[0]!;
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    h.answerPush(pushAnswer([acked(update, 2)], E2));
    return h;
  }

  it('an ack answered in the epoch being gathered counts as restored, newer than the pages read before it', () => {
    const h = updateAckedWhileGathering({ x: 1 });
    const effects = restore(h, [change('a', 1, { x: 1 }, ours('me:1'))]);
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
    expect(h.core.queueLength()).toBe(0);
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 2 }, server: { revision: 2 } });
  });

  // Default seed 67156: the same, but the restored revision 1 is another client's, with other
  // content (ABA). The server applied our update on it; taken for exact on our old base, the ack put
  // our old epoch's y into the restored state, and the true revision 2 was then skipped as not newer.
  it('but not when the restored state at its base revision is other content: then the next pull brings the truth', () => {
    const h = updateAckedWhileGathering({ x: 1, y: 1 });
    restore(h, [change('a', 1, { x: 1, y: 9 }, { origin: { clientId: 'other', queueId: 'other:1' } })]);
    expect(h.core.get('todo', 'a')?.server).toMatchObject({ revision: 1, fields: { x: 1, y: 9 } });
    // Nothing of ours is lost: our update is in E2's log (acked there), on top of their create.
    expect(h.core.queueLength()).toBe(0);
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([change('a', 2, { x: 2, y: 9 }, ours('me:2'))], 2, { epoch: E2 })));
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 2, y: 9 }, server: { revision: 2 } });
  });

  // Default seed 5245: our create was applied but its ack lost, and we pulled its apply. A restore
  // (E2) from before it lost it; meanwhile another client re-uploaded a newer write of 'a' in E2.
  // Our repair re-sent the create as an update on that revision: the older write overwrote the
  // newer one with no conflict, and the next rollback lost the other client's acked write.
  describe('a re-upload over a restored state another client wrote', () => {
    const stampAt = (wallMs: number) => `${String(wallMs).padStart(15, '0')}.000000.other`;

    /** Our create of 'a' applied (we pulled it) but unacked; then E2 whose restored 'a' is theirs, stamped at `theirsAtMs` from now. */
    function restoredTheirs(theirsAtMs: number): { h: CoreHarness; repaired: CoreEffect[] } {
      const h = CoreHarness.started({ conflictPolicy: 'lww-hlc', jitter: 'none' });
      h.answerPullEmpty();
      h.write('create', 'a', { x: 1 });
      h.answerPush(http(500)); // committed, answer lost
      h.step({ type: 'sync' });
      h.answerPull(ok(pullPage([change('a', 1, { x: 1 }, ours('me:1'))], 1)));
      h.answerPush(http(500)); // the pull ended its backoff: sent again, and that answer lost too
      expect(h.queue()).toMatchObject([{ queueId: 'me:1', action: 'create' }]);
      h.step({ type: 'sync' });
      h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
      const theirs = change('a', 1, { x: 9 }, { origin: { clientId: 'other', queueId: 'other:5' }, stamp: stampAt(h.now + theirsAtMs) });
      const repaired = restore(h, [theirs]);
      return { h, repaired };
    }

    it('meets a newer one as a conflict, and the policy decides (lww-hlc: theirs wins)', () => {
      const { h, repaired } = restoredTheirs(60_000);
      expect(eventsOfType(repaired, 'repair-enqueued')).toMatchObject([{ queueId: 'me:1', reuploads: 'me:1' }]);
      const item = h.push!.request.items[0]!;
      expect(item).toMatchObject({ queueId: 'me:1', action: 'update', baseRevision: null, payload: { x: 1 } });
      const theirsNow = serverState(1, { x: 9 }, { stamp: stampAt(h.now + 60_000) });
      const effects = h.answerPush(pushAnswer([conflicted(item, theirsNow)], E2));
      expect(eventsOfType(effects, 'conflict')).toMatchObject([{ queueId: 'me:1', outcome: 'server-wins' }]);
      expect(h.core.queueLength()).toBe(0);
      expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 9 }, server: { revision: 1 } });
    });

    it('overwrites an older one on its revision, as before', () => {
      const { h } = restoredTheirs(-60_000);
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 1, payload: { x: 1 } }]);
    });
  });

  // Default seed 11199 (found with the 5245 fix): our update left with an old-epoch base; the repair
  // that finished while it was on its way forgot that base (ABA), so its ack in the new epoch looked
  // inexact and our confirmed state stayed the other client's. The next rollback lost the update,
  // and no repair re-uploaded it. Applied right on top of the restored state we know, it is exact.
  it('an update in flight while a repair finishes, acked on top of the restored state, is our confirmed write', () => {
    const h = CoreHarness.started({ conflictPolicy: 'lww-hlc' });
    h.answerPull(ok(pullPage([change('a', 1, { x: 1 })], 1)));
    h.write('update', 'a', { y: 2 });
    const update = h.push!.request.items[0]!;
    expect(update).toMatchObject({ queueId: 'me:1', baseRevision: 1 });
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    restore(h, [change('a', 1, { x: 1 })]);
    h.answerPush(pushAnswer([acked(update, 2)], E2));
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 1, y: 2 }, server: { revision: 2 } });
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: 'E3' })));
    const repaired = h.answerPull(ok(pullPage([change('a', 1, { x: 1 })], 1, { epoch: 'E3' })));
    expect(eventsOfType(repaired, 'repair-enqueued')).toMatchObject([{ entityId: 'a', reuploads: 'me:1' }]);
  });

  // Default seed 84644: the same op applied in two epochs on different bases. The restore brought
  // back its older apply, under another client's older title; taking it for our change (same origin
  // queueId), the repair re-uploaded nothing, and the title acked to that other client was lost.
  it('a restored apply of our op on another base is not our confirmed change: the repair re-uploads what we confirmed', () => {
    const h = CoreHarness.started();
    h.answerPull(ok(pullPage([change('a', 1, { t: 'old' }), change('a', 2, { t: 'new' })], 2)));
    h.write('update', 'a', { c: 5 });
    h.answerPush(ackAll(h.push!.request, () => 3));
    expect(h.core.get('todo', 'a')).toMatchObject({ server: { revision: 3, fields: { t: 'new', c: 5 } }, serverOrigin: { queueId: 'me:1' } });
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 3, { epoch: E2 })));
    const effects = restore(h, [change('a', 3, { t: 'old', c: 5 }, ours('me:1'))]);
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a', reuploads: 'me:1' }]);
    expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'update', baseRevision: 3, payload: { t: 'new', c: 5 } }]);
  });

  // keepLost's marker (revision 0) names the op that carries our word, not a state the server held:
  // a restore holding that op's apply holds our word, whatever its fields.
  it("a restored apply of the op a lost write's marker names is the match, though the marker is a tombstone", () => {
    const h = CoreHarness.started({ jitter: 'none' });
    h.answerPullEmpty();
    h.write('create', 'a', { x: 1 });
    h.answerPush(ackAll(h.push!.request));
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: E2 })));
    restore(h, []);
    expect(h.core.get('todo', 'a')).toMatchObject({ server: { revision: 0, deleted: true }, serverOrigin: { queueId: 'me:2' } });
    h.answerPush(http(500)); // the re-upload applied, its answer lost
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 0, { epoch: 'E3' })));
    const effects = h.answerPull(ok(pullPage([change('a', 1, { x: 1 }, ours('me:2'))], 1, { epoch: 'E3' })));
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
    expect(h.queue()).toMatchObject([{ queueId: 'me:2', action: 'create' }]);
    expect(h.core.get('todo', 'a')).toMatchObject({ server: { revision: 1, deleted: false, fields: { x: 1 } }, serverOrigin: { queueId: 'me:2' } });
  });

  // Manual seeds 204 and 26: a person's answer to a conflict asked about an old epoch's state sent
  // the op on that state's revision (ABA in the restored server), or dropped with the op a lost
  // write the repair folded into it. The repair takes the question back: the op goes with no base.
  it('an open manual conflict is withdrawn: its op goes back to the queue with no base, for the restored server to judge', () => {
    const h = CoreHarness.started({ conflictPolicy: 'manual' });
    h.answerPull(ok(pullPage([change('a', 1, { x: 1 })], 1)));
    h.write('update', 'a', { y: 2 });
    h.answerPush(pushAnswer([conflicted(h.push!.request.items[0]!, serverState(2, { x: 3 }))]));
    expect(h.core.conflicts()).toHaveLength(1);
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    const effects = restore(h, [change('a', 1, { x: 1 })]);
    expect(eventsOfType(effects, 'conflict-resolved')).toMatchObject([{ queueId: 'me:1', resolution: 'withdrawn' }]);
    expect(h.core.conflicts()).toEqual([]);
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: null, payload: { y: 2 } }]);
  });

  // Default seed 114265: the lost write was the head's own apply (ack lost, apply pulled); folded
  // with the whole confirmed state, the re-upload put back another client's older content over
  // the newer one the restored server held, and no client could tell.
  it("a lost write that is the pending head's own apply goes again with just its own changes, on the restored revision", () => {
    const h = CoreHarness.started({ conflictPolicy: 'lww-hlc', jitter: 'none' });
    h.answerPull(ok(pullPage([change('a', 1, { title: 't0', content: 'old' })], 1)));
    h.write('update', 'a', { title: 'mine' });
    h.answerPush(http(500)); // applied, answer lost
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([change('a', 2, { title: 'mine', content: 'old' }, ours('me:1'))], 2)));
    h.answerPush(http(500));
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    const theirs = change('a', 2, { title: 't0', content: 'newer' }, { origin: { clientId: 'other', queueId: 'other:2' } });
    const effects = restore(h, [theirs]);
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ queueId: 'me:1', reuploads: 'me:1' }]);
    expect(h.queue()).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 2 }]);
    expect(h.queue()[0]!.payload).toEqual({ title: 'mine' });
  });

  it('a new epoch in a push answer starts the repair too', () => {
    const h = CoreHarness.started();
    h.answerPullEmpty();
    h.write('create', 'a', { x: 1 });
    h.answerPush(ackAll(h.push!.request));
    h.write('create', 'b', { y: 1 });
    const effects = h.answerPush(pushAnswer([], E2));
    expect(eventsOfType(effects, 'epoch-changed')).toMatchObject([{ from: 'E1', to: E2 }]);
    expect(h.pull?.query.cursor).toBe(0);
    expect(h.push).toBeNull();
  });

  // Default seed 324961: our create of 'a' was in flight when a pull brought another client's 'a'
  // (revision 1 of E1); the push was answered from E2, where our create applied at revision 1.
  // Compared with the E1 revision, the ack was taken for not newer, our confirmed state stayed the
  // other client's, and when E2 was rolled back too, no repair claimed our acked create.
  it('an ack answered from a new epoch is read after the repair into it starts: ours, whatever the old revision', () => {
    const h = CoreHarness.started({ jitter: 'none', conflictPolicy: 'lww-hlc' });
    h.answerPullEmpty();
    h.write('create', 'a', { x: 1 });
    const push = h.push!;
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([change('a', 1, { x: 9 })], 1)));
    expect(h.core.get('todo', 'a')).toMatchObject({ server: { revision: 1, fields: { x: 9 } } });
    h.push = push;
    const effects = h.answerPush(ackAll(push.request, () => 1, E2));
    const order = effects.filter((e) => e.type === 'event' || e.type === 'commit').flatMap((e) => (e.type === 'event' ? [e.event.type] : e.events.map((ev) => ev.type)));
    expect(order.indexOf('epoch-changed')).toBeLessThan(order.indexOf('acked'));
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { x: 1 }, server: { revision: 1, fields: { x: 1 } }, serverOrigin: { clientId: 'me', queueId: 'me:1' } });
    // The E2 repair counts the ack as restored (no re-upload); when E2 is rolled back too, to a
    // state without 'a', the next repair claims our create.
    expect(eventsOfType(restore(h, []), 'repair-enqueued')).toEqual([]);
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: 'E3' })));
    const restored = h.answerPull(ok(pullPage([], 0, { epoch: 'E3' })));
    expect(eventsOfType(restored, 'repair-enqueued')).toMatchObject([{ entityId: 'a', reuploads: 'me:1' }]);
  });

  it('a crash mid-repair resumes it: the restarted core re-pulls from 0 and pushes nothing until done', () => {
    const h = confirmedThenPending();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
    h.advance(10_000);
    const effects = h.restart();
    expect(pullsOf(effects).map((p) => p.query.cursor)).toEqual([0]);
    expect(pushesOf(effects)).toEqual([]);
    const done = restore(h, [change('c', 1, { z: 1 }), change('b', 1, { y: 1 }, ours('me:2'))]);
    expect(eventsOfType(done, 'repair-enqueued')).toMatchObject([{ entityId: 'a' }]);
  });
});

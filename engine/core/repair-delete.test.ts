// A delete the rollback repair leaves nothing to send for: our acked create was lost, and the
// user's delete then settles without a send (it cancels the unsent re-upload, or the repair finds
// it moot). The server's log has lost our last word on the entity, so a later restore of an older
// snapshot that holds the create must still get it deleted (default seed 68571, nested).

import { describe, expect, it } from 'vitest';
import { CoreHarness, ackAll, change, eventsOfType, http, ok, pullPage } from '../testing/core-harness.ts';

const ours = (queueId: string) => ({ origin: { clientId: 'me', queueId } });

/** 'a' created and acked at revision 1 (me:1) in E1, the pull after it answered. */
function createdAndAcked(): CoreHarness {
  const h = CoreHarness.started({ jitter: 'none', conflictPolicy: 'lww-hlc' });
  h.answerPullEmpty();
  h.write('create', 'a', { x: 1 });
  h.answerPush(ackAll(h.push!.request));
  return h;
}

/** A sync meets epoch `epoch`, restored with `changes` (one page). */
function restored(h: CoreHarness, epoch: string, changes: Parameters<typeof pullPage>[0]) {
  h.step({ type: 'sync' });
  h.answerPull(ok(pullPage([], 1, { epoch })));
  return h.answerPull(ok(pullPage(changes, changes.length, { epoch })));
}

/** E3: an older snapshot that still holds our create me:1 of 'a'; the repair must delete it again. */
function expectDeletedAgain(h: CoreHarness): void {
  const effects = restored(h, 'E3', [change('a', 1, { x: 1 }, ours('me:1'))]);
  expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a' }]);
  expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'delete', baseRevision: 1 }]);
  expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true });
}

describe('a delete settled without a send after a rollback lost our create', () => {
  it('cancelling the unsent re-upload keeps a tombstone of ours: a later restore of the create gets it deleted again', () => {
    const h = createdAndAcked();
    h.step({ type: 'sync' });
    h.answerPull(ok(pullPage([], 1, { epoch: 'E2' })));
    h.step({ type: 'connectivity', online: false }); // the re-upload will wait (in the seed: a 429)
    h.answerPull(ok(pullPage([], 0, { epoch: 'E2' })));
    expect(h.queue()).toMatchObject([{ queueId: 'me:2', entityId: 'a', action: 'create', sent: false }]);
    const deleted = h.write('delete', 'a');
    expect(CoreHarness.reply(deleted)).toEqual({ ok: true, queueId: null });
    expect(h.queue()).toEqual([]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true, server: { revision: 0, deleted: true } });
    h.step({ type: 'connectivity', online: true });
    h.answerPullEmpty('E2');
    expectDeletedAgain(h);
  });

  it('a pending delete the repair finds moot (the restored server lacks the entity) is kept the same way', () => {
    const h = createdAndAcked();
    h.write('delete', 'a');
    h.answerPush(http(503)); // me:2 waits in backoff
    const effects = restored(h, 'E2', []);
    expect(eventsOfType(effects, 'conflict')).toMatchObject([{ queueId: 'me:2', outcome: 'server-wins' }]);
    expect(h.queue()).toEqual([]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true, server: { revision: 0, deleted: true } });
    expectDeletedAgain(h);
  });

  it('a re-upload that is sent and acked replaces the tombstone: nothing is deleted later', () => {
    const h = createdAndAcked();
    restored(h, 'E2', []);
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:2', action: 'create' }]);
    h.answerPush(ackAll(h.push!.request, () => 1, 'E2'));
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: false, fields: { x: 1 }, server: { revision: 1, deleted: false } });
    const effects = restored(h, 'E3', [change('a', 1, { x: 1 }, ours('me:2'))]);
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
  });
});

// Default seed 174767: a rollback lost our acked delete and the create before it, and the repair
// kept the delete's trace (a tombstone of ours at revision 0). Then another client's repair
// re-uploaded its older create into the new epoch. Taken as newer, it erased that trace, and a
// second rollback brought the entity back with nothing left to delete it again.
describe('a pulled change that brings back an entity our kept delete outlives', () => {
  /** 'a' created, then deleted (acked at revision 2); E2 restored without it. Returns the delete's stamp. */
  function deleteLostToRollback(): { h: CoreHarness; stamp: string } {
    const h = createdAndAcked();
    h.write('delete', 'a');
    h.answerPush(ackAll(h.push!.request, () => 2));
    expect(h.core.get('todo', 'a')).toMatchObject({ server: { revision: 2, deleted: true } });
    restored(h, 'E2', []);
    const server = h.core.get('todo', 'a')?.server;
    expect(server).toMatchObject({ revision: 0, deleted: true });
    expect(h.queue()).toEqual([]);
    return { h, stamp: server!.stamp! };
  }

  /** A stamp this far (ms) from `stamp`, of another client. */
  const shifted = (stamp: string, ms: number) => `${String(Number(stamp.slice(0, 15)) + ms).padStart(15, '0')}.000000.other`;

  it('a re-upload stamped before our delete is deleted again, on its revision, with the delete stamp', () => {
    const { h, stamp } = deleteLostToRollback();
    h.step({ type: 'sync' });
    const effects = h.answerPull(ok(pullPage([change('a', 1, { x: 7 }, { stamp: shifted(stamp, -5_000) })], 1, { epoch: 'E2' })));
    expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a', reuploads: 'me:2' }]);
    expect(h.queue()).toMatchObject([{ entityId: 'a', action: 'delete', baseRevision: 1, stamp }]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true, server: { revision: 1, deleted: false } });
  });

  it('a change stamped after our delete is a newer write: taken, nothing deleted', () => {
    const { h, stamp } = deleteLostToRollback();
    h.step({ type: 'sync' });
    const effects = h.answerPull(ok(pullPage([change('a', 1, { x: 7 }, { stamp: shifted(stamp, 5_000) })], 1, { epoch: 'E2' })));
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
    expect(h.queue()).toEqual([]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: false, fields: { x: 7 }, server: { revision: 1 } });
  });

  it("a marker whose re-upload was refused for good stands for no delete: an older change is taken", () => {
    const h = createdAndAcked();
    restored(h, 'E2', []);
    const marker = h.core.get('todo', 'a')?.server;
    expect(marker).toMatchObject({ revision: 0, deleted: true });
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:2', action: 'create' }]);
    h.answerPush(http(403));
    expect(h.queue()).toEqual([]);
    h.step({ type: 'sync' });
    const effects = h.answerPull(ok(pullPage([change('a', 1, { x: 7 }, { stamp: shifted(marker!.stamp!, -5_000) })], 1, { epoch: 'E2' })));
    expect(eventsOfType(effects, 'repair-enqueued')).toEqual([]);
    expect(h.queue()).toEqual([]);
    expect(h.core.get('todo', 'a')).toMatchObject({ deleted: false, fields: { x: 7 } });
  });
});

// Conflicts end to end at the core: a push answered 'conflict' under each policy drops the op,
// re-sends it on the server's revision, or pauses it behind a conflict record; a manual
// resolution (keep-local, keep-server, merge) settles the record; a re-send that keeps
// conflicting backs off instead of spinning.

import { describe, expect, it } from 'vitest';
import type { ConflictPolicy } from '../options.ts';
import type { ServerEntityState } from '../protocol.ts';
import { CoreHarness, acked, change, conflicted, eventsOfType, ok, pullPage, pushAnswer, pushesOf, serverState } from '../testing/core-harness.ts';

const T0 = 1_000_000; // the harness clock at start: our update's createdAt
const stampAt = (wallMs: number) => `${String(wallMs).padStart(15, '0')}.000000.other`;

/** 'a' known at revision 1 {title: 'base', note: 'n'}; our update {title: 'mine'} in flight. */
function updateInFlight(policy: ConflictPolicy, options: { jitter?: 'none' } = {}): CoreHarness {
  const h = CoreHarness.started({ conflictPolicy: policy, ...options });
  h.answerPull(ok(pullPage([change('a', 1, { title: 'base', note: 'n' })], 1)));
  h.write('update', 'a', { title: 'mine' });
  expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', baseRevision: 1 }]);
  return h;
}

function answerConflict(h: CoreHarness, server: ServerEntityState, epoch?: string) {
  return h.answerPush(pushAnswer([conflicted(h.push!.request.items[0]!, server)], epoch));
}

const theirsNote = serverState(2, { title: 'base', note: 'theirs' }, { updatedAt: T0 - 5000 });
const theirsTitle = serverState(2, { title: 'theirs', note: 'n' }, { updatedAt: T0 - 5000 });

type Expected = 'drop' | 'resend' | 'manual';
const cases: readonly [ConflictPolicy, string, Expected, ServerEntityState][] = [
  ['server-wins', 'any', 'drop', theirsTitle],
  ['client-wins', 'any', 'resend', theirsTitle],
  ['lww-client-clock', 'an older server write', 'resend', theirsTitle],
  ['lww-client-clock', 'a newer server write', 'drop', { ...theirsTitle, updatedAt: T0 + 5000 }],
  ['lww-hlc', 'an older server stamp', 'resend', { ...theirsTitle, stamp: stampAt(T0 - 5000) }],
  ['lww-hlc', 'a newer server stamp', 'drop', { ...theirsTitle, stamp: stampAt(T0 + 5000) }],
  ['field-merge', 'a change of another field', 'resend', theirsNote],
  ['field-merge', 'a clashing change of our field', 'manual', theirsTitle],
  ['manual', 'any', 'manual', theirsNote],
];

describe('conflicts at the core', () => {
  it.each(cases)('%s, %s conflict: %s', (policy, _label, expected, server) => {
    const h = updateInFlight(policy);
    const effects = answerConflict(h, server);
    const [event] = eventsOfType(effects, 'conflict');
    expect(event).toMatchObject({ queueId: 'me:1', policy, server: { revision: 2 } });
    if (expected === 'drop') {
      expect(event!.outcome).toBe('server-wins');
      expect(h.core.queueLength()).toBe(0);
      expect(h.push).toBeNull();
      expect(h.core.get('todo', 'a')).toMatchObject({ fields: server.fields, server: { revision: 2 } });
    } else if (expected === 'resend') {
      expect(event!.outcome).toBe(policy === 'field-merge' ? 'merged' : 'local-wins');
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 2, payload: { title: 'mine' } }]);
      h.answerPush(pushAnswer([acked(h.push!.request.items[0]!, 3)]));
      expect(h.core.get('todo', 'a')).toMatchObject({ fields: { ...server.fields, title: 'mine' }, server: { revision: 3 } });
    } else {
      expect(event!.outcome).toBe('manual');
      expect(h.queue()).toMatchObject([{ queueId: 'me:1', paused: true }]);
      expect(h.core.conflicts()).toMatchObject([{ conflictId: 'conflict:me:1', queueId: 'me:1', local: { title: 'mine' }, server: { revision: 2 }, clashingFields: policy === 'manual' ? [] : ['title'] }]);
      expect(pushesOf(h.advance(60_000))).toEqual([]); // paused: never sent
    }
  });

  it('a create that meets an existing entity is re-sent as an update on its revision (client-wins)', () => {
    const h = CoreHarness.started({ conflictPolicy: 'client-wins' });
    h.answerPullEmpty();
    h.write('create', 'a', { title: 'mine' });
    answerConflict(h, serverState(4, { title: 'theirs' }));
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 4, payload: { title: 'mine' } }]);
  });

  it('a re-send that keeps conflicting backs off (nextAttemptAt grows) instead of spinning', () => {
    const h = updateInFlight('client-wins', { jitter: 'none' });
    const delays: number[] = [];
    for (let revision = 2; revision <= 6; revision++) {
      const answeredAt = h.now;
      answerConflict(h, serverState(revision, { title: `theirs ${revision}` }));
      const delayMs = h.queue()[0]!.nextAttemptAt - answeredAt;
      delays.push(delayMs);
      if (delayMs > 0) expect(pushesOf(h.advance(delayMs - 1))).toEqual([]);
      h.advance(1);
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', baseRevision: revision }]);
    }
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000]);
  });

  describe('manual resolution', () => {
    function paused(): CoreHarness {
      const h = updateInFlight('manual');
      answerConflict(h, theirsTitle);
      expect(h.core.conflicts()).toHaveLength(1);
      return h;
    }

    it('keep-local re-sends our op on the server revision', () => {
      const h = paused();
      const effects = h.resolve('conflict:me:1', { kind: 'keep-local' });
      expect(CoreHarness.reply(effects)).toEqual({ ok: true, queueId: 'me:1' });
      expect(h.core.conflicts()).toEqual([]);
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 2, payload: { title: 'mine' } }]);
      h.answerPush(pushAnswer([acked(h.push!.request.items[0]!, 3)]));
      expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'mine', note: 'n' }, server: { revision: 3 } });
    });

    it('keep-server drops our op and shows the server state', () => {
      const h = paused();
      const effects = h.resolve('conflict:me:1', { kind: 'keep-server' });
      expect(CoreHarness.reply(effects)).toEqual({ ok: true, queueId: null });
      expect([h.core.conflicts(), h.core.queueLength(), h.push]).toEqual([[], 0, null]);
      expect(h.core.get('todo', 'a')?.fields).toEqual({ title: 'theirs', note: 'n' });
    });

    it('merge re-sends the merged fields as an update on the server revision', () => {
      const h = paused();
      h.resolve('conflict:me:1', { kind: 'merge', fields: { title: 'mine+theirs' } });
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'update', baseRevision: 2, payload: { title: 'mine+theirs' } }]);
      expect(h.core.get('todo', 'a')?.fields).toEqual({ title: 'mine+theirs', note: 'n' });
    });

    // The op queued behind a dropped one was made on top of what the user now keeps: it applies
    // on the server's revision. Without the rebase it goes with baseRevision null and meets a
    // conflict of its own (a second manual record under 'manual', a clash under 'field-merge').
    it.each(['server-wins drop', 'keep-server resolution'])('after a %s, the next op of the entity is based on the server revision', (path) => {
      const h = CoreHarness.started({ conflictPolicy: path === 'server-wins drop' ? 'server-wins' : 'manual' });
      h.answerPull(ok(pullPage([change('a', 1, { title: 'base', note: 'n' })], 1)));
      h.write('update', 'a', { title: 'mine' });
      h.write('update', 'a', { note: 'later' }); // behind the one in flight
      answerConflict(h, theirsTitle);
      if (path === 'keep-server resolution') h.resolve('conflict:me:1', { kind: 'keep-server' });
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:2', action: 'update', baseRevision: 2, payload: { note: 'later' } }]);
      expect(h.core.get('todo', 'a')?.fields).toEqual({ title: 'theirs', note: 'later' });
    });

    // Field-merge seed 1956: the event came after the commit, so a crash between the two kept the
    // dropped op's removal and lost the only record of why it left the queue.
    it.each(['keep-local', 'keep-server'] as const)('%s: the conflict-resolved event travels with the commit it describes', (kind) => {
      const h = paused();
      const effects = h.resolve('conflict:me:1', { kind });
      const commits = effects.filter((e) => e.type === 'commit');
      expect(commits).toHaveLength(1);
      expect(commits[0]!.events).toMatchObject([{ type: 'conflict-resolved', queueId: 'me:1', resolution: kind }]);
    });

    it('an unknown conflict id is refused', () => {
      const h = paused();
      expect(CoreHarness.reply(h.resolve('conflict:nope', { kind: 'keep-local' }))).toMatchObject({ ok: false, code: 'no_conflict' });
      expect(h.core.conflicts()).toHaveLength(1);
    });
  });

  describe('an answer that the server has no such entity (revision 0)', () => {
    const MISSING = serverState(0, {}, { deleted: true });

    /** 'a' pulled from another client at revision 1 of E1; our delete of it in flight. */
    function deleteInFlight(): CoreHarness {
      const h = CoreHarness.started({ conflictPolicy: 'lww-hlc' });
      h.answerPull(ok(pullPage([change('a', 1, { title: 'theirs' })], 1)));
      h.write('delete', 'a');
      expect(h.push?.request.items).toMatchObject([{ queueId: 'me:1', action: 'delete', baseRevision: 1 }]);
      return h;
    }

    // Rolling-upgrade seed 1000159: our update in flight, our delete of the same entity queued behind
    // it. The update re-creates the entity as it left it; the local view, with the delete folded in,
    // is empty, and a create of that is no write at all.
    it('an update re-creates the entity as it left it, not with a later pending delete folded in', () => {
      const h = updateInFlight('lww-hlc');
      h.write('delete', 'a');
      const effects = answerConflict(h, MISSING, 'E1');
      expect(eventsOfType(effects, 'conflict')).toMatchObject([{ queueId: 'me:1', outcome: 'local-wins' }]);
      expect(h.queue()).toMatchObject([
        { queueId: 'me:1', action: 'create', payload: { title: 'mine', note: 'n' } },
        { queueId: 'me:2', action: 'delete' },
      ]);
      expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true });
    });

    // Default seed 4969: the server is restored (E2) from before 'a' existed and answers our delete
    // "no such entity", slowly; meanwhile our repair pull brings 'a' re-created in E2 by its author.
    // The answer is older than that state: forgetting it left us without 'a' for good.
    it('keeps a state of the same epoch learned while the answer was on its way', () => {
      const h = deleteInFlight();
      h.step({ type: 'sync' });
      h.answerPull(ok(pullPage([], 1, { epoch: 'E2' }))); // the new epoch: the repair pulls from 0
      h.answerPull(ok(pullPage([change('a', 1, { title: 'again' })], 1, { epoch: 'E2' })));
      const effects = answerConflict(h, MISSING, 'E2');
      expect(eventsOfType(effects, 'conflict')).toMatchObject([{ queueId: 'me:1', outcome: 'server-wins' }]);
      expect(h.core.queueLength()).toBe(0);
      expect(h.core.get('todo', 'a')).toMatchObject({ deleted: false, fields: { title: 'again' }, server: { revision: 1 } });
    });

    it('a delete that meets no such entity from another epoch keeps a tombstone of ours, not the old state (the repair that follows decides what is lost)', () => {
      const h = deleteInFlight();
      const effects = answerConflict(h, MISSING, 'E2');
      expect(eventsOfType(effects, 'epoch-changed')).toMatchObject([{ from: 'E1', to: 'E2' }]);
      // Our delete is moot, but not forgotten: its tombstone (ours, revision 0) stays for the repair.
      expect(h.core.get('todo', 'a')).toMatchObject({ deleted: true, server: { revision: 0, deleted: true }, serverOrigin: { queueId: 'me:1' } });
    });

    // Default seed 610: a restore from an older snapshot that still holds 'a' would bring back
    // what the user deleted, had the moot delete left no trace.
    it('a delete found moot leaves a trace: a later restore that brings the entity back gets it deleted again', () => {
      const h = deleteInFlight();
      answerConflict(h, MISSING, 'E2');
      h.answerPull(ok(pullPage([], 0, { epoch: 'E2' }))); // the repair: E2 has no 'a'
      expect(h.core.queueLength()).toBe(0);
      h.step({ type: 'sync' });
      h.answerPull(ok(pullPage([], 1, { epoch: 'E3' })));
      const effects = h.answerPull(ok(pullPage([change('a', 1, { title: 'theirs' })], 1, { epoch: 'E3' })));
      expect(eventsOfType(effects, 'repair-enqueued')).toMatchObject([{ entityId: 'a' }]);
      expect(h.push?.request.items).toMatchObject([{ entityId: 'a', action: 'delete', baseRevision: 1 }]);
    });
  });
});

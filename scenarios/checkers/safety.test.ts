// no-lost-ack over small hand-made histories: which rollback-lost acked writes are accounted for.

import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../sim/history.ts';
import { historyOf, rollback, USER } from './hand-made.ts';
import type { Action } from '../../engine/protocol.ts';
import { indexHistory } from './history-index.ts';
import { checkNoLostAck } from './safety.ts';

function enqueued(t: number, client: number, seq: number, action: Action): StoredEvent {
  return { t, type: 'engine', client, clientTime: t, event: { type: 'enqueued', at: t, queueId: `c${client}:${seq}`, entityType: 'note', entityId: 'n1', action, payload: {} } };
}

function applied(t: number, client: number, seq: number, action: Action, revision: number): StoredEvent {
  const change = { user: USER, queueId: `c${client}:${seq}`, clientId: `c${client}`, entityType: 'note', entityId: 'n1', action, revision, seq: revision, serverTime: t, deleted: action === 'delete' };
  return { t, type: 'apply', user: USER, instance: 1, change };
}

function acked(t: number, client: number, seq: number, revision: number, replayed = false): StoredEvent {
  return { t, type: 'engine', client, clientTime: t, event: { type: 'acked', at: t, queueId: `c${client}:${seq}`, revision, replayed, attempts: 1 } };
}

/** The user's write behind an item: an update's fields say what it overwrites. */
function wrote(t: number, client: number, seq: number, opId: number, fields: Record<string, string>): StoredEvent[] {
  return [
    { t, type: 'invoke', client, clientTime: t, opId, action: 'update', entityId: 'n1', fields },
    { t, type: 'complete', client, opId, outcome: 'ok', queueId: `c${client}:${seq}`, error: null },
  ];
}

/** Ends with c1:1 alone in the server's log: the last rollback restored its first apply (at 50). */
function keptOnly(events: StoredEvent[]): ReturnType<typeof historyOf> {
  const history = historyOf(events);
  history.server = { ...history.server!, users: { [USER]: { n1: { title: 'c1' } } }, appliedQueueIds: { [USER]: ['c1:1'] } };
  return history;
}

/**
 * Default seed 28009, in small: c1's op is applied at 50, a rollback at 60 undoes it, c0's create is
 * applied at 100 and acked; c1's retry overwrites it at 120 (in c0's lineage); the rollback at 400
 * restores a snapshot from between 50 and 60, holding c1's op but not c0's create.
 */
function overwrittenThenRestored(c1Action: Action, c1Fields: Record<string, string>): ReturnType<typeof historyOf> {
  return keptOnly([
    enqueued(40, 1, 1, c1Action),
    ...(c1Action === 'update' ? wrote(40, 1, 1, 1, c1Fields) : []),
    applied(50, 1, 1, c1Action, 1),
    rollback(60),
    enqueued(90, 0, 1, 'create'),
    applied(100, 0, 1, 'create', 1),
    acked(110, 0, 1, 1),
    applied(120, 1, 1, 'update', 2),
    acked(130, 1, 1, 2),
    rollback(400),
  ]);
}

/** The server answered the item's send with a conflict the policy settled for the server's state. */
function lostConflict(t: number, client: number, seq: number): StoredEvent {
  const server = { revision: 1, deleted: true, fields: {}, updatedAt: 0 };
  return { t, type: 'engine', client, clientTime: t, event: { type: 'conflict', at: t, queueId: `c${client}:${seq}`, entityType: 'note', entityId: 'n1', policy: 'lww-hlc', local: { payload: {}, clientTime: t, stamp: null }, server, outcome: 'server-wins' } };
}

/**
 * Rolling-upgrade seeds 400018 and 400865, in small: c1's delete (applied at 50) is lost by a
 * rollback at 60; c0 creates n1 again (applied at 100, acked); c1's update overwrites it at 120 but
 * its answer is lost, so it stays pending at c1; the rollback at 400 restores a snapshot holding
 * c1's delete. c1 sends its update again and meets the restored tombstone (at `resentAt`).
 */
function tombstoneRestored(resentAt: number): ReturnType<typeof historyOf> {
  const history = historyOf([
    enqueued(40, 1, 1, 'delete'),
    applied(50, 1, 1, 'delete', 1),
    acked(55, 1, 1, 1),
    rollback(60),
    enqueued(90, 0, 1, 'create'),
    applied(100, 0, 1, 'create', 1),
    acked(110, 0, 1, 1),
    enqueued(115, 1, 2, 'update'),
    ...wrote(115, 1, 2, 2, { title: 'c1' }),
    applied(120, 1, 2, 'update', 2),
    ...(resentAt < 400 ? [lostConflict(resentAt, 1, 2)] : []),
    rollback(400),
    ...(resentAt > 400 ? [lostConflict(resentAt, 1, 2)] : []),
  ]);
  history.server = { ...history.server!, users: { [USER]: {} }, tombstones: { [USER]: ['n1'] }, appliedQueueIds: { [USER]: ['c1:1'] } };
  return history;
}

describe('no-lost-ack', () => {
  it('an acked create overwritten by another create that the rollback kept is accounted for (default seed 28009)', () => {
    const history = overwrittenThenRestored('create', {});
    expect(checkNoLostAck(history, indexHistory(history)).violations).toEqual([]);
  });

  it('an acked create overwritten only in part (an update of one field) by the op the rollback kept is lost', () => {
    const history = overwrittenThenRestored('update', { title: 'c1' });
    expect(checkNoLostAck(history, indexHistory(history)).violations.map((v) => v.queueIds)).toEqual([['c0:1']]);
  });

  it('an op the rollback kept accounts for nothing it did not overwrite in the acked write\'s own lineage', () => {
    // c1's create was applied before c0's (c0's overwrote it, the newer write): losing c0's is a loss.
    const history = keptOnly([
      enqueued(40, 1, 1, 'create'),
      applied(50, 1, 1, 'create', 1),
      enqueued(90, 0, 1, 'update'),
      ...wrote(90, 0, 1, 1, { title: 'c0' }),
      applied(100, 0, 1, 'update', 2),
      acked(110, 0, 1, 2),
      rollback(400),
    ]);
    expect(checkNoLostAck(history, indexHistory(history)).violations.map((v) => v.queueIds)).toEqual([['c0:1']]);
  });

  it('a create superseded by a later delete, both lost to a rollback, is accounted for even when its ack was replayed after the delete', () => {
    // c0's create is applied at 100 but its ack is lost; c1 deletes at 200; c0's retry gets the
    // replayed ack at 300; a rollback at 400 loses both. The server (no n1) reflects the delete.
    const history = historyOf([
      enqueued(90, 0, 1, 'create'),
      applied(100, 0, 1, 'create', 1),
      enqueued(190, 1, 1, 'delete'),
      applied(200, 1, 1, 'delete', 2),
      acked(210, 1, 1, 2),
      acked(300, 0, 1, 1, true),
      rollback(400),
    ]);
    const result = checkNoLostAck(history, indexHistory(history));
    expect(result.violations.map((v) => v.message)).toEqual([]);
  });

  it('an acked write whose lineage\'s last writer was re-sent after the rollback and lost to the restored tombstone is accounted for (rolling-upgrade seeds 400018, 400865)', () => {
    const history = tombstoneRestored(410);
    expect(checkNoLostAck(history, indexHistory(history)).violations).toEqual([]);
  });

  it('a last writer settled before the rollback (not a re-send against the restored state) accounts for nothing', () => {
    const history = tombstoneRestored(130);
    expect(checkNoLostAck(history, indexHistory(history)).violations.map((v) => v.queueIds)).toEqual([['c0:1']]);
  });

  it('a delete the server applied before the create does not account for the create', () => {
    const history = historyOf([
      enqueued(90, 1, 1, 'delete'),
      applied(100, 1, 1, 'delete', 1),
      enqueued(150, 0, 1, 'create'),
      applied(200, 0, 1, 'create', 2),
      acked(300, 0, 1, 2),
      acked(310, 1, 1, 1, true),
      rollback(400),
    ]);
    const result = checkNoLostAck(history, indexHistory(history));
    expect(result.violations.map((v) => v.queueIds)).toEqual([['c0:1']]);
  });

  it('an acked create lost to a rollback, whose repair re-upload the user\'s delete took out of the queue, is accounted for (default seed 68571)', () => {
    // c0:1 is applied and acked; the rollback at 400 loses it; the repair queues c0:2 to re-upload
    // it; the user deletes n1 before c0:2 is sent: create + delete coalesce into nothing.
    const history = historyOf(coalescedRepair());
    expect(checkNoLostAck(history, indexHistory(history)).violations).toEqual([]);
  });

  it('a delete that took the repair out of the queue accounts for nothing if the server still holds the entity', () => {
    const history = historyOf(coalescedRepair());
    history.server = { ...history.server!, users: { [USER]: { n1: { title: 'c0' } } } };
    expect(checkNoLostAck(history, indexHistory(history)).violations.map((v) => v.queueIds)).toEqual([['c0:1']]);
  });

  it('an acked create lost to a rollback, then deleted by an update item the restored server had nothing to delete for, is accounted for (default seed 71432)', () => {
    // c0:2 (an update) is pending when the user deletes n1: the delete is folded into c0:2. The
    // rollback at 400 loses c0:1; the repair finds c0:2 deleting what the server lacks: superseded.
    const history = historyOf([
      enqueued(90, 0, 1, 'create'),
      applied(100, 0, 1, 'create', 1),
      acked(110, 0, 1, 1),
      enqueued(200, 0, 2, 'update'),
      ...wrote(200, 0, 2, 1, { title: 'c0' }),
      { t: 300, type: 'invoke', client: 0, clientTime: 300, opId: 2, action: 'delete', entityId: 'n1', fields: {} },
      { t: 300, type: 'engine', client: 0, clientTime: 300, event: { type: 'coalesced', at: 300, queueId: 'c0:2', into: 'c0:2' } },
      { t: 300, type: 'complete', client: 0, opId: 2, outcome: 'ok', queueId: 'c0:2', error: null },
      rollback(400),
      lostConflict(410, 0, 2),
    ]);
    expect(checkNoLostAck(history, indexHistory(history)).violations).toEqual([]);
  });
});

/** Default seed 68571, in small (see its test). */
function coalescedRepair(): StoredEvent[] {
  return [
    enqueued(90, 0, 1, 'create'),
    applied(100, 0, 1, 'create', 1),
    acked(110, 0, 1, 1),
    rollback(400),
    { t: 410, type: 'engine', client: 0, clientTime: 410, event: { type: 'repair-enqueued', at: 410, queueId: 'c0:2', entityType: 'note', entityId: 'n1', reuploads: 'c0:1' } },
    { t: 420, type: 'invoke', client: 0, clientTime: 420, opId: 1, action: 'delete', entityId: 'n1', fields: {} },
    { t: 420, type: 'engine', client: 0, clientTime: 420, event: { type: 'coalesced', at: 420, queueId: 'c0:2', into: null } },
    { t: 420, type: 'complete', client: 0, opId: 1, outcome: 'ok', queueId: null, error: null },
  ];
}

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

describe('no-lost-ack', () => {
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
});

// tombstone-safety's delete-undone rule over small hand-made histories: a delete that returned ok
// and a later restore of an older snapshot holding the entity.

import { describe, expect, it } from 'vitest';
import type { History, OpAction, StoredEvent } from '../../sim/history.ts';
import type { Action } from '../../engine/protocol.ts';
import { historyOf, USER } from './hand-made.ts';
import { indexHistory } from './history-index.ts';
import { checkTombstones } from './tombstones.ts';

function op(t: number, client: number, opId: number, action: OpAction, queueId: string | null): StoredEvent[] {
  return [
    { t, type: 'invoke', client, clientTime: t, opId, action, entityId: 'n1', fields: {} },
    { t, type: 'complete', client, opId, outcome: 'ok', queueId, error: null },
  ];
}

function applied(t: number, client: number, seq: number, action: Action): StoredEvent {
  const change = { user: USER, queueId: `c${client}:${seq}`, clientId: `c${client}`, entityType: 'note', entityId: 'n1', action, revision: seq, seq, serverTime: t, deleted: action === 'delete' };
  return { t, type: 'apply', user: USER, instance: 1, change };
}

/** A server-rollback fault: its snapshot is taken at `fromT`, restored at `atT`. */
function rollbackWindow(fromT: number, atT: number): StoredEvent[] {
  const fault = { atMs: fromT, kind: 'server-rollback' as const, durationMs: atT - fromT, client: -1, param: 0 };
  return [
    { t: fromT, type: 'fault', phase: 'start', index: 0, fault },
    { t: atT, type: 'fault', phase: 'stop', index: 0, fault },
    { t: atT, type: 'server', action: 'rollback', epoch: 'e2', instance: 2 },
  ];
}

/** Ends with n1 alive on the server. */
function endsAlive(events: StoredEvent[]): History {
  const history = historyOf(events);
  history.server = { ...history.server!, users: { [USER]: { n1: { title: 'x' } } } };
  return history;
}

function rules(history: History): string[] {
  return checkTombstones(history, indexHistory(history)).violations.map((v) => v.rule);
}

/**
 * Default seed 68571 with a second rollback, in small: c0's create (c0:1) is applied at 50; a
 * snapshot is taken at 60; c0 deletes n1 at 100, settled without a send (the create it met was an
 * unsent re-upload: queueId null); the restore at 200 brings c0:1 back.
 */
const createdThenRestored = (): StoredEvent[] => [...op(40, 0, 1, 'create', 'c0:1'), applied(50, 0, 1, 'create'), ...op(100, 0, 2, 'delete', null)];

describe('tombstone-safety: delete-undone', () => {
  it('flags a delete that returned ok when a restore brings back the state it deleted (default seed 68571, nested)', () => {
    const [create, createOk, apply, ...del] = createdThenRestored();
    const history = endsAlive([create!, createOk!, apply!, rollbackWindow(60, 200)[0]!, ...del, ...rollbackWindow(60, 200).slice(1)]);
    expect(rules(history)).toEqual(['delete-undone']);
  });

  it('holds when the server ends without the entity', () => {
    const history = historyOf([...createdThenRestored(), ...rollbackWindow(60, 200).slice(1)]);
    expect(rules(history)).toEqual([]);
  });

  it('holds when the user wrote the entity again after the delete', () => {
    const history = endsAlive([...createdThenRestored(), ...op(150, 0, 3, 'create', 'c0:3'), applied(160, 0, 3, 'create')]);
    expect(rules(history)).toEqual([]);
  });

  it('holds when the state the server ends with was written after the delete (by anyone)', () => {
    const history = endsAlive([...createdThenRestored(), applied(150, 1, 1, 'create')]);
    expect(rules(history)).toEqual([]);
  });

  it("holds when the state is another client's, written before the delete (the deleting client may never have known it)", () => {
    const history = endsAlive([applied(20, 1, 1, 'create'), ...op(100, 0, 1, 'delete', null)]);
    expect(rules(history)).toEqual([]);
  });

  // Default seed 7575: c0's acked delete (c0:2) was lost to a rollback; the repair re-sent it as
  // c0:3, which the server refused for good (dead-lettered): the server's word, not an undoing.
  it("holds when the delete's rollback re-upload was dead-lettered", () => {
    const engine = (t: number, event: Extract<StoredEvent, { type: 'engine' }>['event']): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event });
    const events = [
      ...op(40, 0, 1, 'create', 'c0:1'), applied(50, 0, 1, 'create'), rollbackWindow(60, 200)[0]!,
      engine(100, { type: 'enqueued', at: 100, queueId: 'c0:2', entityType: 'note', entityId: 'n1', action: 'delete', payload: {} }),
      ...op(100, 0, 2, 'delete', 'c0:2'), applied(110, 0, 2, 'delete'), ...rollbackWindow(60, 200).slice(1),
      engine(210, { type: 'repair-enqueued', at: 210, queueId: 'c0:3', entityType: 'note', entityId: 'n1', reuploads: 'c0:2' }),
    ];
    const dead = engine(220, { type: 'dead-lettered', at: 220, queueId: 'c0:3', code: 'forbidden', message: 'no' });
    expect(rules(endsAlive(events))).toEqual(['delete-undone']);
    expect(rules(endsAlive([...events, dead]))).toEqual([]);
  });

  // Default seed 18627: c1's delete of n1 met c0's delete, applied first (a tombstone: dropped);
  // a rollback lost c0's delete, whose re-upload the server then refused for good. c1's delete
  // stands or falls with it: the restored n1 (c1's own earlier write) stays by the server's word.
  it('holds when the delete met a tombstone whose delete was re-uploaded and dead-lettered', () => {
    const engine = (t: number, client: number, event: Extract<StoredEvent, { type: 'engine' }>['event']): StoredEvent => ({ t, type: 'engine', client, clientTime: t, event });
    const tombstone = { revision: 2, deleted: true, fields: {}, updatedAt: 90 };
    const events = [
      ...op(40, 1, 1, 'create', 'c1:1'), applied(50, 1, 1, 'create'), rollbackWindow(60, 200)[0]!,
      engine(90, 0, { type: 'enqueued', at: 90, queueId: 'c0:1', entityType: 'note', entityId: 'n1', action: 'delete', payload: {} }),
      applied(95, 0, 1, 'delete'),
      engine(100, 1, { type: 'enqueued', at: 100, queueId: 'c1:2', entityType: 'note', entityId: 'n1', action: 'delete', payload: {} }),
      ...op(100, 1, 2, 'delete', 'c1:2'),
      engine(110, 1, { type: 'conflict', at: 110, queueId: 'c1:2', entityType: 'note', entityId: 'n1', policy: 'lww-hlc', local: { payload: {}, clientTime: 100, stamp: null }, server: tombstone, outcome: 'server-wins' }),
      ...rollbackWindow(60, 200).slice(1),
      engine(210, 0, { type: 'repair-enqueued', at: 210, queueId: 'c0:2', entityType: 'note', entityId: 'n1', reuploads: 'c0:1' }),
    ];
    const dead = engine(220, 0, { type: 'dead-lettered', at: 220, queueId: 'c0:2', code: 'forbidden', message: 'no' });
    expect(rules(endsAlive(events))).toEqual(['delete-undone']);
    expect(rules(endsAlive([...events, dead]))).toEqual([]);
  });

  it('holds when the delete was dead-lettered', () => {
    const dead: StoredEvent = { t: 120, type: 'engine', client: 0, clientTime: 120, event: { type: 'dead-lettered', at: 120, queueId: 'c0:2', code: 'forbidden', message: 'no' } };
    const enqueued: StoredEvent = { t: 100, type: 'engine', client: 0, clientTime: 100, event: { type: 'enqueued', at: 100, queueId: 'c0:2', entityType: 'note', entityId: 'n1', action: 'delete', payload: {} } };
    const history = endsAlive([...op(40, 0, 1, 'create', 'c0:1'), applied(50, 0, 1, 'create'), enqueued, ...op(100, 0, 2, 'delete', 'c0:2'), dead]);
    expect(rules(history)).toEqual([]);
  });
});

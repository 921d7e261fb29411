// lww-real-time over small hand-made histories: which true write time a rollback repair's
// re-upload stands for when it meets another client's write in an LWW conflict.

import { describe, expect, it } from 'vitest';
import type { History, StoredEvent } from '../../sim/history.ts';
import { historyOf, rollback, USER } from './hand-made.ts';
import type { Action } from '../../engine/protocol.ts';
import type { ConflictOutcome } from '../../engine/events.ts';
import { indexHistory } from './history-index.ts';
import { checkLwwRealTime } from './conflicts.ts';

const CONTEXT = { conflictPolicy: 'lww-hlc', backoffBaseMs: 10_000, backoffCapMs: 86_400_000 } as const;

function engine(t: number, client: number, event: Extract<StoredEvent, { type: 'engine' }>['event']): StoredEvent {
  return { t, type: 'engine', client, clientTime: t, event };
}

const enqueued = (t: number, queueId: string, action: Action): StoredEvent =>
  engine(t, clientOf(queueId), { type: 'enqueued', at: t, queueId, entityType: 'note', entityId: 'n1', action, payload: {} });

const repair = (t: number, queueId: string, reuploads: string): StoredEvent =>
  engine(t, clientOf(queueId), { type: 'repair-enqueued', at: t, queueId, entityType: 'note', entityId: 'n1', reuploads });

function applied(t: number, queueId: string, action: Action, revision: number): StoredEvent {
  const change = { user: USER, queueId, clientId: `c${clientOf(queueId)}`, entityType: 'note', entityId: 'n1', action, revision, seq: revision, serverTime: t, deleted: false };
  return { t, type: 'apply', user: USER, instance: 1, change };
}

const acked = (t: number, queueId: string, revision: number): StoredEvent =>
  engine(t, clientOf(queueId), { type: 'acked', at: t, queueId, revision, replayed: false, attempts: 1 });

const deadLettered = (t: number, queueId: string): StoredEvent =>
  engine(t, clientOf(queueId), { type: 'dead-lettered', at: t, queueId, code: 'forbidden', message: 'no permission' });

function conflict(t: number, queueId: string, serverRevision: number, outcome: ConflictOutcome): StoredEvent {
  return engine(t, clientOf(queueId), {
    type: 'conflict', at: t, queueId, entityType: 'note', entityId: 'n1', policy: 'lww-hlc', outcome,
    local: { payload: {}, clientTime: t, stamp: null }, server: { revision: serverRevision, deleted: false, fields: {}, updatedAt: 0 },
  });
}

function clientOf(queueId: string): number {
  return Number(queueId.slice(1, queueId.indexOf(':')));
}

/**
 * The shape of default seed 9015: c0 writes n1 at 100 s (applied, but its ack lost and the
 * retry refused for good; c0 learns the state from a pull); c1 writes at 300 s (acked). A
 * rollback loses both; c0's repair c0:2 lands first, c1's repair c1:2 meets it as a conflict.
 */
function reuploadsMeet(c0Reuploads: string, outcome: ConflictOutcome): History {
  return historyOf([
    enqueued(100_000, 'c0:1', 'create'),
    applied(100_010, 'c0:1', 'create', 1),
    deadLettered(200_000, 'c0:1'),
    enqueued(300_000, 'c1:1', 'update'),
    applied(300_010, 'c1:1', 'update', 2),
    acked(300_020, 'c1:1', 2),
    rollback(400_000),
    repair(400_100, 'c0:2', c0Reuploads),
    applied(400_110, 'c0:2', 'create', 1),
    acked(400_120, 'c0:2', 1),
    repair(400_200, 'c1:2', 'c1:1'),
    conflict(400_210, 'c1:2', 1, outcome),
  ]);
}

describe('lww-real-time', () => {
  it('a re-upload stands for the write it carries back, even one whose ack was lost: the later write winning over it is right', () => {
    const history = reuploadsMeet('c0:1', 'local-wins');
    const result = checkLwwRealTime(history, indexHistory(history), CONTEXT);
    expect(result.violations.map((v) => v.message)).toEqual([]);
  });

  it('the earlier write carried back winning over the later one is still a lost update', () => {
    const history = reuploadsMeet('c0:1', 'server-wins');
    const result = checkLwwRealTime(history, indexHistory(history), CONTEXT);
    expect(result.violations.map((v) => v.queueIds)).toEqual([['c1:2', 'c0:2']]);
    expect(result.violations[0]!.message).toMatch(/c1's write c1:2 at 00:05:00\.000 .* lost to the earlier c0's write c0:2 at 00:01:40\.000/);
  });
});

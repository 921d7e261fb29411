// Small hand-made histories for the checkers' unit tests: two clients of one user whose server
// ended in epoch e2 with an empty log (a rollback to before every write of the story).

import { EventLog, MessageLog, type History, type StoredEvent } from '../../sim/history.ts';

export const USER = 'team-0';

/** Clients c0 and c1 of USER; the server ends with no entity and nothing in its log. */
export function historyOf(events: StoredEvent[]): History {
  const client = (i: number) => ({ client: i, clientId: `c${i}`, user: USER, crashed: false, cursor: 0, epoch: 'e2', entities: {}, tombstones: [], queue: [], deadLetters: [], conflicts: [] });
  return {
    events: EventLog.of(events),
    messages: new MessageLog(),
    healedAt: 0,
    endedAt: events.at(-1)!.t,
    converged: true,
    clients: [client(0), client(1)],
    server: { epoch: 'e2', users: { [USER]: {} }, tombstones: {}, appliedQueueIds: { [USER]: [] } },
    traceHash: '',
  };
}

/** The server restored an older snapshot as epoch e2. */
export const rollback = (t: number): StoredEvent => ({ t, type: 'server', action: 'rollback', epoch: 'e2', instance: 2 });

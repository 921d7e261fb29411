// Rollback repair while an update of the entity is in a request on its way (default seed 19643):
// the server applies that request as it was sent, so the repair must not fold the lost write
// into it; the lost fields go in an op of their own, sent once the update is answered.

import { describe, expect, it } from 'vitest';
import { CoreHarness, ackAll, acked, change, eventsOfType, ok, pullPage, pushAnswer } from '../testing/core-harness.ts';

const E2 = 'E2';

/**
 * 'a' created (me:1, revision 1) and its title updated (me:2, revision 2) in E1; then an update
 * of its body (me:3, on revision 2) leaves. Before it is answered a pull meets E2, restored from
 * before me:2: another client's title made its revision 2 there (the same number, other content).
 */
function repairedWithUpdateInFlight(): CoreHarness {
  const h = CoreHarness.started({ conflictPolicy: 'lww-hlc' });
  h.answerPullEmpty();
  h.write('create', 'a', { title: 'first', body: 'first' });
  h.answerPush(ackAll(h.push!.request, () => 1));
  h.write('update', 'a', { title: 'mine' });
  h.answerPush(ackAll(h.push!.request, () => 2));
  h.write('update', 'a', { body: 'mine' });
  expect(h.push?.request.items).toMatchObject([{ queueId: 'me:3', baseRevision: 2, payload: { body: 'mine' } }]);
  h.step({ type: 'sync' });
  h.answerPull(ok(pullPage([], 2, { epoch: E2 })));
  const theirs = change('a', 2, { title: 'theirs', body: 'first' }, { origin: { clientId: 'other', queueId: 'other:1' } });
  h.answerPull(ok(pullPage([theirs], 1, { epoch: E2 })));
  return h;
}

describe('rollback repair with an update in flight', () => {
  it('leaves the update as it was sent and carries the lost fields in an op of their own', () => {
    const h = repairedWithUpdateInFlight();
    expect(h.queue()).toMatchObject([
      { queueId: 'me:3', action: 'update', payload: { body: 'mine' }, baseRevision: 2, baseFields: { title: 'theirs', body: 'first' } },
      { queueId: 'me:4', action: 'update', payload: { title: 'mine' } }, // body: me:3 writes a newer one
    ]);
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'mine', body: 'mine' } });
  });

  it('the ack confirms what the server applied, and the lost title follows on top of it', () => {
    const h = repairedWithUpdateInFlight();
    const update = h.push!.request.items[0]!; // me:3, as it was sent
    const effects = h.answerPush(pushAnswer([acked(update, 3)], E2));
    expect(eventsOfType(effects, 'acked')).toMatchObject([{ queueId: 'me:3', revision: 3 }]);
    // The server took me:3 on its own revision 2: its title is still theirs.
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'mine', body: 'mine' }, server: { revision: 3, fields: { title: 'theirs', body: 'mine' } } });
    expect(h.push?.request.items).toMatchObject([{ queueId: 'me:4', action: 'update', baseRevision: 3, payload: { title: 'mine' } }]);
    h.answerPush(ackAll(h.push!.request, () => 4, E2));
    expect(h.core.queueLength()).toBe(0);
    expect(h.core.get('todo', 'a')).toMatchObject({ fields: { title: 'mine', body: 'mine' }, server: { revision: 4, fields: { title: 'mine', body: 'mine' } } });
  });
});

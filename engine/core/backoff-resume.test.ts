// A backoff ends when its cause ends. After a whole push failed (no answer, 5xx, 429) the items
// wait out their backoff, unless a pull is answered ok first: the server is reachable again, so
// they go at once, attempts kept, each recorded as 'resumed' with that pull. An item the server
// itself refused (a retryable item error) keeps its wait, and a 429's Retry-After still holds.
// A conflict re-sends at once unless it follows a conflict (found on the standard run: items that
// had backed off through an outage held their first re-send back for over an hour after the heal).

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { PushResponse } from '../protocol.ts';
import type { TransportOutcome } from '../ports.ts';
import { CoreHarness, conflicted, eventsOfType, failed, http, ok, pullPage, pullsOf, pushAnswer, pushesOf, serverState, timedOut, unsent } from '../testing/core-harness.ts';

const SEED = 20261126;
/** Long enough that any wait it gives is still running when the pull is answered. */
const BACKOFF = { backoffBaseMs: 60_000, backoffCapMs: 3_600_000, jitter: 'none' as const };

type RequestFailure = { readonly kind: 'http'; readonly status: 500 | 503 | 408 } | { readonly kind: 'timeout' | 'unsent' };

const requestFailureArb: fc.Arbitrary<RequestFailure> = fc.oneof(
  fc.record({ kind: fc.constant('http' as const), status: fc.constantFrom(500 as const, 503 as const, 408 as const) }),
  fc.record({ kind: fc.constantFrom('timeout' as const, 'unsent' as const) }),
);

function outcomeOf(failure: RequestFailure): TransportOutcome<PushResponse> {
  if (failure.kind === 'http') return http(failure.status);
  return failure.kind === 'timeout' ? timedOut : unsent;
}

/** A started core (first pull answered) with one create of 'e1' in flight. */
function oneInFlight(options: Parameters<typeof CoreHarness.started>[0] = {}): CoreHarness {
  const h = CoreHarness.started({ ...BACKOFF, ...options });
  h.answerPullEmpty();
  h.write('create', 'e1', { title: 'kept' });
  assert.ok(h.push !== null, 'the write was not sent');
  return h;
}

type Effects = ReturnType<CoreHarness['answerPull']>;

/** Answer the pull in flight ok, with nothing new; the effects of that answer. */
function answerPullOk(h: CoreHarness): Effects {
  assert.ok(h.pull !== null, 'no pull in flight');
  return h.answerPull(ok(pullPage([], h.pull.query.cursor)));
}

/** Ask for a sync and answer its pull ok. */
function pullAnsweredOk(h: CoreHarness): Effects {
  h.step({ type: 'sync' });
  return answerPullOk(h);
}

/** The queueIds of each push among `effects`. */
function sentIds(effects: Effects): string[][] {
  return pushesOf(effects).map((p) => p.request.items.map((x) => x.queueId));
}

/** Nothing is pushed before `waitMs` after `since`, and 'me:1' is pushed right then. */
function expectFirstPushAfter(h: CoreHarness, since: number, waitMs: number): void {
  expect(sentIds(h.advance(since + waitMs - 1 - h.now))).toEqual([]);
  expect(sentIds(h.advance(1))).toEqual([['me:1']]);
}

describe('a backoff ends when its cause ends', () => {
  it('items held after failed pushes go at once when a pull is answered ok, attempts kept, each recorded with that pull', () => {
    fc.assert(
      fc.property(fc.array(requestFailureArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 50_000 }), (failures, waitedMs) => {
        const h = oneInFlight();
        for (const failure of failures) {
          h.answerPush(outcomeOf(failure));
          const item = h.queue()[0]!;
          assert.ok(item.nextAttemptAt > h.now + waitedMs, `backoff ${item.nextAttemptAt - h.now} ms too short for the test`);
          h.advance(waitedMs);
          assert.equal(h.push, null, 'sent before its backoff ended');
          h.step({ type: 'sync' });
          const pullId = h.pull!.requestId;
          const effects = answerPullOk(h);
          assert.deepEqual(eventsOfType(effects, 'resumed').map((e) => [e.queueId, e.requestId]), [['me:1', pullId]]);
          assert.deepEqual(sentIds(effects), [['me:1']]);
        }
        assert.equal(h.queue()[0]!.attempts, failures.length);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('a pull that fails ends no wait', () => {
    const h = oneInFlight();
    h.answerPush(http(503));
    h.step({ type: 'sync' });
    const effects = h.answerPull(http(503));
    expect(eventsOfType(effects, 'resumed')).toEqual([]);
    expect(pushesOf(effects)).toEqual([]);
  });

  it('an item the server refused with a retryable error keeps its wait: the server was reachable', () => {
    const h = oneInFlight();
    h.answerPush(pushAnswer([failed(h.push!.request.items[0]!, 'unavailable', true)]));
    const effects = pullAnsweredOk(h);
    expect(eventsOfType(effects, 'resumed')).toEqual([]);
    expect(sentIds(effects)).toEqual([]);
  });

  it("a 429's Retry-After still holds every push after the resume", () => {
    const h = oneInFlight();
    h.answerPush(http(429, 90_000));
    const askedAt = h.now;
    const effects = pullAnsweredOk(h);
    expect(eventsOfType(effects, 'resumed')).toHaveLength(1);
    expect(sentIds(effects)).toEqual([]);
    expectFirstPushAfter(h, askedAt, 90_000);
  });

  it('after a restart, the first pull answered ok frees every waiting item once: why it waits was not kept', () => {
    const h = oneInFlight();
    h.answerPush(pushAnswer([failed(h.push!.request.items[0]!, 'unavailable', true)]));
    h.restart();
    const effects = answerPullOk(h);
    expect(eventsOfType(effects, 'resumed').map((e) => e.queueId)).toEqual(['me:1']);
    expect(sentIds(effects)).toEqual([['me:1']]);
  });

  it("but not one a 429 held: its Retry-After was lost with the process, and its stored wait covers it", () => {
    const h = oneInFlight();
    h.answerPush(http(429, 90_000));
    h.restart();
    const effects = answerPullOk(h);
    expect(eventsOfType(effects, 'resumed')).toEqual([]);
    expect(sentIds(effects)).toEqual([]);
  });

  // Field-merge seed 2742: an outage's failures had doubled the item's backoff eleven times, so a
  // 429 asking for 21 s stored a wait of 3.5 h, and the restart that followed kept it whole.
  it("a 429's stored wait is its Retry-After, however often the item failed before: a restart strands nothing", () => {
    const h = oneInFlight();
    for (let i = 0; i < 10; i++) {
      h.answerPush(http(503));
      h.advance(h.queue()[0]!.nextAttemptAt - h.now);
    }
    expect(h.queue()[0]!.attempts).toBe(10);
    h.answerPush(http(429, 21_000));
    const askedAt = h.now;
    expect(h.queue()[0]!.nextAttemptAt - askedAt).toBeLessThanOrEqual(21_000 + BACKOFF.backoffBaseMs);
    h.restart();
    expect(sentIds(answerPullOk(h))).toEqual([]);
    expectFirstPushAfter(h, askedAt, 21_000);
    expect(h.now - askedAt).toBeLessThanOrEqual(21_000 + BACKOFF.backoffBaseMs);
  });

  it("a resumed item keeps a 429's Retry-After across a restart", () => {
    const h = oneInFlight();
    h.answerPush(http(429, 90_000));
    const askedAt = h.now;
    pullAnsweredOk(h);
    h.restart();
    expect(sentIds(answerPullOk(h))).toEqual([]);
    expectFirstPushAfter(h, askedAt, 90_000);
  });

  it('a wait ended once is not ended again by the next pull', () => {
    const h = oneInFlight();
    h.answerPush(http(503));
    pullAnsweredOk(h);
    h.answerPush(pushAnswer([failed(h.push!.request.items[0]!, 'unavailable', true)]));
    expect(eventsOfType(pullAnsweredOk(h), 'resumed')).toEqual([]);
    expect(pullsOf(h.log).length).toBeGreaterThan(2);
  });
});

describe('a conflict re-send', () => {
  it('goes at once after failed pushes, and backs off only when it meets a conflict again', () => {
    const h = oneInFlight({ conflictPolicy: 'client-wins' });
    h.answerPush(http(503));
    h.advance(h.queue()[0]!.nextAttemptAt - h.now);
    h.answerPush(timedOut);
    h.advance(h.queue()[0]!.nextAttemptAt - h.now);
    const first = h.answerPush(pushAnswer([conflicted(h.push!.request.items[0]!, serverState(3, { title: 'theirs' }))]));
    expect(pushesOf(first).map((p) => p.request.items.map((x) => [x.queueId, x.action, x.baseRevision]))).toEqual([[['me:1', 'update', 3]]]);
    const again = h.answerPush(pushAnswer([conflicted(h.push!.request.items[0]!, serverState(4, { title: 'theirs again' }))]));
    expect(pushesOf(again)).toEqual([]);
    expect(h.queue()[0]).toMatchObject({ attempts: 4 });
    // Backed off by the streak (1 conflict before it: one base), not by its 4 attempts.
    expect(h.queue()[0]!.nextAttemptAt - h.now).toBe(BACKOFF.backoffBaseMs);
  });
});

// Error classification (DESIGN §4.10): transient failures (5xx, 408, 429, timeouts, unsent,
// retryable item errors) never dead-letter — they retry with attempts+1 inside the backoff
// envelope, never before Retry-After; permanent ones (retryable:false, 4xx but 401/408/413/429)
// dead-letter with the payload kept; 401 refreshes the token and costs no attempt.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { PushResponse } from '../protocol.ts';
import type { TransportOutcome } from '../ports.ts';
import type { JitterKind } from '../options.ts';
import { backoffCeilingMs } from '../policy/backoff.ts';
import { CoreHarness, ackAll, eventsOfType, failed, http, pushAnswer, pushesOf, timedOut, unsent } from '../testing/core-harness.ts';

const SEED = 20261203;
const BACKOFF = { backoffBaseMs: 1000, backoffCapMs: 60_000 };

/** A started core with one create of 'e1' in flight. */
function oneInFlight(options: { jitter?: JitterKind } = {}, seed = 1): CoreHarness {
  const h = CoreHarness.started({ ...BACKOFF, ...options }, { seed });
  h.answerPullEmpty();
  h.write('create', 'e1', { title: 'kept' });
  expect(h.push).not.toBeNull();
  return h;
}

type Transient = { readonly kind: 'http'; readonly status: 500 | 503 | 408 | 429; readonly retryAfterMs: number | null } | { readonly kind: 'timeout' | 'unsent' | 'item-retryable' };

const transientArb: fc.Arbitrary<Transient> = fc.oneof(
  fc.record({ kind: fc.constant('http' as const), status: fc.constantFrom(500 as const, 503 as const, 408 as const), retryAfterMs: fc.constant(null) }),
  fc.record({ kind: fc.constant('http' as const), status: fc.constant(429 as const), retryAfterMs: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: null }) }),
  fc.record({ kind: fc.constantFrom('timeout' as const, 'unsent' as const, 'item-retryable' as const) }),
);

function outcomeOf(failure: Transient, h: CoreHarness): TransportOutcome<PushResponse> {
  if (failure.kind === 'http') return http(failure.status, failure.retryAfterMs);
  if (failure.kind === 'timeout') return timedOut;
  if (failure.kind === 'unsent') return unsent;
  return pushAnswer(h.push!.request.items.map((item) => failed(item, 'unavailable', true)));
}

/** Bounds of the delay after `attempts` failures, per jitter kind (policy/backoff.ts). */
function envelope(jitter: JitterKind, attempts: number): [number, number] {
  const ceiling = backoffCeilingMs({ ...BACKOFF, jitter }, attempts);
  switch (jitter) {
    case 'none':
      return [ceiling, ceiling];
    case 'full':
      return [0, ceiling];
    case 'equal':
      return [Math.floor(ceiling / 2), ceiling];
    case 'decorrelated': {
      const previous = attempts > 1 ? backoffCeilingMs({ ...BACKOFF, jitter }, attempts - 1) : BACKOFF.backoffBaseMs;
      return [BACKOFF.backoffBaseMs, Math.min(BACKOFF.backoffCapMs, 3 * previous)];
    }
  }
}

describe('error classification', () => {
  it('transient failures never dead-letter: attempts+1, nextAttemptAt within the backoff envelope (of all attempts after a failed request, of the item errors in a row after one the server answered for the item), or Retry-After spread by at most one base', () => {
    const jitterArb = fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated');
    fc.assert(
      fc.property(jitterArb, fc.array(transientArb, { minLength: 1, maxLength: 8 }), fc.nat(1000), (jitter, failures, seed) => {
        const h = oneInFlight({ jitter }, seed);
        let itemErrorsInARow = 0;
        failures.forEach((failure, i) => {
          itemErrorsInARow = failure.kind === 'item-retryable' ? itemErrorsInARow + 1 : 0;
          const sentAt = h.now;
          h.answerPush(outcomeOf(failure, h));
          assert.deepEqual(h.core.deadLetters(), [], 'a transient failure dead-lettered');
          const [item] = h.queue();
          assert.deepEqual([item?.queueId, item?.attempts, item?.payload], ['me:1', i + 1, { title: 'kept' }]);
          const retryAfterMs = failure.kind === 'http' ? failure.retryAfterMs : null;
          // A Retry-After is the wait, spread by at most one base; otherwise the backoff envelope.
          const [low, high] = retryAfterMs === null ? envelope(jitter, itemErrorsInARow > 0 ? itemErrorsInARow : i + 1) : [retryAfterMs, retryAfterMs + (jitter === 'none' ? 0 : BACKOFF.backoffBaseMs)];
          const delayMs = item!.nextAttemptAt - sentAt;
          assert.ok(delayMs >= low && delayMs <= high, `delay ${delayMs} outside [${low}, ${high}] (Retry-After ${retryAfterMs})`);
          // Nothing goes before nextAttemptAt; at it, the same item goes again.
          if (delayMs > 0) {
            assert.deepEqual(pushesOf(h.advance(delayMs - 1)), [], 'sent before nextAttemptAt');
            h.advance(1);
          }
          assert.deepEqual(h.push?.request.items.map((x) => x.queueId), ['me:1']);
        });
        h.answerPush(ackAll(h.push!.request));
        assert.equal(h.core.queueLength(), 0);
        assert.equal(eventsOfType(h.log, 'acked')[0]!.attempts, failures.length + 1);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('an item error after an outage backs off from the first step: the attempts a 429 storm took say nothing of the item (default seed 1400 with item-busy)', () => {
    const h = oneInFlight({ jitter: 'none' });
    for (let i = 0; i < 15; i++) {
      h.answerPush(http(429, 1_000));
      h.advance(h.queue()[0]!.nextAttemptAt - h.now);
    }
    expect(h.queue()[0]!.attempts).toBe(15);
    const sentAt = h.now;
    h.answerPush(pushAnswer(h.push!.request.items.map((item) => failed(item, 'busy', true))));
    const [item] = h.queue();
    expect(item!.attempts).toBe(16);
    expect(item!.nextAttemptAt - sentAt).toBe(envelope('none', 1)[1]);
    // A second one in a row doubles it.
    h.advance(item!.nextAttemptAt - h.now);
    const again = h.now;
    h.answerPush(pushAnswer(h.push!.request.items.map((x) => failed(x, 'busy', true))));
    expect(h.queue()[0]!.nextAttemptAt - again).toBe(envelope('none', 2)[1]);
  });

  it('an item error with retryable:false dead-letters the item with its payload kept', () => {
    const h = oneInFlight();
    h.answerPush(pushAnswer([failed(h.push!.request.items[0]!, 'invalid_field', false)]));
    expect(h.core.queueLength()).toBe(0);
    expect(h.core.deadLetters()).toMatchObject([{ queueId: 'me:1', code: 'invalid_field', item: { action: 'create', payload: { title: 'kept' } } }]);
    expect(h.store.dead_letter.get('me:1')).toMatchObject({ item: { payload: { title: 'kept' } } }); // durable, not only in memory
  });

  it.each([400, 403, 404, 409, 410, 422])('a whole-request %i on a single item dead-letters it as http_<status>, payload kept', (status) => {
    const h = oneInFlight();
    h.answerPush(http(status));
    expect(h.core.queueLength()).toBe(0);
    expect(h.core.deadLetters()).toMatchObject([{ queueId: 'me:1', code: `http_${status}`, item: { payload: { title: 'kept' } } }]);
  });

  it('a 413 on a single item dead-letters it as too_large, payload kept', () => {
    const h = oneInFlight();
    h.answerPush(http(413));
    expect(h.core.deadLetters()).toMatchObject([{ queueId: 'me:1', code: 'too_large', item: { payload: { title: 'kept' } } }]);
  });

  it('401 asks for a token refresh, counts no attempt, and sends the same item again once refreshed', () => {
    const h = oneInFlight();
    const before = h.queue()[0]!;
    const effects = h.answerPush(http(401));
    expect(effects.filter((e) => e.type === 'refresh-token')).toHaveLength(1);
    expect(h.queue()).toEqual([before]);
    expect(eventsOfType(effects, 'retried')).toEqual([]);
    expect(h.core.deadLetters()).toEqual([]);

    const waiting = [...h.step({ type: 'sync' }), ...h.advance(60_000)];
    expect(waiting.filter((e) => e.type === 'push' || e.type === 'pull')).toEqual([]); // nothing goes without a token

    h.step({ type: 'token-refreshed', ok: true });
    expect(h.push?.request.items.map((i) => i.queueId)).toEqual(['me:1']);
    h.answerPush(ackAll(h.push!.request));
    expect(eventsOfType(h.log, 'acked')).toMatchObject([{ queueId: 'me:1', attempts: 1 }]);
  });
});

// Retries wait their turn (eventual-delivery) over small hand-made histories: a send before its
// retry is due is a violation, unless the client's clock stepped forward in between by less
// than the engine notices (it then takes the step for elapsed time; default seed 19829), or by
// any amount the engine never saw: while the app was down, or just before a crash (seed 302499).

import { describe, expect, it } from 'vitest';
import { CLOCK_STEP_TOLERANCE_MS } from '../../engine/core/sync-core.ts';
import type { StoredEvent } from '../../sim/history.ts';
import { historyOf } from './hand-made.ts';
import { indexHistory } from './history-index.ts';
import { checkEventualDelivery } from './liveness.ts';

const RETRY_AT = 10_000;
const DELAY_MS = 5_766;
/** When the retry is due in true time, less the drift allowance and 1 ms (liveness.ts). */
const DUE = RETRY_AT + Math.floor(DELAY_MS * 0.999) - 1;

const retried = (t: number): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'retried', at: t, queueId: 'c0:1', attempts: 2, delayMs: DELAY_MS, reason: 'http 500' } });
const sent = (t: number): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'sent', at: t, requestId: 3, queueIds: ['c0:1'], bytes: 200 } });
const clockStep = (t: number, deltaMs: number, client = 0): StoredEvent => ({ t, type: 'fault', phase: 'start', index: 0, fault: { atMs: t, kind: 'clock-step', durationMs: 60_000, client, param: deltaMs } });

const crash = (t: number): StoredEvent => ({ t, type: 'crash', client: 0, cause: 'close', detail: 'closed to upgrade from v1 to v2' });
const restart = (t: number): StoredEvent => ({ t, type: 'restart', client: 0, detail: '' });
const pulled = (t: number): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'pulled', at: t, requestId: 4, count: 0, cursor: 1, epoch: 'e2' } });

function violations(events: StoredEvent[]): string[] {
  const history = historyOf(events);
  return checkEventualDelivery(history, indexHistory(history)).violations.map((v) => v.message);
}

describe('eventual-delivery: retries wait their turn', () => {
  it('a send 259 ms before the retry is due is a violation', () => {
    expect(violations([retried(RETRY_AT), sent(DUE - 259)])).toEqual([expect.stringMatching(/^c0:1 was sent at .* before its retry was due/)]);
    expect(violations([retried(RETRY_AT), sent(DUE)])).toEqual([]);
  });

  it('unless the client clock stepped forward in between by up to the step, below the engine’s tolerance', () => {
    expect(violations([retried(RETRY_AT), clockStep(DUE - 300, 1_545), sent(DUE - 259)])).toEqual([]);
    expect(violations([retried(RETRY_AT), clockStep(DUE - 300, 1_545), sent(DUE - 1_546)])).toHaveLength(1);
  });

  it('a step before the retry, of another client, or backward excuses nothing', () => {
    expect(violations([clockStep(RETRY_AT - 1, 1_545), retried(RETRY_AT), sent(DUE - 259)])).toHaveLength(1);
    expect(violations([retried(RETRY_AT), clockStep(DUE - 300, 1_545, 1), sent(DUE - 259)])).toHaveLength(1);
    expect(violations([retried(RETRY_AT), clockStep(DUE - 300, -1_545), sent(DUE - 259)])).toHaveLength(1);
  });

  it('a step the engine notices (beyond its tolerance) excuses no more than the tolerance', () => {
    const stepMs = CLOCK_STEP_TOLERANCE_MS + 3_000;
    expect(violations([retried(RETRY_AT), clockStep(RETRY_AT + 100, stepMs), sent(DUE - CLOCK_STEP_TOLERANCE_MS)])).toEqual([]);
    expect(violations([retried(RETRY_AT), clockStep(RETRY_AT + 100, stepMs), sent(DUE - CLOCK_STEP_TOLERANCE_MS - 1)])).toHaveLength(1);
  });

  it('a step while the app is down counts in full: the restarted engine cannot tell it from time spent down (rolling-upgrade seed 302499)', () => {
    const stepMs = 163_202;
    const early = DUE - 7_729;
    expect(violations([retried(RETRY_AT), crash(RETRY_AT + 100), clockStep(RETRY_AT + 200, stepMs), restart(early), sent(early)])).toEqual([]);
    expect(violations([retried(RETRY_AT), crash(RETRY_AT + 100), clockStep(RETRY_AT + 200, 5_000), restart(DUE - 5_001), sent(DUE - 5_001)])).toHaveLength(1);
    expect(violations([retried(RETRY_AT), crash(RETRY_AT + 100), restart(early), sent(early)])).toHaveLength(1);
  });

  it('so does a step while up that no engine event followed before a crash, but not one the engine saw', () => {
    const stepMs = CLOCK_STEP_TOLERANCE_MS + 3_000;
    const early = DUE - stepMs;
    expect(violations([retried(RETRY_AT), clockStep(RETRY_AT + 100, stepMs), crash(RETRY_AT + 200), restart(early), sent(early)])).toEqual([]);
    expect(violations([retried(RETRY_AT), clockStep(RETRY_AT + 100, stepMs), pulled(RETRY_AT + 150), crash(RETRY_AT + 200), restart(early), sent(early)])).toHaveLength(1);
  });
});

describe('eventual-delivery: a backoff ended by a pull answered ok', () => {
  const resumed = (t: number, requestId = 4): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'resumed', at: t, queueId: 'c0:1', requestId } });
  const asked429 = (t: number, ms: number): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'request-failed', at: t, requestId: 3, kind: 'push', outcome: 'http', status: 429, delayMs: ms } });
  const retried429 = (t: number): StoredEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'retried', at: t, queueId: 'c0:1', attempts: 1, delayMs: DELAY_MS, reason: 'http 429' } });
  const early = RETRY_AT + 1_000;

  it('lets the item go at once when the resume names the pull answered in that step', () => {
    expect(violations([retried(RETRY_AT), pulled(early), resumed(early), sent(early)])).toEqual([]);
  });

  it('is a violation when no such pull was answered then, and the early send is one too', () => {
    expect(violations([retried(RETRY_AT), resumed(early), sent(early)])).toEqual([expect.stringMatching(/^c0:1 was released from its backoff .* by pull 4, but no such pull/), expect.stringMatching(/before its retry was due/)]);
    expect(violations([retried(RETRY_AT), pulled(early), resumed(early, 5), sent(DUE)])).toEqual([expect.stringMatching(/by pull 5, but no such pull/)]);
    expect(violations([retried(RETRY_AT), pulled(early - 1), resumed(early), sent(DUE)])).toHaveLength(1);
  });

  it("never lets it go before a 429's Retry-After", () => {
    const askedMs = 3_000;
    const history = [asked429(RETRY_AT, askedMs), retried429(RETRY_AT), pulled(early), resumed(early)];
    const retryAfterDue = RETRY_AT + Math.floor(askedMs * 0.999) - 1;
    expect(violations([...history, sent(retryAfterDue - 1)])).toEqual([expect.stringMatching(/before its retry was due/)]);
    expect(violations([...history, sent(retryAfterDue)])).toEqual([]);
  });
});

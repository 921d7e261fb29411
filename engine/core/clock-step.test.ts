// A clock step during a round trip: the request left on the clock before the step and its answer
// came on the clock after it. The step is taken at once (the monotonic clock tells), and the
// skew sample the answer gives must be read on one clock, not undo that correction by half.

import { describe, expect, it } from 'vitest';
import { acked, CoreHarness, ok, pullPage, pushAnswer } from '../testing/core-harness.ts';
import { decodeStamp } from '../policy/hlc.ts';
import type { EngineOptions } from '../options.ts';
import type { SyncMetadata } from '../model.ts';

const LWW_HLC: Partial<EngineOptions> = { conflictPolicy: 'lww-hlc' };
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** This client's clock runs 2 min ahead of the server's until it is stepped 3 h back. */
const AHEAD_MS = 2 * MINUTE_MS;
const RTT_MS = 10;

function offsetMs(h: CoreHarness): number {
  return (h.snapshot().metadata.get('sync') as SyncMetadata).clockOffsetMs;
}

/** A started client that has had its first contact (skew known: -2 min) and has nothing in flight. */
function contacted(options: Partial<EngineOptions> = {}, monotonic = true): CoreHarness {
  const h = CoreHarness.started({ ...LWW_HLC, ...options }, { monotonic });
  h.advance(RTT_MS);
  h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now - RTT_MS / 2 - AHEAD_MS }));
  expect(offsetMs(h)).toBe(-AHEAD_MS);
  return h;
}

describe('a clock step while a request is in flight (lww-hlc)', () => {
  it('a pull sent before a 3 h backward step and answered after it keeps the stepped skew, and a later write is stamped at true time', () => {
    const h = contacted();
    h.advance(30_000);
    h.step({ type: 'sync' });
    expect(h.pull).not.toBeNull();
    h.stepClock(-3 * HOUR_MS);
    h.advance(RTT_MS);
    const trueNow = h.now + 3 * HOUR_MS - AHEAD_MS;
    h.answerPull(ok({ ...pullPage([], 0), serverTime: trueNow - RTT_MS / 2 }));
    expect(offsetMs(h)).toBe(3 * HOUR_MS - AHEAD_MS);
    h.write('create', 'a', { x: 1 });
    expect(decodeStamp(h.queue()[0]!.stamp!)).toEqual({ wallMs: trueNow, counter: 0 });
  });

  it('so does a push answered after the step', () => {
    const h = contacted();
    h.advance(30_000);
    h.write('create', 'a', { x: 1 });
    const item = h.push!.request.items[0]!;
    h.stepClock(-3 * HOUR_MS);
    h.advance(RTT_MS);
    const trueNow = h.now + 3 * HOUR_MS - AHEAD_MS;
    h.answerPush(pushAnswer([acked(item, 1, trueNow - RTT_MS / 2)]));
    expect(offsetMs(h)).toBe(3 * HOUR_MS - AHEAD_MS);
  });

  it('with no monotonic clock, the answer that straddled the step is no sample; the next timer takes the step in full', () => {
    const h = contacted({ syncIntervalMs: 30_000 }, false);
    h.advance(10_000);
    h.step({ type: 'sync' });
    h.stepClock(-3 * HOUR_MS);
    h.advance(RTT_MS);
    h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now + 3 * HOUR_MS - AHEAD_MS - RTT_MS / 2 }));
    expect(offsetMs(h)).toBe(-AHEAD_MS); // not -2 min + 1.5 h: the round trip read -3 h on our clock
    h.advance(20_000); // the interval timer fires 3 h before its due time on the stepped clock
    expect(offsetMs(h)).toBe(3 * HOUR_MS - AHEAD_MS);
  });
});

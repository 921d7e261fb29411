// Stamps before the first contact: under lww-hlc the skew is unknown until a pull tells the
// server's time, so nothing is pushed before it, and the stamps made until then (on the raw
// client clock) are moved by the correction, keeping our own writes in order.

import { describe, expect, it } from 'vitest';
import { acked, CoreHarness, ok, pullPage, pushAnswer, pushesOf } from '../testing/core-harness.ts';
import { decodeStamp } from '../policy/hlc.ts';
import type { EngineOptions } from '../options.ts';
import type { SyncMetadata } from '../model.ts';

const LWW_HLC: Partial<EngineOptions> = { conflictPolicy: 'lww-hlc' };
const MINUTE_MS = 60_000;

/** The skew the core learned (server minus client clock, estimated at the round trip's midpoint). */
function offsetMs(h: CoreHarness): number {
  return (h.snapshot().metadata.get('sync') as SyncMetadata).clockOffsetMs;
}

/** Wall and counter of each queued item's stamp, in queue order. */
function stamps(h: CoreHarness): { wallMs: number; counter: number }[] {
  return h.queue().map((item) => decodeStamp(item.stamp!)!);
}

describe('first contact under lww-hlc', () => {
  it('a write made before the first pull answers waits for it, then goes with its stamp moved to server time', () => {
    const h = CoreHarness.started(LWW_HLC); // this client's clock is 2 min ahead
    const writtenAt = h.now;
    expect(pushesOf(h.write('create', 'a', { x: 1 }))).toEqual([]);
    h.advance(10);
    const effects = h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now - 2 * MINUTE_MS }));
    expect(offsetMs(h)).toBe(-2 * MINUTE_MS + 5);
    const [push] = pushesOf(effects);
    expect(push?.request.items.map((i) => decodeStamp(i.stamp!))).toEqual([{ wallMs: writtenAt + offsetMs(h), counter: 0 }]);
    expect(push?.request.items[0]!.stamp).toMatch(/\.me$/);
  });

  it('a clock behind is moved forward too, our writes keep their order, and a write after the contact sorts after them', () => {
    const h = CoreHarness.started(LWW_HLC); // this client's clock is 5 min behind
    h.write('create', 'a', { x: 1 });
    h.write('create', 'b', { y: 1 }); // same ms: the counter orders it
    h.advance(1000);
    h.write('create', 'c', { z: 1 });
    const before = stamps(h);
    expect(before.map((s) => s.counter)).toEqual([0, 1, 0]);
    h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now + 5 * MINUTE_MS }));
    expect(offsetMs(h)).toBe(5 * MINUTE_MS + 500);
    expect(stamps(h)).toEqual(before.map((s) => ({ wallMs: s.wallMs + offsetMs(h), counter: s.counter })));
    h.write('update', 'b', { y: 2 });
    const latest = h.queue().at(-1)!.stamp!;
    expect(h.queue().slice(0, -1).every((item) => item.stamp! < latest)).toBe(true);
  });

  it('a clock that read before 0 (stamps floored at 0) is re-derived from the write times', () => {
    const h = CoreHarness.started(LWW_HLC, { now: -270_000 }); // 4.5 min behind, 25 s after true time 0
    h.write('create', 'a', { x: 1 });
    h.write('create', 'b', { y: 1 });
    expect(stamps(h)).toEqual([{ wallMs: 0, counter: 1 }, { wallMs: 0, counter: 2 }]);
    h.answerPull(ok({ ...pullPage([], 0), serverTime: 25_000 }));
    expect(stamps(h)).toEqual([{ wallMs: -270_000 + offsetMs(h), counter: 0 }, { wallMs: -270_000 + offsetMs(h), counter: 1 }]);
    expect(offsetMs(h)).toBe(295_000);
  });

  it('a stamp already sent is never changed, and later offsets do not move stamps', () => {
    const h = CoreHarness.started(LWW_HLC);
    h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now }));
    h.write('create', 'a', { x: 1 });
    const sent = h.push!.request.items[0]!.stamp;
    h.advance(1000);
    h.write('create', 'b', { y: 1 }); // queued behind the push in flight
    const queued = h.queue().find((i) => i.entityId === 'b')!.stamp;
    h.step({ type: 'sync' });
    h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now + 3 * MINUTE_MS }));
    expect(h.queue().map((i) => i.stamp)).toEqual([sent, queued]);
  });

  it('after a restart, a clock stepped while the app was closed: writes wait for a pull of this process, and only their stamps move (rolling-upgrade seed 401856)', () => {
    const h = CoreHarness.started(LWW_HLC, { monotonic: true }); // this client's clock is 2 min ahead
    h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now - 2 * MINUTE_MS }));
    h.write('create', 'a', { x: 1 });
    h.answerPush(pushAnswer([acked(h.push!.request.items[0]!, 1, h.now - 2 * MINUTE_MS)]));
    h.step({ type: 'connectivity', online: false });
    h.write('create', 'b', { y: 1 }); // made and stamped before the restart, on a checked estimate
    const before = h.queue()[0]!.stamp!;
    h.crash();
    h.advance(10_000);
    h.now += 3 * MINUTE_MS; // the clock steps 3 min forward while the app is closed: no monotonic clock tells
    const effects = h.step({ type: 'start', online: true });
    expect(pushesOf(effects)).toEqual([]);
    const writtenAt = h.now;
    expect(pushesOf(h.write('create', 'c', { z: 1 }))).toEqual([]); // stamped 3 min ahead, held
    h.advance(10);
    const [push] = pushesOf(h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now - 5 * MINUTE_MS })));
    expect(offsetMs(h)).toBe(-5 * MINUTE_MS + 5);
    expect(push?.request.items.map((i) => i.stamp)).toEqual([before, h.queue()[1]!.stamp]);
    expect(decodeStamp(h.queue()[1]!.stamp!)).toEqual({ wallMs: writtenAt + offsetMs(h), counter: 0 });
  });

  // Rolling-upgrade seed 2000980: the first contact's commit failed (storage quota), and the
  // restarted engine took its never-sent write for sent (a restart cannot tell), so the raw
  // stamp, 3 min fast, left as it was and won LWW against a write made 80 s later.
  it('after a restart before any contact, the stamps are still corrected: a store with no epoch never pushed', () => {
    const h = CoreHarness.started(LWW_HLC); // this client's clock is 2 min ahead
    const writtenAt = h.now;
    h.write('create', 'a', { x: 1 });
    h.restart();
    expect(h.queue()).toMatchObject([{ queueId: 'me:1', sent: true }]);
    h.advance(10);
    const [push] = pushesOf(h.answerPull(ok({ ...pullPage([], 0), serverTime: h.now - 2 * MINUTE_MS })));
    expect(push?.request.items.map((i) => decodeStamp(i.stamp!))).toEqual([{ wallMs: writtenAt + offsetMs(h), counter: 0 }]);
  });

  it('other policies push at once, before any contact', () => {
    const h = CoreHarness.started({ conflictPolicy: 'lww-client-clock' });
    expect(pushesOf(h.write('create', 'a', { x: 1 }))).toHaveLength(1);
  });
});

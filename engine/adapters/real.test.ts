import { describe, expect, it, vi } from 'vitest';
import type { SyncEvent } from '../events.ts';
import { collectingEventSink, ManualConnectivity, StaticTokenProvider, systemClock, systemRandom, systemTimers, TIMER_DELAY_MS_MAX } from './real.ts';

describe('systemClock and systemRandom', () => {
  it('systemClock reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('systemRandom gives floats in [0, 1)', () => {
    for (let i = 0; i < 1000; i += 1) {
      const x = systemRandom.float();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe('systemTimers', () => {
  it('fires after the delay, and a cleared timer never fires', async () => {
    const fired: string[] = [];
    systemTimers.set(1, () => fired.push('kept'));
    const cleared = systemTimers.set(1, () => fired.push('cleared'));
    systemTimers.clear(cleared);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toEqual(['kept']);
  });

  it('timers are unref-ed so they never keep the process alive', () => {
    const handle = systemTimers.set(60_000, () => undefined) as ReturnType<typeof setTimeout>;
    expect(handle.hasRef()).toBe(false);
    systemTimers.clear(handle);
  });

  it('refuses delays node would silently shorten to 1 ms, and NaN', () => {
    expect(() => systemTimers.set(TIMER_DELAY_MS_MAX + 1, () => undefined)).toThrow(/delayMs/);
    expect(() => systemTimers.set(Number.NaN, () => undefined)).toThrow(/delayMs/);
  });
});

describe('ManualConnectivity', () => {
  it('notifies subscribers only when the state changes, until they unsubscribe', () => {
    const connectivity = new ManualConnectivity(true);
    const seen: string[] = [];
    const unsubscribeA = connectivity.subscribe((online) => seen.push(`a:${online}`));
    connectivity.subscribe((online) => seen.push(`b:${online}`));
    connectivity.setOnline(true); // no change: silent
    connectivity.setOnline(false);
    connectivity.setOnline(false); // no change: silent
    unsubscribeA();
    connectivity.setOnline(true);
    expect(seen).toEqual(['a:false', 'b:false', 'b:true']);
    expect(connectivity.isOnline()).toBe(true);
  });

  it('starts in the state it is given', () => {
    expect(new ManualConnectivity(false).isOnline()).toBe(false);
  });
});

describe('StaticTokenProvider', () => {
  it('fetches once and caches; concurrent callers share the fetch', async () => {
    const fetchToken = vi.fn(async () => `t${fetchToken.mock.calls.length}`);
    const provider = new StaticTokenProvider(fetchToken);
    expect(await Promise.all([provider.token(), provider.token()])).toEqual(['t1', 't1']);
    expect(await provider.token()).toBe('t1');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('refresh fetches a new token that later token() calls return; concurrent refreshes share one fetch', async () => {
    const fetchToken = vi.fn(async () => `t${fetchToken.mock.calls.length}`);
    const provider = new StaticTokenProvider(fetchToken);
    await provider.token();
    expect(await Promise.all([provider.refresh(), provider.refresh()])).toEqual(['t2', 't2']);
    expect(await provider.token()).toBe('t2');
    expect(await provider.refresh()).toBe('t3');
    expect(fetchToken).toHaveBeenCalledTimes(3);
  });

  it('a failed fetch is not cached', async () => {
    let failNext = true;
    const provider = new StaticTokenProvider(async () => {
      if (failNext) {
        failNext = false;
        throw new Error('auth server down');
      }
      return 'ok';
    });
    await expect(provider.token()).rejects.toThrow('auth server down');
    expect(await provider.token()).toBe('ok');
  });

  it('rejects a token that is not a non-empty string', async () => {
    const provider = new StaticTokenProvider(async () => '');
    await expect(provider.token()).rejects.toThrow(/non-empty string/);
  });
});

describe('collectingEventSink', () => {
  const event = (queueId: string): SyncEvent => ({ type: 'coalesced', at: 0, queueId, into: null });

  it('collects emitted events in order', () => {
    const { sink, events } = collectingEventSink();
    sink.emit(event('q1'));
    sink.emit(event('q2'));
    expect(events.map((e) => (e.type === 'coalesced' ? e.queueId : e.type))).toEqual(['q1', 'q2']);
  });

  it('throws a clear error beyond eventsMax instead of growing without bound', () => {
    const { sink, events } = collectingEventSink({ eventsMax: 2 });
    sink.emit(event('q1'));
    sink.emit(event('q2'));
    expect(() => sink.emit(event('q3'))).toThrow(/eventsMax \(2\)/);
    expect(events).toHaveLength(2);
  });
});

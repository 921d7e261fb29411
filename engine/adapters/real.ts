// The real, tiny adapters for the engine's non-storage ports. This file and nowhere else in
// engine/ reads the wall clock, arms real timers or draws Math.random (STYLE §1); the
// simulator supplies its own implementations of the same ports.

import type { SyncEvent } from '../events.ts';
import type { ClockPort, ConnectivityPort, EventSinkPort, RandomPort, TimerHandle, TimerPort, TokenProviderPort } from '../ports.ts';

export const systemClock: ClockPort = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** Node fires a longer delay after 1 ms (with only a warning), so longer ones are refused. */
export const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export const systemTimers: TimerPort = {
  set(delayMs: number, fire: () => void): TimerHandle {
    if (Number.isNaN(delayMs) || delayMs > TIMER_DELAY_MS_MAX) {
      throw new Error(`systemTimers.set: delayMs should be a number in [0, ${TIMER_DELAY_MS_MAX}], got ${delayMs}`);
    }
    // A deadline already passed (negative delay) fires as soon as possible.
    const timer = setTimeout(fire, Math.max(0, delayMs));
    // A pending retry or sync timer must never keep the process alive on its own.
    timer.unref();
    return timer;
  },
  clear(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout> | undefined);
  },
};

export const systemRandom: RandomPort = {
  float: () => Math.random(),
};

/** Connectivity set by hand (tests, or an app wiring its own online/offline signal). */
export class ManualConnectivity implements ConnectivityPort {
  #online: boolean;
  readonly #listeners = new Set<(online: boolean) => void>();

  constructor(online = true) {
    this.#online = online;
  }

  isOnline(): boolean {
    return this.#online;
  }

  subscribe(listener: (online: boolean) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (online: boolean): void => listener(online);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Notifies subscribers only when the state actually changes. */
  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    // A copy: a listener may unsubscribe (or subscribe) while we notify.
    for (const listener of [...this.#listeners]) listener(online);
  }
}

/**
 * Caches the token `fetchToken` gives; `refresh()` (after a 401) fetches a new one.
 * Concurrent callers share one fetch, and a failed fetch is not cached.
 */
export class StaticTokenProvider implements TokenProviderPort {
  readonly #fetchToken: () => Promise<string>;
  #current: Promise<string> | null = null;
  #refreshing: Promise<string> | null = null;

  constructor(fetchToken: () => Promise<string>) {
    if (typeof fetchToken !== 'function') throw new Error(`StaticTokenProvider: fetchToken should be a function, got ${String(fetchToken)}`);
    this.#fetchToken = fetchToken;
  }

  token(): Promise<string> {
    return this.#current ?? this.#fetch();
  }

  refresh(): Promise<string> {
    this.#refreshing ??= this.#fetch().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  #fetch(): Promise<string> {
    const fetched = Promise.resolve()
      .then(() => this.#fetchToken())
      .then((token) => {
        if (typeof token !== 'string' || token.length === 0) {
          throw new Error(`StaticTokenProvider: fetchToken should resolve to a non-empty string, got ${String(token)}`);
        }
        return token;
      });
    this.#current = fetched;
    fetched.catch(() => {
      if (this.#current === fetched) this.#current = null;
    });
    return fetched;
  }
}

/** Most events a collecting sink keeps before it throws (a runaway loop must not eat the heap). */
export const COLLECTED_EVENTS_MAX_DEFAULT = 1_000_000;

/** An EventSinkPort that appends every event to `events`. */
export function collectingEventSink(options: { readonly eventsMax?: number } = {}): { sink: EventSinkPort; events: SyncEvent[] } {
  const eventsMax = options.eventsMax ?? COLLECTED_EVENTS_MAX_DEFAULT;
  if (!Number.isSafeInteger(eventsMax) || eventsMax < 0) {
    throw new Error(`collectingEventSink: eventsMax should be a non-negative integer, got ${eventsMax}`);
  }
  const events: SyncEvent[] = [];
  const sink: EventSinkPort = {
    emit(event: SyncEvent): void {
      if (events.length >= eventsMax) {
        throw new Error(`collectingEventSink: more than eventsMax (${eventsMax}) events; raise eventsMax or drain events`);
      }
      events.push(event);
    },
  };
  return { sink, events };
}

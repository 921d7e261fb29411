// Tests of the scheduler: (time, seq) order against a naive sorted model, lazy cancellation and
// compaction, runUntil windows, monotonic time, and the eventsMax / timeMsMax limits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.ts';

type Command =
  | { readonly tag: 'at'; readonly offsetMs: number }
  | { readonly tag: 'after'; readonly delayMs: number }
  | { readonly tag: 'cancel'; readonly pick: number }
  | { readonly tag: 'next' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ tag: fc.constant('at' as const), offsetMs: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ tag: fc.constant('after' as const), delayMs: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ tag: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.constant({ tag: 'next' as const }),
);

interface ModelEvent {
  readonly time: number;
  readonly id: number;
  readonly payload: string;
}

/** The naive model: a plain array, the minimum (time, id) found by sorting. */
class NaiveQueue {
  now = 0;
  live: ModelEvent[] = [];
  popMin(): ModelEvent | null {
    this.live.sort((x, y) => x.time - y.time || x.id - y.id);
    const head = this.live.shift() ?? null;
    if (head !== null) this.now = head.time;
    return head;
  }
}

function runAgainstModel(commands: readonly Command[]): void {
  const sched = new Scheduler<string>();
  const model = new NaiveQueue();
  const issued: number[] = [];
  let pops = 0;
  const schedule = (time: number): void => {
    const payload = `e${issued.length}`;
    const id = sched.at(time, payload);
    issued.push(id);
    model.live.push({ time, id, payload });
  };
  for (const command of commands) {
    if (command.tag === 'at') schedule(model.now + command.offsetMs);
    else if (command.tag === 'after') {
      const payload = `e${issued.length}`;
      const id = sched.after(command.delayMs, payload);
      issued.push(id);
      model.live.push({ time: model.now + command.delayMs, id, payload });
    } else if (command.tag === 'cancel') {
      if (issued.length === 0) continue;
      const id = issued[command.pick % issued.length]!;
      const wasLive = model.live.some((e) => e.id === id);
      model.live = model.live.filter((e) => e.id !== id);
      expect(sched.cancel(id)).toBe(wasLive);
    } else {
      const expected = model.popMin();
      // Every other pop goes through pop() (the run loop's wrapper-free next()): both must follow the model.
      if (pops++ % 2 === 0) expect(sched.next()).toEqual(expected === null ? null : { time: expected.time, event: expected.payload });
      else expect(sched.pop()).toBe(expected === null ? undefined : expected.payload);
    }
    expect(sched.pending).toBe(model.live.length);
    expect(sched.now).toBe(model.now);
  }
  for (let expected = model.popMin(); expected !== null; expected = model.popMin()) {
    expect(sched.next()).toEqual({ time: expected.time, event: expected.payload });
  }
  expect(sched.next()).toBeNull();
  expect(sched.pending).toBe(0);
}

describe('Scheduler order', () => {
  it('pops random schedule/cancel sequences exactly as a naive sorted model does', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 300 }), (commands) => runAgainstModel(commands)),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('fires in non-decreasing (time, seq) order and never fires a cancelled event, across compaction', () => {
    fc.assert(
      fc.property(
        fc.array(
          // Three in four cancelled, so the lazy entries cross the compaction threshold.
          fc.record({ time: fc.integer({ min: 0, max: 500 }), cancel: fc.integer({ min: 0, max: 3 }).map((n) => n > 0) }),
          { minLength: 2000, maxLength: 4000 },
        ),
        (specs) => {
          const sched = new Scheduler<number>();
          const ids = specs.map((spec, index) => sched.at(spec.time, index));
          specs.forEach((spec, index) => spec.cancel && sched.cancel(ids[index]!));
          const fired: number[] = [];
          sched.runUntil(1000, (index) => fired.push(index));
          const expected = specs
            .map((spec, index) => ({ ...spec, index }))
            .filter((spec) => !spec.cancel)
            .sort((x, y) => x.time - y.time || x.index - y.index)
            .map((spec) => spec.index);
          expect(fired).toEqual(expected);
        },
      ),
      { seed: 4242, numRuns: 20 },
    );
  });

  it('fires ties FIFO, including ties scheduled by a handler at the current time', () => {
    const sched = new Scheduler<string>();
    sched.at(5, 'a');
    sched.at(3, 'b');
    sched.at(5, 'c');
    const log: string[] = [];
    sched.runUntil(10, (event, timeMs) => {
      log.push(`${event}@${timeMs}`);
      if (event === 'a') sched.after(0, 'a-child');
    });
    expect(log).toEqual(['b@3', 'a@5', 'c@5', 'a-child@5']);
  });
});

describe('Scheduler runUntil and cancel', () => {
  it('stops at the window edge, leaves later events pending, and moves now to the edge', () => {
    const sched = new Scheduler<string>();
    sched.at(10, 'in');
    sched.at(11, 'out');
    const log: string[] = [];
    expect(sched.runUntil(10, (event) => log.push(event))).toBe(1);
    expect(log).toEqual(['in']);
    expect(sched.now).toBe(10);
    expect(sched.pending).toBe(1);
    expect(sched.runUntil(50, (event) => log.push(event))).toBe(1);
    expect(sched.now).toBe(50);
    expect(sched.after(5, 'late')).toBeGreaterThan(0);
    expect(sched.peekTime()).toBe(55);
  });

  it('cancel returns false for fired or already-cancelled ids and throws for ids never issued', () => {
    const sched = new Scheduler<string>();
    const fired = sched.at(1, 'x');
    const cancelled = sched.at(2, 'y');
    expect(sched.next()).toEqual({ time: 1, event: 'x' });
    expect(sched.cancel(fired)).toBe(false);
    expect(sched.cancel(cancelled)).toBe(true);
    expect(sched.cancel(cancelled)).toBe(false);
    expect(sched.peekTime()).toBeNull();
    expect(() => sched.cancel(99)).toThrow(/99 is not an id/);
    expect(() => sched.cancel(-1)).toThrow(/not an id/);
  });

  it('counts eventsProcessed, skipping cancelled events', () => {
    const sched = new Scheduler<number>();
    for (let i = 0; i < 10; i++) sched.after(i, i);
    sched.cancel(3);
    sched.runUntil(100, () => undefined);
    expect(sched.eventsProcessed).toBe(9);
  });

  it('refuses a runUntil from inside a handler', () => {
    const sched = new Scheduler<string>();
    sched.at(1, 'x');
    expect(() => sched.runUntil(5, () => sched.runUntil(6, () => undefined))).toThrow(/already running/);
  });
});

describe('Scheduler time and limits', () => {
  it('refuses to schedule in the past or with a non-integer or negative delay', () => {
    const sched = new Scheduler<string>();
    sched.at(100, 'x');
    sched.next();
    expect(() => sched.at(99, 'past')).toThrow(/timeMs should be an integer ≥ now \(100\), got 99/);
    expect(() => sched.at(100.5, 'frac')).toThrow(/got 100.5/);
    expect(() => sched.after(-1, 'neg')).toThrow(/delayMs should be an integer ≥ 0, got -1/);
    expect(() => sched.after(0.5, 'frac')).toThrow(/got 0.5/);
    expect(() => sched.runUntil(50, () => undefined)).toThrow(/runUntil: timeMs should be an integer ≥ now/);
  });

  it('asserts that time never goes backwards even if the heap were corrupted', () => {
    const sched = new Scheduler<string>();
    sched.at(10, 'first');
    sched.at(20, 'second');
    sched.next();
    // Reach past the API to break the invariant the assertion guards.
    (sched as unknown as { times: Float64Array }).times[0] = 5;
    expect(() => sched.next()).toThrow(/time went backwards: next event at t=5 < now=10/);
  });

  it('throws eventsMax exceeded with the count and the time', () => {
    const sched = new Scheduler<number>({ eventsMax: 5 });
    for (let i = 0; i < 6; i++) sched.at(i * 10, i);
    expect(() => sched.runUntil(1000, () => undefined)).toThrow('eventsMax exceeded: 6 events by t=50 (eventsMax=5)');
    expect(sched.eventsProcessed).toBe(5);
  });

  it('throws timeMsMax exceeded rather than advancing past the horizon', () => {
    const sched = new Scheduler<string>({ timeMsMax: 100 });
    sched.at(100, 'edge');
    sched.at(101, 'beyond');
    expect(sched.next()).toEqual({ time: 100, event: 'edge' });
    expect(() => sched.next()).toThrow('timeMsMax exceeded: next event at t=101 > timeMsMax=100');
    expect(() => sched.runUntil(101, () => undefined)).toThrow(/timeMsMax exceeded: runUntil\(101\)/);
  });

  it('validates its options, naming the field and the value', () => {
    expect(() => new Scheduler({ eventsMax: 0 })).toThrow('eventsMax should be a safe integer ≥ 1, got 0');
    expect(() => new Scheduler({ timeMsMax: 1.5 })).toThrow('timeMsMax should be a safe integer ≥ 1, got 1.5');
  });
});

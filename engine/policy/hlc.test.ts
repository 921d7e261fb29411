// Properties of the hybrid logical clock: ticks and receives move the encoded stamp strictly
// forward, past everything issued or observed; stamps round-trip and sort as (wallMs, counter)
// pairs. The counter's 6-digit field is a limit: crossing it must not break the order.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStamp, encodeStamp, hlcReceive, hlcTick, stampFromTime, type HlcState } from './hlc.ts';
import { clientIdArb, hlcStateArb, RUNS, SEED } from '../testing/arbitraries.ts';

const params = { seed: SEED, numRuns: RUNS };

const WALL_MS_MAX = 10 ** 15 - 1;
const COUNTER_MAX = 999_999;

/** A physical reading near `wallMs` (ties and small steps back and forth matter most), or anywhere. */
const physicalNear = (wallMs: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: -3, max: 3 }).map((d) => Math.min(WALL_MS_MAX - 1, Math.max(0, wallMs + d))),
    fc.integer({ min: 0, max: WALL_MS_MAX - 1 }),
  );

/** A state and a physical reading below the encoding limits (one tick leaves room below 10^15). */
const tickArb = hlcStateArb
  .map((s) => ({ ...s, wallMs: Math.min(s.wallMs, WALL_MS_MAX - 1) }))
  .chain((s) => fc.tuple(fc.constant(s), physicalNear(s.wallMs), clientIdArb));

/** Local and remote states that often share a wall time, and a physical reading near them. */
const receiveArb = fc
  .tuple(hlcStateArb, hlcStateArb, fc.boolean())
  .map(([local, remote, sameWall]) => [local, sameWall ? { ...remote, wallMs: local.wallMs } : remote] as const)
  .chain(([local, remote]) =>
    fc.tuple(fc.constant(local), fc.constant(remote), fc.oneof(physicalNear(local.wallMs), physicalNear(remote.wallMs)), clientIdArb, clientIdArb),
  );

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const comparePairs = (a: HlcState, b: HlcState): number => Math.sign(a.wallMs - b.wallMs) || Math.sign(a.counter - b.counter);

describe('hlc ticks and receives', () => {
  it('hlcTick strictly increases the encoded stamp and never falls behind the physical reading', () => {
    fc.assert(
      fc.property(tickArb, ([state, physicalMs, id]) => {
        const next = hlcTick(state, physicalMs);
        expect(encodeStamp(next, id) > encodeStamp(state, id)).toBe(true);
        expect(next.wallMs).toBeGreaterThanOrEqual(physicalMs);
      }),
      params,
    );
  });

  it('a run of ticks with any physical readings issues strictly increasing stamps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 40 }), (startMs, steps) => {
        let state: HlcState = { wallMs: 0, counter: 0 };
        let physicalMs = startMs;
        const stamps = steps.map((d) => {
          physicalMs = Math.max(0, physicalMs + d);
          state = hlcTick(state, physicalMs);
          return encodeStamp(state, 'c1');
        });
        expect(stamps.findIndex((s, i) => i > 0 && !(s > stamps[i - 1]!))).toBe(-1);
      }),
      params,
    );
  });

  it('hlcReceive sorts after both the local and the remote stamp, whatever the client ids', () => {
    fc.assert(
      fc.property(receiveArb, ([local, remote, physicalMs, localId, remoteId]) => {
        const next = hlcReceive(local, remote, physicalMs);
        const stamp = encodeStamp(next, localId);
        expect(stamp > encodeStamp(local, localId)).toBe(true);
        expect(stamp > encodeStamp(remote, remoteId)).toBe(true);
        expect(next.wallMs).toBeGreaterThanOrEqual(physicalMs);
        // And the next local write sorts after the observed stamp too.
        expect(encodeStamp(hlcTick(next, physicalMs), localId) > encodeStamp(remote, remoteId)).toBe(true);
      }),
      params,
    );
  });

  it('hlcTick at the 6-digit counter limit still issues a stamp that sorts after the last one and decodes', () => {
    // A clock whose wall time is held ahead (e.g. by a remote stamp from a client hours fast)
    // ticks the counter on every write; the millionth write within that window crosses the field.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: WALL_MS_MAX - 1 }), fc.integer({ min: 0, max: 3 }), clientIdArb, (wallMs, behindMs, id) => {
        const state = { wallMs, counter: COUNTER_MAX };
        const next = hlcTick(state, Math.max(0, wallMs - behindMs));
        const stamp = encodeStamp(next, id);
        expect(stamp > encodeStamp(state, id)).toBe(true);
        expect(decodeStamp(stamp)).toEqual(next);
      }),
      { ...params, numRuns: 50 },
    );
  });

  it('hlcReceive of a stamp at the 6-digit counter limit still sorts after it and decodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: WALL_MS_MAX - 1 }), fc.integer({ min: 0, max: COUNTER_MAX }), clientIdArb, (wallMs, localCounter, id) => {
        const remote = { wallMs, counter: COUNTER_MAX };
        const next = hlcReceive({ wallMs, counter: localCounter }, remote, wallMs);
        const stamp = encodeStamp(next, id);
        expect(stamp > encodeStamp(remote, 'zzz')).toBe(true);
        expect(decodeStamp(stamp)).toEqual(next);
      }),
      { ...params, numRuns: 50 },
    );
  });
});

describe('hlc stamp encoding', () => {
  const anyStateArb = fc.record({ wallMs: fc.integer({ min: 0, max: WALL_MS_MAX }), counter: fc.integer({ min: 0, max: COUNTER_MAX }) });

  it('decodeStamp(encodeStamp(s, id)) round-trips for wallMs < 10^15 and a 6-digit counter, any client id', () => {
    fc.assert(
      fc.property(anyStateArb, fc.oneof(clientIdArb, fc.string()), (state, id) => {
        expect(decodeStamp(encodeStamp(state, id))).toEqual(state);
      }),
      params,
    );
  });

  it('stamps sort like (wallMs, counter) pairs for wallMs < 10^15, the client id breaking only exact ties', () => {
    // Draw pairs that often share the wall time or the whole pair, so every tie-breaker is exercised.
    const pairArb = fc.oneof(
      fc.tuple(anyStateArb, anyStateArb),
      fc.tuple(anyStateArb, fc.integer({ min: 0, max: COUNTER_MAX })).map(([a, c]) => [a, { ...a, counter: c }] as const),
      anyStateArb.map((a) => [a, a] as const),
    );
    fc.assert(
      fc.property(pairArb, clientIdArb, clientIdArb, ([a, b], idA, idB) => {
        const byPair = comparePairs(a, b);
        const byString = compare(encodeStamp(a, idA), encodeStamp(b, idB));
        expect(byString).toBe(byPair !== 0 ? byPair : compare(idA, idB));
      }),
      params,
    );
  });

  it('stampFromTime sorts like the time and decodes to (time, 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: WALL_MS_MAX }), fc.integer({ min: 0, max: WALL_MS_MAX }), (t1, t2) => {
        expect(compare(stampFromTime(t1), stampFromTime(t2))).toBe(Math.sign(t1 - t2));
        expect(decodeStamp(stampFromTime(t1))).toEqual({ wallMs: t1, counter: 0 });
      }),
      params,
    );
  });

  it('decodeStamp refuses strings that are not stamps', () => {
    for (const bad of ['', 'x', '1.2.c', '00000000000000a.000000.c', '000000000000001.00000.c', '000000000000001-000000-c']) {
      expect(decodeStamp(bad)).toBeNull();
    }
  });
});

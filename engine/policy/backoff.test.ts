// Properties of retry delays: the envelope of every jitter kind, the cap, Retry-After, the
// shape of the ceiling, and finiteness for absurd attempt counts. The draw `unit` is an
// argument, so each envelope is checked exactly at both of its ends.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JITTER_KINDS, type JitterKind } from '../options.ts';
import { backoffCeilingMs, nextDelayMs, type BackoffPolicy } from './backoff.ts';
import { RUNS, SEED } from '../testing/arbitraries.ts';

const params = { seed: SEED, numRuns: RUNS };

/** The largest double below 1: the top of a uniform draw in [0, 1). */
const UNIT_MAX = 1 - 2 ** -53;

const jitterArb: fc.Arbitrary<JitterKind> = fc.constantFrom(...JITTER_KINDS);

/** base ≥ 1 and cap ≥ base, both integers (what buildEngineOptions accepts). */
const baseCapArb = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    fc.oneof(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
  )
  .map(([a, b]) => ({ backoffBaseMs: Math.min(a, b), backoffCapMs: Math.max(a, b) }));

const policyArb = (jitter: fc.Arbitrary<JitterKind> = jitterArb): fc.Arbitrary<BackoffPolicy> =>
  fc.tuple(baseCapArb, jitter).map(([bc, j]) => ({ ...bc, jitter: j }));

const attemptsArb = fc.integer({ min: 1, max: 80 });
const unitArb = fc.oneof(fc.constantFrom(0, UNIT_MAX, 0.5), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }));
const previousArb = (policy: BackoffPolicy): fc.Arbitrary<number | null> =>
  fc.option(fc.oneof(fc.integer({ min: 0, max: policy.backoffCapMs }), fc.constant(policy.backoffBaseMs)), { nil: null });

/** base·2^(k-1), capped: exact in doubles for k ≤ 80. */
const expectedCeiling = (p: BackoffPolicy, attempts: number): number => Math.min(p.backoffCapMs, p.backoffBaseMs * 2 ** (attempts - 1));

describe('backoff envelope per jitter kind', () => {
  it('no jitter is exactly min(cap, base·2^(k-1))', () => {
    fc.assert(
      fc.property(policyArb(fc.constant('none')), attemptsArb, unitArb, (p, k, u) => {
        expect(nextDelayMs(p, k, u)).toBe(expectedCeiling(p, k));
        expect(backoffCeilingMs(p, k)).toBe(expectedCeiling(p, k));
      }),
      params,
    );
  });

  it('full jitter stays within [0, base·2^(k-1)] and the cap, as an integer', () => {
    fc.assert(
      fc.property(policyArb(fc.constant('full')), attemptsArb, unitArb, (p, k, u) => {
        const delay = nextDelayMs(p, k, u);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(expectedCeiling(p, k));
      }),
      params,
    );
  });

  it('full jitter reaches both ends: draw 0 gives 0, the top draw gives the ceiling', () => {
    fc.assert(
      fc.property(policyArb(fc.constant('full')), attemptsArb, (p, k) => {
        expect(nextDelayMs(p, k, 0)).toBe(0);
        expect(nextDelayMs(p, k, UNIT_MAX)).toBe(expectedCeiling(p, k));
      }),
      params,
    );
  });

  it('equal jitter stays within [floor(ceiling/2), ceiling], as an integer, and reaches both ends', () => {
    fc.assert(
      fc.property(policyArb(fc.constant('equal')), attemptsArb, unitArb, (p, k, u) => {
        const ceiling = expectedCeiling(p, k);
        const delay = nextDelayMs(p, k, u);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(nextDelayMs(p, k, 0)).toBe(Math.floor(ceiling / 2));
        expect(nextDelayMs(p, k, UNIT_MAX)).toBe(ceiling);
      }),
      params,
    );
  });

  it('decorrelated jitter stays within [min(base, upper), upper], upper = min(cap, 3·previous)', () => {
    const arb = policyArb(fc.constant('decorrelated')).chain((p) => fc.tuple(fc.constant(p), attemptsArb, unitArb, previousArb(p)));
    fc.assert(
      fc.property(arb, ([p, k, u, previous]) => {
        const upper = Math.min(p.backoffCapMs, 3 * (previous ?? p.backoffBaseMs));
        const lower = Math.min(p.backoffBaseMs, upper);
        const delay = nextDelayMs(p, k, u, previous);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(lower);
        expect(delay).toBeLessThanOrEqual(upper);
        expect(nextDelayMs(p, k, 0, previous)).toBe(lower);
        expect(nextDelayMs(p, k, UNIT_MAX, previous)).toBe(upper);
      }),
      params,
    );
  });

  it('a chain of decorrelated delays never drops below the base nor rises above the cap', () => {
    fc.assert(
      fc.property(policyArb(fc.constant('decorrelated')), fc.array(unitArb, { minLength: 1, maxLength: 30 }), (p, units) => {
        let previous: number | null = null;
        const delays = units.map((u, i) => (previous = nextDelayMs(p, i + 1, u, previous)));
        // One expect per run (expect is slow in a hot loop); the message names the first offender.
        expect(delays.find((d) => d < p.backoffBaseMs || d > p.backoffCapMs)).toBeUndefined();
      }),
      params,
    );
  });
});

describe('backoff cap and Retry-After', () => {
  const retryAfterArb = fc.option(fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), { nil: null });

  it('a delay is never above the cap; with Retry-After it is that wait, spread by at most one base (none: exactly), whatever the attempts', () => {
    const arb = policyArb().chain((p) => fc.tuple(fc.constant(p), attemptsArb, unitArb, previousArb(p), retryAfterArb));
    fc.assert(
      fc.property(arb, ([p, k, u, previous, retryAfterMs]) => {
        const delay = nextDelayMs(p, k, u, previous, retryAfterMs);
        expect(Number.isInteger(delay)).toBe(true);
        if (retryAfterMs === null) {
          expect(delay).toBeLessThanOrEqual(p.backoffCapMs);
          return;
        }
        expect(delay).toBeGreaterThanOrEqual(retryAfterMs);
        expect(delay).toBeLessThanOrEqual(retryAfterMs + (p.jitter === 'none' ? 0 : p.backoffBaseMs));
        // The backoff grown by earlier failures adds nothing: the first attempt waits the same.
        expect(nextDelayMs(p, 1, u, null, retryAfterMs)).toBe(delay);
      }),
      params,
    );
  });
});

describe('backoff ceiling shape', () => {
  it('the ceiling is non-decreasing in attempts and reaches the cap exactly once base·2^(k-1) passes it', () => {
    fc.assert(
      fc.property(policyArb(), (p) => {
        const ceilings = Array.from({ length: 80 }, (_, i) => backoffCeilingMs(p, i + 1));
        expect(ceilings.findIndex((c, i) => c < (ceilings[i - 1] ?? 0) || c > p.backoffCapMs)).toBe(-1);
        // Reached, and first at the k where the uncapped value is at least the cap.
        let k = 1;
        while (p.backoffBaseMs * 2 ** (k - 1) < p.backoffCapMs) k++;
        expect(ceilings.indexOf(p.backoffCapMs) + 1).toBe(k);
      }),
      params,
    );
  });

  it('every jitter kind maps a larger draw to a delay at least as long', () => {
    const arb = policyArb().chain((p) => fc.tuple(fc.constant(p), attemptsArb, unitArb, unitArb, previousArb(p)));
    fc.assert(
      fc.property(arb, ([p, k, u1, u2, previous]) => {
        const [lo, hi] = u1 <= u2 ? [u1, u2] : [u2, u1];
        expect(nextDelayMs(p, k, lo, previous)).toBeLessThanOrEqual(nextDelayMs(p, k, hi, previous));
      }),
      params,
    );
  });

  it('huge attempt counts give the cap as the ceiling and finite integer delays (no NaN, no Infinity)', () => {
    const hugeArb = fc.constantFrom(1e6, 2 ** 31, 2 ** 53 - 1, Number.MAX_VALUE, Infinity);
    fc.assert(
      fc.property(policyArb(), hugeArb, unitArb, (p, k, u) => {
        expect(backoffCeilingMs(p, k)).toBe(p.backoffCapMs);
        const delay = nextDelayMs(p, k, u);
        expect(Number.isFinite(delay)).toBe(true);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeLessThanOrEqual(p.backoffCapMs);
      }),
      params,
    );
  });

  it('attempts below 1 behave like the first attempt (ceiling = base)', () => {
    fc.assert(
      fc.property(policyArb(), fc.integer({ min: -5, max: 1 }), (p, k) => {
        expect(backoffCeilingMs(p, k)).toBe(p.backoffBaseMs);
      }),
      params,
    );
  });
});

// Tests of client clocks: offset, drift accumulating across steps and drift changes (against an
// exact BigInt model), backward jumps, the trueDelayFor inverse, and validation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientClock } from './clock.ts';

const PPM = 1_000_000n;

type Adjustment =
  | { readonly tag: 'step'; readonly afterMs: number; readonly deltaMs: number }
  | { readonly tag: 'drift'; readonly afterMs: number; readonly driftPpm: number };

const adjustmentArb: fc.Arbitrary<Adjustment> = fc.oneof(
  fc.record({
    tag: fc.constant('step' as const),
    afterMs: fc.integer({ min: 0, max: 10_000_000 }),
    deltaMs: fc.integer({ min: -86_400_000, max: 86_400_000 }),
  }),
  fc.record({
    tag: fc.constant('drift' as const),
    afterMs: fc.integer({ min: 0, max: 10_000_000 }),
    driftPpm: fc.integer({ min: -1000, max: 1000 }),
  }),
);

/** Exact reading times 1e6, accumulated piece by piece in BigInt. */
class ExactClock {
  private trueMs = 0n;
  private scaled: bigint;
  constructor(
    offsetMs: number,
    private ppm: bigint,
  ) {
    this.scaled = BigInt(offsetMs) * PPM;
  }
  advanceTo(trueMs: number): void {
    this.scaled += (BigInt(trueMs) - this.trueMs) * (PPM + this.ppm);
    this.trueMs = BigInt(trueMs);
  }
  apply(adjustment: Adjustment): void {
    if (adjustment.tag === 'step') this.scaled += BigInt(adjustment.deltaMs) * PPM;
    else this.ppm = BigInt(adjustment.driftPpm);
  }
  readingMs(): number {
    return Number(this.scaled) / 1e6;
  }
}

describe('ClientClock readings', () => {
  it('reads true time plus the offset when there is no drift', () => {
    const clock = new ClientClock({ offsetMs: -3_600_000, driftPpm: 0 });
    expect(clock.read(0)).toBe(-3_600_000);
    expect(clock.read(5_000_000)).toBe(1_400_000);
    expect(clock.offsetAt(5_000_000)).toBe(-3_600_000);
  });

  it('accumulates drift linearly: 100 ppm fast gains 360 ms per hour, -500 ppm loses 1.8 s', () => {
    expect(new ClientClock({ offsetMs: 0, driftPpm: 100 }).read(3_600_000)).toBe(3_600_360);
    expect(new ClientClock({ offsetMs: 7, driftPpm: -500 }).read(3_600_000)).toBe(3_598_207);
    expect(new ClientClock({ offsetMs: 0, driftPpm: 0, trueStartMs: 1_000 }).read(2_500)).toBe(2_500);
  });

  it('keeps the drift accumulated so far across steps and drift changes (exact model)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.array(adjustmentArb, { maxLength: 30 }),
        (offsetMs, driftPpm, adjustments) => {
          const clock = new ClientClock({ offsetMs, driftPpm });
          const exact = new ExactClock(offsetMs, BigInt(driftPpm));
          let trueMs = 0;
          for (const adjustment of adjustments) {
            trueMs += adjustment.afterMs;
            exact.advanceTo(trueMs);
            expect(Math.abs(clock.read(trueMs) - exact.readingMs())).toBeLessThanOrEqual(0.5 + 1e-6);
            if (adjustment.tag === 'step') clock.step(trueMs, adjustment.deltaMs);
            else clock.setDrift(trueMs, adjustment.driftPpm);
            exact.apply(adjustment);
            expect(Math.abs(clock.read(trueMs) - exact.readingMs())).toBeLessThanOrEqual(0.5 + 1e-6);
          }
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('jumps backward on a negative step and runs on from the new reading', () => {
    const clock = new ClientClock({ offsetMs: 0, driftPpm: 0 });
    expect(clock.read(60_000)).toBe(60_000);
    clock.step(60_000, -30_000);
    expect(clock.read(60_000)).toBe(30_000);
    expect(clock.read(61_000)).toBe(31_000);
    clock.setDrift(61_000, 1000);
    expect(clock.read(1_061_000)).toBe(1_032_000);
    expect(clock.driftPpm).toBe(1000);
  });

  it('never reads backwards between adjustments', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.array(fc.nat({ max: 5000 }), { maxLength: 50 }), (ppm, gaps) => {
        const clock = new ClientClock({ offsetMs: 12_345, driftPpm: ppm });
        let trueMs = 0;
        let last = clock.read(0);
        for (const gap of gaps) {
          trueMs += gap;
          const reading = clock.read(trueMs);
          expect(reading).toBeGreaterThanOrEqual(last);
          last = reading;
        }
      }),
      { seed: 4242 },
    );
  });
});

describe('ClientClock.trueDelayFor', () => {
  it('is the least true delay over which the local clock covers the local delay', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 8_640_000_000 }), (ppm, localMs) => {
        const trueMs = new ClientClock({ offsetMs: 0, driftPpm: ppm }).trueDelayFor(localMs);
        const rate = PPM + BigInt(ppm);
        const wanted = BigInt(localMs) * PPM;
        expect(BigInt(trueMs) * rate >= wanted).toBe(true);
        if (trueMs > 0) expect(BigInt(trueMs - 1) * rate < wanted).toBe(true);
      }),
      { seed: 4242, numRuns: 1000 },
    );
  });

  it('makes a timer armed on the client clock fire no earlier than its local delay', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 100_000_000 }), (ppm, localMs) => {
        const clock = new ClientClock({ offsetMs: 0, driftPpm: ppm });
        expect(clock.read(clock.trueDelayFor(localMs))).toBeGreaterThanOrEqual(localMs);
      }),
      { seed: 4242, numRuns: 1000 },
    );
  });

  it('stretches on a slow clock and shrinks on a fast one', () => {
    expect(new ClientClock({ offsetMs: 0, driftPpm: 0 }).trueDelayFor(10_000)).toBe(10_000);
    expect(new ClientClock({ offsetMs: 0, driftPpm: -1000 }).trueDelayFor(999_000)).toBe(1_000_000);
    expect(new ClientClock({ offsetMs: 0, driftPpm: 1000 }).trueDelayFor(1_001_000)).toBe(1_000_000);
    expect(new ClientClock({ offsetMs: 0, driftPpm: 1000 }).trueDelayFor(0)).toBe(0);
  });
});

describe('ClientClock validation', () => {
  it('names the field and value of a bad option or argument', () => {
    expect(() => new ClientClock({ offsetMs: 86_400_001, driftPpm: 0 })).toThrow(
      'offsetMs should be an integer from -86400000 to 86400000, got 86400001',
    );
    expect(() => new ClientClock({ offsetMs: 0, driftPpm: -1001 })).toThrow('driftPpm should be an integer from -1000 to 1000, got -1001');
    expect(() => new ClientClock({ offsetMs: 0, driftPpm: 0.5 })).toThrow(/driftPpm .* got 0.5/);
    const clock = new ClientClock({ offsetMs: 0, driftPpm: 0 });
    expect(() => clock.setDrift(10, 5000)).toThrow(/driftPpm .* got 5000/);
    expect(() => clock.step(10, 1.5)).toThrow(/deltaMs .* got 1.5/);
    expect(() => clock.trueDelayFor(-1)).toThrow(/localDelayMs .* got -1/);
  });

  it('refuses a read or adjustment before its last adjustment', () => {
    const clock = new ClientClock({ offsetMs: 0, driftPpm: 0 });
    clock.step(1_000, 5);
    expect(() => clock.read(999)).toThrow('trueNowMs should be an integer ≥ 1000 (the last adjustment), got 999');
    expect(() => clock.setDrift(500, 1)).toThrow(/got 500/);
  });
});

// Tests of the seeded randomness: determinism, ranges, per-mille chances, rough uniformity,
// Zipf skew, stream independence and stability, and seed parsing. Properties only: no golden
// values copied from the implementation's own output.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSeed, Rng, RngStreams, ZipfSampler } from './rng.ts';

const DRAWS = 100_000;

function take(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.uint32());
}

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((sum, n) => sum + n, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
}

describe('Rng determinism and ranges', () => {
  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (x, y) => {
        expect(take(new Rng(x), 64)).toEqual(take(new Rng(x), 64));
        if (x !== y) expect(take(new Rng(x), 4)).not.toEqual(take(new Rng(y), 4));
      }),
      { seed: 4242, numRuns: 200 },
    );
  });

  it('treats a number seed and the equal bigint seed alike, and uses the high bits', () => {
    expect(take(new Rng(123_456_789), 16)).toEqual(take(new Rng(123_456_789n), 16));
    expect(take(new Rng(2 ** 40), 4)).not.toEqual(take(new Rng(0), 4));
    expect(take(new Rng(2n ** 63n), 4)).not.toEqual(take(new Rng(0n), 4));
  });

  it('rejects seeds out of range, naming the value', () => {
    expect(() => new Rng(-1)).toThrow(/seed should be .* got -1/);
    expect(() => new Rng(1.5)).toThrow(/got 1.5/);
    expect(() => new Rng(2n ** 64n)).toThrow(/got 18446744073709551616/);
  });

  it('keeps uint32, float and int within their ranges', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: -1e9, max: 1e9 }), fc.nat({ max: 2 ** 32 - 1 }), (seed, min, width) => {
        const rng = new Rng(seed);
        const outside: string[] = [];
        for (let i = 0; i < 50; i++) {
          const u = rng.uint32();
          if (!Number.isInteger(u) || u < 0 || u >= 2 ** 32) outside.push(`uint32 ${u}`);
          const f = rng.float();
          if (!(f >= 0 && f < 1)) outside.push(`float ${f}`);
          const n = rng.int(min, min + width);
          if (!Number.isInteger(n) || n < min || n > min + width) outside.push(`int ${n}`);
        }
        expect(outside).toEqual([]);
      }),
      { seed: 4242, numRuns: 200 },
    );
  });

  it('reaches both ends of a small int range and rejects bad bounds', () => {
    const rng = new Rng(7);
    const seen = new Set(Array.from({ length: 200 }, () => rng.int(3, 5)));
    expect([...seen].sort()).toEqual([3, 4, 5]);
    expect(rng.int(9, 9)).toBe(9);
    expect(() => rng.int(5, 4)).toThrow(/got \[5, 4\]/);
    expect(() => rng.int(0, 2 ** 32)).toThrow(/spanning ≤ 2\^32/);
    expect(() => rng.int(0.5, 3)).toThrow(/got \[0.5, 3\]/);
  });
});

describe('Rng distributions', () => {
  it('chance(0) never fires, chance(1000) always does, bad rates throw', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 10_000; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1000)).toBe(true);
    }
    expect(() => rng.chance(-1)).toThrow('chance: perMille should be an integer from 0 to 1000, got -1');
    expect(() => rng.chance(1001)).toThrow(/got 1001/);
    expect(() => rng.chance(2.5)).toThrow(/got 2.5/);
  });

  it('chance(250) fires about a quarter of the time', () => {
    const rng = new Rng(2);
    let hits = 0;
    for (let i = 0; i < DRAWS; i++) if (rng.chance(250)) hits++;
    expect(hits / DRAWS).toBeGreaterThan(0.24);
    expect(hits / DRAWS).toBeLessThan(0.26);
  });

  it('spreads int(0, 9) and the top and bottom bytes of uint32 uniformly (chi-square)', () => {
    const rng = new Rng(3);
    const digits = new Array<number>(10).fill(0);
    const low = new Array<number>(256).fill(0);
    const high = new Array<number>(256).fill(0);
    for (let i = 0; i < DRAWS; i++) {
      digits[rng.int(0, 9)]!++;
      const u = rng.uint32();
      low[u & 0xff]!++;
      high[u >>> 24]!++;
    }
    // Far beyond the 99.99th percentile (9 dof: 33.7; 255 dof: ~350), far below any real bias.
    expect(chiSquareUniform(digits)).toBeLessThan(40);
    expect(chiSquareUniform(low)).toBeLessThan(400);
    expect(chiSquareUniform(high)).toBeLessThan(400);
  });

  it('exponential has the requested mean and is never negative', () => {
    const rng = new Rng(4);
    let sum = 0;
    let least = Infinity;
    for (let i = 0; i < DRAWS; i++) {
      const x = rng.exponential(200);
      least = Math.min(least, x);
      sum += x;
    }
    expect(least).toBeGreaterThanOrEqual(0);
    expect(sum / DRAWS).toBeGreaterThan(194);
    expect(sum / DRAWS).toBeLessThan(206);
    expect(() => rng.exponential(-1)).toThrow(/meanMs .* got -1/);
  });

  it('shuffle permutes in place and pick returns an element', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.integer(), { maxLength: 50 }), (seed, values) => {
        const shuffled = new Rng(seed).shuffle([...values]);
        expect([...shuffled].sort((x, y) => x - y)).toEqual([...values].sort((x, y) => x - y));
        expect(new Rng(seed).shuffle([...values])).toEqual(shuffled);
        if (values.length > 0) expect(values).toContain(new Rng(seed).pick(values));
      }),
      { seed: 4242, numRuns: 200 },
    );
    expect(() => new Rng(0).pick([])).toThrow(/should not be empty/);
  });

  it('shuffle reaches every permutation of three elements', () => {
    const rng = new Rng(5);
    const seen = new Set(Array.from({ length: 600 }, () => rng.shuffle(['a', 'b', 'c']).join('')));
    expect(seen.size).toBe(6);
  });
});

describe('Zipf', () => {
  it('with s > 0 favours index 0 and decreases with rank', () => {
    const rng = new Rng(6);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < DRAWS; i++) counts[rng.zipf(100, 1.2)]!++;
    expect(counts[0]!).toBeGreaterThan(counts[1]!);
    expect(counts[1]!).toBeGreaterThan(counts[5]!);
    expect(counts[5]!).toBeGreaterThan(counts[50]!);
    // Weight ratio 1 : 2^-1.2 ≈ 0.435 between ranks 0 and 1.
    expect(counts[1]! / counts[0]!).toBeGreaterThan(0.4);
    expect(counts[1]! / counts[0]!).toBeLessThan(0.47);
  });

  it('with s = 0 is uniform and stays within [0, n)', () => {
    const sampler = new ZipfSampler(20, 0);
    const rng = new Rng(7);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < DRAWS; i++) counts[sampler.sample(rng)]!++;
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(chiSquareUniform(counts)).toBeLessThan(60);
  });

  it('samples within range for any n and s, and validates both', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 500 }), fc.double({ min: 0, max: 3, noNaN: true }), (seed, n, s) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const index = rng.zipf(n, s);
          expect(Number.isInteger(index) && index >= 0 && index < n).toBe(true);
        }
      }),
      { seed: 4242, numRuns: 100 },
    );
    expect(() => new ZipfSampler(0, 1)).toThrow('ZipfSampler: n should be an integer from 1 to 10000000, got 0');
    expect(() => new ZipfSampler(10, -1)).toThrow(/s should be .* got -1/);
  });
});

describe('RngStreams', () => {
  it('returns the same instance for the same name', () => {
    const streams = new RngStreams(42);
    expect(streams.stream('network')).toBe(streams.stream('network'));
  });

  it('gives different names and different seeds different sequences', () => {
    const streams = new RngStreams(42);
    const names = ['network', 'workload', 'clock', 'nemesis', 'client/1', 'client/17', 'client/171', ''];
    const firsts = names.map((name) => take(streams.stream(name), 4).join(','));
    expect(new Set(firsts).size).toBe(names.length);
    expect(take(new RngStreams(43).stream('network'), 4)).not.toEqual(take(new RngStreams(42).stream('network'), 4));
  });

  it('keeps a stream stable whatever other streams were created or consumed first', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.string({ maxLength: 8 }), { maxLength: 10 }), (seed, others) => {
        const alone = take(new RngStreams(seed).stream('workload'), 32);
        const crowded = new RngStreams(seed);
        for (const name of others) if (name !== 'workload') take(crowded.stream(name), 5);
        expect(take(crowded.stream('workload'), 32)).toEqual(alone);
      }),
      { seed: 4242, numRuns: 100 },
    );
  });

  it('derives streams that look independent (no correlation, few coincidences)', () => {
    const streams = new RngStreams(9);
    const network = streams.stream('network');
    const workload = streams.stream('workload');
    let sumXY = 0;
    let sumX = 0;
    let sumY = 0;
    let same = 0;
    for (let i = 0; i < DRAWS; i++) {
      const x = network.float();
      const y = workload.float();
      sumXY += x * y;
      sumX += x;
      sumY += y;
      if (network.int(0, 9) === workload.int(0, 9)) same++;
    }
    const covariance = sumXY / DRAWS - (sumX / DRAWS) * (sumY / DRAWS);
    // Independent uniforms: covariance ≈ 0 (sd ≈ 0.0007 over 100k); equal digits ≈ 10 %.
    expect(Math.abs(covariance)).toBeLessThan(0.004);
    expect(same / DRAWS).toBeGreaterThan(0.09);
    expect(same / DRAWS).toBeLessThan(0.11);
  });
});

describe('parseSeed', () => {
  it('accepts decimal and 0x hex up to 2^53-1', () => {
    expect(parseSeed('42')).toBe(42);
    expect(parseSeed('0x2A')).toBe(42);
    expect(parseSeed(' 0 ')).toBe(0);
    expect(parseSeed('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSeed('0x1fffffffffffff')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('round-trips any safe integer through decimal and hex text', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseSeed(String(n))).toBe(n);
        expect(parseSeed(`0x${n.toString(16)}`)).toBe(n);
      }),
      { seed: 4242 },
    );
  });

  it('throws an error naming the value for anything else', () => {
    for (const bad of ['', '-1', '1e3', '0x', '12abc', '9007199254740992', '3.0', 'seed']) {
      expect(() => parseSeed(bad)).toThrow(`got ${JSON.stringify(bad)}`);
    }
  });
});

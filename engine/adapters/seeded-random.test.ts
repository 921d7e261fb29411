import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.ts';

function draw(seed: number, count: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => random.float());
}

describe('seededRandom', () => {
  it('the same seed gives the same sequence', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (seed) => {
        expect(draw(seed, 20)).toEqual(draw(seed, 20));
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('neighbouring seeds and seeds differing only above bit 32 give different sequences', () => {
    const seeds = [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, 4_294_967_295];
    const firsts = seeds.map((seed) => draw(seed, 4).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('floats lie in [0, 1) and spread evenly over ten buckets', () => {
    const values = draw(12_345, 100_000);
    expect(values.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    const buckets = Array.from({ length: 10 }, () => 0);
    for (const x of values) buckets[Math.floor(x * 10)] = (buckets[Math.floor(x * 10)] ?? 0) + 1;
    // 10 000 expected per bucket; a standard deviation is ~95, so 500 is a wide margin.
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => seededRandom(1.5)).toThrow(/seed/);
    expect(() => seededRandom(Number.NaN)).toThrow(/seed/);
  });
});

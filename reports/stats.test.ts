import { describe, expect, it } from 'vitest';
import { bootstrapMeanDifference, hashString, mean, quantileSorted, seededRandom, verdictOf } from './stats.ts';

/** Normal draws (Box–Muller) from a seeded stream, so the synthetic data is fixed too. */
function normals(random: () => number, n: number, mu: number, sigma: number): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(1e-12, random());
    const v = random();
    return mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

describe('seededRandom', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe('quantileSorted and mean', () => {
  it('interpolates between ranks', () => {
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(mean([])).toBeNull();
    expect(mean([2, 4])).toBe(3);
  });
});

describe('bootstrapMeanDifference', () => {
  it('covers the true mean difference of paired synthetic data most of the time', () => {
    const random = seededRandom(12345);
    const trials = 200;
    const trueDifference = 1;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const a = normals(random, 30, 10, 2);
      const b = a.map((x) => x + trueDifference + normals(random, 1, 0, 1.5)[0]!);
      const ci = bootstrapMeanDifference(a, b, { paired: true, seed: t });
      if (ci.low <= trueDifference && trueDifference <= ci.high) covered++;
    }
    // A 95 % percentile interval at n = 30 covers ~93–95 %; allow sampling noise over 200 trials.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThanOrEqual(1);
  });

  it('covers the true difference of unpaired samples most of the time', () => {
    const random = seededRandom(99);
    const trials = 150;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const a = normals(random, 40, 5, 1);
      const b = normals(random, 40, 4.5, 1);
      const ci = bootstrapMeanDifference(a, b, { paired: false, seed: 1000 + t, resamples: 1000 });
      if (ci.low <= -0.5 && -0.5 <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const random = seededRandom(5);
    const a = normals(random, 12, 100, 20);
    const b = a.map((x) => x + 3 + normals(random, 1, 0, 10)[0]!);
    const first = bootstrapMeanDifference(a, b, { paired: true, seed: 42 });
    const again = bootstrapMeanDifference(a, b, { paired: true, seed: 42 });
    const other = bootstrapMeanDifference(a, b, { paired: true, seed: 43 });
    expect(again).toEqual(first);
    expect(first.estimate).toBeCloseTo(mean(b)! - mean(a)!, 10);
    expect(first.resamples).toBe(2000);
    expect(first.confidence).toBe(0.95);
    expect(first.n).toBe(12);
    expect([other.low, other.high]).not.toEqual([first.low, first.high]);
    expect(first.low).toBeLessThanOrEqual(first.estimate);
    expect(first.high).toBeGreaterThanOrEqual(first.estimate);
  });

  it('gives a zero-width interval when every pair differs by the same amount', () => {
    const ci = bootstrapMeanDifference([1, 2, 3], [3, 4, 5], { paired: true, seed: 1 });
    expect(ci).toMatchObject({ estimate: 2, low: 2, high: 2 });
  });

  it('refuses bad input with the field and the value', () => {
    expect(() => bootstrapMeanDifference([1], [1, 2], { paired: true, seed: 1 })).toThrow(/equal lengths, got 1 and 2/);
    expect(() => bootstrapMeanDifference([], [1], { paired: false, seed: 1 })).toThrow(/samples on both sides/);
    expect(() => bootstrapMeanDifference([1], [1], { paired: true, seed: 1, resamples: 0 })).toThrow(/resamples should be an integer/);
    expect(() => bootstrapMeanDifference([1], [1], { paired: true, seed: 1, confidence: 1 })).toThrow(/confidence should be/);
    expect(() => bootstrapMeanDifference([Number.NaN], [1], { paired: true, seed: 1 })).toThrow(/finite numbers, got NaN/);
  });

  it('hashString derives distinct stream seeds per metric', () => {
    expect(hashString('p99Ms', 1)).not.toBe(hashString('p50Ms', 1));
    expect(hashString('p99Ms', 1)).toBe(hashString('p99Ms', 1));
    expect(hashString('p99Ms', 1)).not.toBe(hashString('p99Ms', 2));
  });
});

describe('verdictOf', () => {
  it('is better or worse only when the interval excludes zero, by the good direction', () => {
    expect(verdictOf({ low: -5, high: -1 }, 'lower')).toBe('better');
    expect(verdictOf({ low: -5, high: -1 }, 'higher')).toBe('worse');
    expect(verdictOf({ low: 1, high: 5 }, 'lower')).toBe('worse');
    expect(verdictOf({ low: 1, high: 5 }, 'higher')).toBe('better');
    expect(verdictOf({ low: -1, high: 1 }, 'lower')).toBe('no significant difference');
    expect(verdictOf({ low: 0, high: 3 }, 'lower')).toBe('no significant difference');
    expect(verdictOf({ low: 0, high: 0 }, 'higher')).toBe('no significant difference');
  });
});

// Tests of the link model: validation, loss rates per direction, asymmetric partitions,
// latency bounds and shapes, duplication, reordering, and determinism.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLinkConfig, decideDelivery, DEFAULT_LINK, LATENCY_DISTRIBUTIONS, sampleLatencyMs } from './link.ts';
import type { DeliveryDecision, Direction, LinkConfig } from './link.ts';
import { Rng } from './rng.ts';

const DRAWS = 100_000;

function dropRate(cfg: LinkConfig, direction: Direction, seed: number): number {
  const rng = new Rng(seed);
  let drops = 0;
  for (let i = 0; i < DRAWS; i++) if (decideDelivery(cfg, direction, rng).kind === 'drop') drops++;
  return drops / DRAWS;
}

function delaysOf(decision: DeliveryDecision): readonly number[] {
  if (decision.kind !== 'deliver') throw new Error(`expected a delivery, got a ${decision.reason} drop`);
  return decision.delaysMs;
}

describe('buildLinkConfig', () => {
  it('fills defaults and freezes the result', () => {
    expect(buildLinkConfig()).toEqual(DEFAULT_LINK);
    const cfg = buildLinkConfig({ requestLossPerMille: 5 });
    expect(cfg.requestLossPerMille).toBe(5);
    expect(cfg.latencyMsMax).toBe(DEFAULT_LINK.latencyMsMax);
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names the field and the value of each bad setting', () => {
    expect(() => buildLinkConfig({ latencyMsMin: -1 })).toThrow('latencyMsMin should be an integer from 0 to 3600000, got -1');
    expect(() => buildLinkConfig({ latencyMsMin: 50, latencyMsMax: 40 })).toThrow('latencyMsMax should be an integer from 50 to 3600000, got 40');
    expect(() => buildLinkConfig({ latencyMsMax: 10.5 })).toThrow(/latencyMsMax .* got 10.5/);
    expect(() => buildLinkConfig({ responseLossPerMille: 1001 })).toThrow(/responseLossPerMille .* got 1001/);
    expect(() => buildLinkConfig({ duplicatePerMille: -3 })).toThrow(/duplicatePerMille .* got -3/);
    expect(() => buildLinkConfig({ reorderPerMille: 0.5 })).toThrow(/reorderPerMille .* got 0.5/);
    const badDistribution = { latencyDistribution: 'normal' } as unknown as Partial<LinkConfig>;
    expect(() => buildLinkConfig(badDistribution)).toThrow('latencyDistribution should be one of uniform, exponential, pareto-tail, got "normal"');
    const badPartition = { partitioned: 'left' } as unknown as Partial<LinkConfig>;
    expect(() => buildLinkConfig(badPartition)).toThrow(/partitioned should be one of none, request, response, both, got "left"/);
  });
});

describe('decideDelivery drops', () => {
  it('loses requests and responses near their own per-mille rates', () => {
    const cfg = buildLinkConfig({ requestLossPerMille: 100, responseLossPerMille: 300 });
    const requestRate = dropRate(cfg, 'request', 1);
    expect(requestRate).toBeGreaterThan(0.09);
    expect(requestRate).toBeLessThan(0.11);
    const responseRate = dropRate(cfg, 'response', 2);
    expect(responseRate).toBeGreaterThan(0.29);
    expect(responseRate).toBeLessThan(0.31);
    expect(dropRate(buildLinkConfig({ requestLossPerMille: 1000 }), 'response', 3)).toBe(0);
  });

  it('drops exactly the partitioned direction, with reason partition', () => {
    const rng = new Rng(4);
    const cases: [LinkConfig['partitioned'], boolean, boolean][] = [
      ['none', false, false],
      ['request', true, false],
      ['response', false, true],
      ['both', true, true],
    ];
    for (const [partitioned, requestDropped, responseDropped] of cases) {
      const cfg = buildLinkConfig({ partitioned });
      for (let i = 0; i < 100; i++) {
        const request = decideDelivery(cfg, 'request', rng);
        const response = decideDelivery(cfg, 'response', rng);
        expect(request.kind === 'drop' && request.reason === 'partition').toBe(requestDropped);
        expect(response.kind === 'drop' && response.reason === 'partition').toBe(responseDropped);
      }
    }
  });

  it('reports plain loss as reason loss', () => {
    const decision = decideDelivery(buildLinkConfig({ requestLossPerMille: 1000 }), 'request', new Rng(5));
    expect(decision).toEqual({ kind: 'drop', reason: 'loss' });
  });
});

describe('decideDelivery deliveries', () => {
  it('keeps every latency within [min, max] as an integer, for every distribution', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom(...LATENCY_DISTRIBUTIONS),
        fc.integer({ min: 0, max: 1000 }),
        (seed, latencyMsMin, spreadMs, latencyDistribution, duplicatePerMille) => {
          const cfg = buildLinkConfig({ latencyMsMin, latencyMsMax: latencyMsMin + spreadMs, latencyDistribution, duplicatePerMille });
          const rng = new Rng(seed);
          const outside: number[] = [];
          for (let i = 0; i < 50; i++) {
            for (const delayMs of delaysOf(decideDelivery(cfg, i % 2 === 0 ? 'request' : 'response', rng))) {
              if (!Number.isInteger(delayMs) || delayMs < latencyMsMin || delayMs > latencyMsMin + spreadMs) outside.push(delayMs);
            }
          }
          expect(outside).toEqual([]);
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('gives two delays when duplicated and one otherwise', () => {
    const rng = new Rng(6);
    for (let i = 0; i < 100; i++) {
      expect(delaysOf(decideDelivery(buildLinkConfig({ duplicatePerMille: 1000 }), 'request', rng))).toHaveLength(2);
      expect(delaysOf(decideDelivery(buildLinkConfig({ duplicatePerMille: 0 }), 'response', rng))).toHaveLength(1);
    }
  });

  it('holds a reordered message back until one sent 1 ms later, however slow, overtakes it', () => {
    fc.assert(
      // Small ranges, many draws: the edge (fastest held copy vs slowest later one) gets hit.
      fc.property(fc.nat(), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (seed, latencyMsMin, spreadMs) => {
        const latencyMsMax = latencyMsMin + spreadMs;
        const cfg = buildLinkConfig({ latencyMsMin, latencyMsMax, latencyDistribution: 'uniform', reorderPerMille: 1000 });
        const rng = new Rng(seed);
        const wrong: number[] = [];
        for (let i = 0; i < 200; i++) {
          const heldMs = delaysOf(decideDelivery(cfg, 'request', rng))[0]!;
          const overtakenBySlowest = 1 + latencyMsMax < heldMs;
          if (!overtakenBySlowest || heldMs > 2 * latencyMsMax + 1 + Math.max(1, latencyMsMax)) wrong.push(heldMs);
        }
        expect(wrong).toEqual([]);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('shapes latency: pareto-tail sits near the minimum with a tail, exponential below uniform', () => {
    const stats = (latencyDistribution: LinkConfig['latencyDistribution']): { medianMs: number; meanMs: number; p999Ms: number } => {
      const cfg = buildLinkConfig({ latencyMsMin: 20, latencyMsMax: 2020, latencyDistribution });
      const rng = new Rng(7);
      const sorted = Float64Array.from({ length: DRAWS }, () => sampleLatencyMs(cfg, rng)).sort();
      const meanMs = sorted.reduce((sum, x) => sum + x, 0) / DRAWS;
      return { medianMs: sorted[DRAWS / 2]!, meanMs, p999Ms: sorted[DRAWS - DRAWS / 1000]! };
    };
    const uniform = stats('uniform');
    const exponential = stats('exponential');
    const pareto = stats('pareto-tail');
    expect(uniform.medianMs).toBeGreaterThan(950);
    expect(uniform.medianMs).toBeLessThan(1090);
    expect(exponential.meanMs).toBeLessThan(uniform.meanMs * 0.8);
    expect(pareto.medianMs).toBeLessThan(20 + 0.1 * 2000);
    expect(pareto.p999Ms).toBeGreaterThan(20 + 0.5 * 2000);
  });

  it('decides identically from the same seed', () => {
    const cfg = buildLinkConfig({ requestLossPerMille: 50, duplicatePerMille: 50, reorderPerMille: 50 });
    const run = (): DeliveryDecision[] => {
      const rng = new Rng(8);
      return Array.from({ length: 500 }, (_, i) => decideDelivery(cfg, i % 3 === 0 ? 'response' : 'request', rng));
    };
    expect(run()).toEqual(run());
  });
});

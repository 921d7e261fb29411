// The toxics' plans as pure functions: what each returns for a chunk at a given time, the
// slicer's cuts as a property, the seeded random, and address parsing.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseListen } from './proxy.ts';
import { seededRandom } from './random.ts';
import { parseHostPort, type Attributes, type Toxic, type ToxicType } from './spec.ts';
import { behaviourFor, sliceOffsets, type Step } from './toxics.ts';

const FC_SEED = 20_240_601;

function toxic(type: ToxicType, attributes: Attributes, toxicity = 1): Toxic {
  return { name: type, type, stream: 'downstream', toxicity, attributes };
}

const plan = (steps: Step[]): string[] =>
  steps.map((step) => (step.kind === 'data' ? `${step.atMs}:data:${step.bytes.length}` : `${step.atMs}:${step.kind}`));

describe('plans', () => {
  const memory = () => ({ bytesTransmitted: 0 });
  const random = () => seededRandom(1, 'plans');

  it('latency counts from when the chunk entered, never earlier than now', () => {
    const behaviour = behaviourFor(toxic('latency', { latency: 100, jitter: 0 }), random(), memory());
    expect(plan(behaviour.onData(Buffer.alloc(3), 1_000, 1_040))).toEqual(['1100:data:3']);
    expect(plan(behaviour.onData(Buffer.alloc(3), 1_000, 1_500))).toEqual(['1500:data:3']);
    expect(plan(behaviour.onEnd(1_500))).toEqual(['1500:end']);
  });

  it('latency jitter stays within [latency - jitter, latency + jitter)', () => {
    const behaviour = behaviourFor(toxic('latency', { latency: 100, jitter: 30 }), random(), memory());
    const delays = Array.from({ length: 500 }, () => behaviour.onData(Buffer.alloc(1), 0, 0)[0]!.atMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...delays)).toBeLessThan(130);
    expect(new Set(delays).size).toBeGreaterThan(30);
  });

  it('bandwidth sends rate·100-byte slices every 100 ms and the rest when its time is due', () => {
    const behaviour = behaviourFor(toxic('bandwidth', { rate: 10 }), random(), memory());
    expect(plan(behaviour.onData(Buffer.alloc(2_500), 0, 0))).toEqual(['100:data:1000', '200:data:1000', '250:data:500']);
  });

  it('slow_close passes data at once and delays only the end; timeout drops data and arms its close', () => {
    const slow = behaviourFor(toxic('slow_close', { delay: 300 }), random(), memory());
    expect(plan(slow.onData(Buffer.alloc(2), 0, 10))).toEqual(['10:data:2']);
    expect(plan(slow.onEnd(10))).toEqual(['310:end']);
    const timeout = behaviourFor(toxic('timeout', { timeout: 50 }), random(), memory());
    expect(plan(timeout.onData(Buffer.alloc(2), 0, 10))).toEqual([]);
    expect(timeout.deadline(10)).toEqual({ kind: 'end', atMs: 60 });
    expect(behaviourFor(toxic('timeout', { timeout: 0 }), random(), memory()).deadline(10)).toBeNull();
  });

  it('slicer spaces its slices by delay microseconds', () => {
    const behaviour = behaviourFor(toxic('slicer', { average_size: 10, size_variation: 0, delay: 2_000 }), random(), memory());
    expect(plan(behaviour.onData(Buffer.alloc(40), 0, 0))).toEqual(['0:data:10', '2:data:10', '4:data:10', '6:data:10']);
  });

  it('toxicity 0 never applies a toxic; toxicity 1 always does', () => {
    const never = toxic('timeout', { timeout: 0 }, 0);
    const always = toxic('timeout', { timeout: 0 }, 1);
    for (let i = 0; i < 200; i++) {
      expect(plan(behaviourFor(never, random(), memory()).onData(Buffer.alloc(1), 0, 0))).toEqual(['0:data:1']);
      expect(plan(behaviourFor(always, random(), memory()).onData(Buffer.alloc(1), 0, 0))).toEqual([]);
    }
  });

  it('slicer cuts cover the chunk exactly, in order, each slice at most average_size + size_variation', () => {
    const inputs = fc.record({
      length: fc.integer({ min: 0, max: 20_000 }),
      averageSize: fc.integer({ min: 1, max: 2_000 }),
      variationPerMille: fc.integer({ min: 0, max: 1_500 }),
      seed: fc.integer({ min: 0, max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(inputs, ({ length, averageSize, variationPerMille, seed }) => {
        const sizeVariation = Math.floor((averageSize * variationPerMille) / 1000);
        const cuts = sliceOffsets(length, averageSize, sizeVariation, seededRandom(seed, 'slicer'));
        const sizes = cuts.slice(1).map((cut, i) => cut - cuts[i]!);
        const sizeMax = Math.max(1, averageSize + sizeVariation);
        expect(cuts[0]).toBe(0);
        expect(cuts.at(-1)).toBe(length);
        expect(sizes.filter((size) => size <= 0 || size > sizeMax)).toEqual([]);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe('seeded random', () => {
  it('the same (seed, name) repeats; another seed or name does not', () => {
    const draw = (seed: number, name: string): number[] => {
      const random = seededRandom(seed, name);
      return Array.from({ length: 8 }, () => random());
    };
    expect(draw(7, 'p/0/upstream')).toEqual(draw(7, 'p/0/upstream'));
    expect(draw(7, 'p/0/upstream')).not.toEqual(draw(8, 'p/0/upstream'));
    expect(draw(7, 'p/0/upstream')).not.toEqual(draw(7, 'p/1/upstream'));
    expect(draw(2 ** 40, 'x').every((x) => x >= 0 && x < 1)).toBe(true);
    expect(() => seededRandom(-1, 'x')).toThrow(/seed should be an integer/);
  });
});

describe('addresses', () => {
  it('parses host:port, [v6]:port and :port', () => {
    expect(parseHostPort('db.local:5432', 'upstream')).toEqual({ ok: true, value: { host: 'db.local', port: 5432 } });
    expect(parseHostPort('[::1]:80', 'upstream')).toEqual({ ok: true, value: { host: '::1', port: 80 } });
    expect(parseHostPort(':0', 'listen')).toEqual({ ok: true, value: { host: '', port: 0 } });
    expect(parseHostPort('db', 'upstream').ok).toBe(false);
    expect(parseHostPort('db:70000', 'upstream').ok).toBe(false);
  });

  it('proxies listen on loopback only; empty and localhost mean 127.0.0.1', () => {
    expect(parseListen('')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 0 } });
    expect(parseListen('localhost:8080')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 8080 } });
    expect(parseListen('[::1]:0').ok).toBe(true);
    expect(parseListen('0.0.0.0:8080').ok).toBe(false);
    expect(parseListen('10.0.0.1:8080').ok).toBe(false);
  });
});

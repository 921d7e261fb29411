// Properties of the field helpers: jsonEqual as an equivalence that agrees with canonical JSON,
// applyDelta's purity, clashingFields on constructed three-way histories, and what isJsonValue
// refuses wherever it hides in a value.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fields, JsonValue } from '../protocol.ts';
import { applyDelta, clashingFields, isJsonValue, jsonEqual } from './fields.ts';
import { fieldKeyArb, fieldsArb, RUNS, SEED, smallJsonArb } from '../testing/arbitraries.ts';

const params = { seed: SEED, numRuns: RUNS };

/** The same value with every object's keys sorted: JSON.stringify of it is canonical. */
function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, JsonValue>)[k]!)]));
  }
  return value;
}

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).reverse().map((k) => [k, reverseKeys((value as Record<string, JsonValue>)[k]!)]));
  }
  return value;
}

const canonical = (v: JsonValue): string => JSON.stringify(sortKeys(v));

/** Nested JSON over a tiny domain, so two independent draws are often equal. */
const { tinyJson } = fc.letrec<{ tinyJson: JsonValue }>((tie) => ({
  tinyJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    smallJsonArb,
    fc.array(tie('tinyJson'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('tinyJson'), { maxKeys: 2, noNullPrototype: true }),
  ),
}));

const jsonArb = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('jsonEqual', () => {
  it('is reflexive, also against a structural copy with keys in another order', () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        expect(jsonEqual(v, v)).toBe(true);
        expect(jsonEqual(v, structuredClone(v))).toBe(true);
        expect(jsonEqual(v, reverseKeys(v))).toBe(true);
        expect(jsonEqual(reverseKeys(v), v)).toBe(true);
      }),
      params,
    );
  });

  it('is symmetric and agrees with JSON.stringify equality on key-sorted values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(tinyJson, tinyJson), fc.tuple(jsonArb, jsonArb)), ([a, b]) => {
        const equal = jsonEqual(a, b);
        expect(jsonEqual(b, a)).toBe(equal);
        expect(equal).toBe(canonical(a) === canonical(b));
      }),
      params,
    );
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(tinyJson, tinyJson, tinyJson, (a, b, c) => {
        if (jsonEqual(a, b) && jsonEqual(b, c)) expect(jsonEqual(a, c)).toBe(true);
      }),
      params,
    );
  });

  it('tells a missing field from a null one and an array from an object with index keys', () => {
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual({}, { a: null })).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false);
    expect(jsonEqual(['x'], { 0: 'x' })).toBe(false);
    expect(jsonEqual({ 0: 'x' }, ['x'])).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined } as unknown as JsonValue, { a: 1, c: 2 })).toBe(false);
  });
});

describe('applyDelta', () => {
  it('never mutates its inputs and returns a new object', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (base, delta) => {
        const copies = structuredClone({ base, delta });
        const result = applyDelta(deepFreeze(base), deepFreeze(delta));
        expect({ base, delta }).toEqual(copies);
        expect(result).not.toBe(base);
      }),
      params,
    );
  });

  it('takes every key of the delta and keeps every other key of the base', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (base, delta) => {
        const result = applyDelta(base, delta);
        expect(new Set(Object.keys(result))).toEqual(new Set([...Object.keys(base), ...Object.keys(delta)]));
        for (const k of Object.keys(result)) expect(result[k]).toBe(Object.hasOwn(delta, k) ? delta[k] : base[k]);
      }),
      params,
    );
  });

  it('composes: two deltas in turn equal their merge (later keys win)', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, fieldsArb, (base, d1, d2) => {
        expect(applyDelta(applyDelta(base, d1), d2)).toEqual(applyDelta(base, { ...d1, ...d2 }));
      }),
      params,
    );
  });
});

describe('clashingFields', () => {
  /** A base and the two sides' deltas on top of it; the server's fields are base ⊕ serverDelta. */
  const historyArb = fc.record({ base: fieldsArb, serverDelta: fieldsArb, localDelta: fieldsArb });
  /** A delta whose every value differs from the base's: a genuine change on every key it sets. */
  const genuine = (base: Fields, delta: Fields): Fields => Object.fromEntries(Object.entries(delta).filter(([f, v]) => !jsonEqual(v, base[f])));
  const sorted = (xs: readonly string[]): string[] => [...xs].sort();

  it('is symmetric between the two sides when both deltas are genuine changes', () => {
    fc.assert(
      fc.property(historyArb, ({ base, serverDelta, localDelta }) => {
        const [s, l] = [genuine(base, serverDelta), genuine(base, localDelta)];
        expect(sorted(clashingFields(base, l, applyDelta(base, s)))).toEqual(sorted(clashingFields(base, s, applyDelta(base, l))));
      }),
      params,
    );
  });

  it('is exactly the fields both sides changed, to different values', () => {
    fc.assert(
      fc.property(historyArb, ({ base, serverDelta, localDelta }) => {
        const expected = Object.keys(localDelta).filter(
          (f) => Object.hasOwn(serverDelta, f) && !jsonEqual(serverDelta[f], base[f]) && !jsonEqual(serverDelta[f], localDelta[f]),
        );
        expect(sorted(clashingFields(base, localDelta, applyDelta(base, serverDelta)))).toEqual(sorted(expected));
      }),
      params,
    );
  });

  it('is empty when the server changed nothing, when the deltas are disjoint, or when both sides agree', () => {
    fc.assert(
      fc.property(historyArb, ({ base, serverDelta, localDelta }) => {
        expect(clashingFields(base, localDelta, base)).toEqual([]);
        const disjoint = Object.fromEntries(Object.entries(serverDelta).filter(([f]) => !Object.hasOwn(localDelta, f)));
        expect(clashingFields(base, localDelta, applyDelta(base, disjoint))).toEqual([]);
        expect(clashingFields(base, localDelta, applyDelta(applyDelta(base, serverDelta), localDelta))).toEqual([]);
      }),
      params,
    );
  });

  it('counts a field the server added since the base, whatever its name (own fields only, not Object.prototype)', () => {
    // Field names come from users; JSON.parse makes "__proto__" an own data field like any other.
    // Exhaustive over a small table rather than sampled: every name × server value × local value.
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'plain'];
    const serverValues: JsonValue[] = [{}, [], 'x', 0, { a: 1 }];
    const localValues: JsonValue[] = [{ b: 2 }, 'y', 1];
    const wrong: string[] = [];
    for (const f of names) {
      for (const serverValue of serverValues) {
        for (const localValue of localValues) {
          const server = JSON.parse(`{${JSON.stringify(f)}:${JSON.stringify(serverValue)}}`) as Fields;
          const local = JSON.parse(`{${JSON.stringify(f)}:${JSON.stringify(localValue)}}`) as Fields;
          // Base lacks f, the server set it, the local delta set it to something else: a clash.
          const clashes = clashingFields({}, local, server);
          if (clashes.length !== 1 || clashes[0] !== f) wrong.push(`base {} server ${JSON.stringify(server)} local ${JSON.stringify(local)} → ${JSON.stringify(clashes)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('isJsonValue', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const badArb: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    undefined,
    () => 1,
    Symbol('s'),
    10n,
    new Point(1),
    new Date(0),
    new Map(),
    new Set(),
    /re/,
    new Uint8Array(1),
  );

  it('accepts every JSON value', () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        expect(isJsonValue(v)).toBe(true);
      }),
      params,
    );
  });

  it('rejects NaN, undefined, functions and class instances, at the top or nested in arrays and objects', () => {
    fc.assert(
      fc.property(badArb, jsonArb, fc.string(), fc.nat({ max: 3 }), (bad, v, key, depth) => {
        let wrapped: unknown = bad;
        for (let i = 0; i < depth; i++) wrapped = i % 2 === 0 ? [v, wrapped] : { [key]: wrapped };
        expect(isJsonValue(wrapped)).toBe(false);
      }),
      params,
    );
  });

  it('rejects a cycle instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(isJsonValue(cyclic)).toBe(false);
    const list: unknown[] = [];
    list.push(list);
    expect(isJsonValue(list)).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isArrayIndexKey, keysInSourceOrder } from './json-key-order.ts';

describe('keysInSourceOrder', () => {
  it('lists the keys of the object at a path in text order, skipping nested values and tricky strings', () => {
    const text = ' { "skip": {"x": ["}", "\\"{", 1e3, {"y": null}]}, "boxes": { "q": { "9": 1, "b\\"": [{}], "1": "]", "a": -2.5e-3 } } } ';
    expect(keysInSourceOrder(text, ['boxes', 'q'])).toEqual(['9', 'b"', '1', 'a']);
    expect(keysInSourceOrder(text, ['boxes'])).toEqual(['q']);
    expect(keysInSourceOrder(text, ['missing'])).toBeNull();
    expect(keysInSourceOrder(text, ['boxes', 'q', 'a'])).toBeNull();
  });

  it('matches the order the object was written in, for any keys (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.string(), fc.nat().map(String)), { maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), (keys, value) => {
        const body = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',\n ');
        const text = `{"outer": {${body}}, "after": 1}`;
        expect(keysInSourceOrder(text, ['outer'])).toEqual(keys);
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});

describe('isArrayIndexKey', () => {
  it.each([
    ['0', true],
    ['42', true],
    ['4294967294', true],
    ['4294967295', false],
    ['007', false],
    ['-1', false],
    ['1.5', false],
    ['', false],
    ['a1', false],
  ])('%s → %s', (key, expected) => {
    expect(isArrayIndexKey(key)).toBe(expected);
  });
});

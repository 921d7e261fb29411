// buildEngineOptions: defaults filled, bad values named, and one shape for every engine's
// options whatever the caller's object looked like (the core reads them on every step).

import { describe, expect, it } from 'vitest';
import { buildEngineOptions, DEFAULT_ENGINE_OPTIONS, OptionsError, type EngineOptions } from './options.ts';
import { freshMetadata } from './core/image.ts';
import { metaWith } from './model.ts';

const FIELDS: readonly (keyof EngineOptions)[] = ['clientId', ...(Object.keys(DEFAULT_ENGINE_OPTIONS) as (keyof EngineOptions)[])];

describe('buildEngineOptions', () => {
  it('fills every default and keeps the caller’s values', () => {
    const options = buildEngineOptions({ clientId: 'c1', pullLimit: 7 });
    expect(options.pullLimit).toBe(7);
    expect(options.batchItemsMax).toBe(DEFAULT_ENGINE_OPTIONS.batchItemsMax);
    expect(options.clientId).toBe('c1');
  });

  it('names the field and the value it refuses', () => {
    expect(() => buildEngineOptions({ clientId: 'c1', pullLimit: 0 })).toThrow(OptionsError);
    expect(() => buildEngineOptions({ clientId: 'c1', pullLimit: 0 })).toThrow(/pullLimit.*got 0/);
  });

  it('builds the same fields in the same order whatever order the caller gave, and nothing else', () => {
    // A spread of the caller's object kept its order and its extras: each client's options got a
    // hidden class of its own, and every read of them in the core went megamorphic.
    const forward = buildEngineOptions({ clientId: 'c1', pullLimit: 7, protocolVersion: 1, jitter: 'none' });
    const reversed = { jitter: 'none', protocolVersion: 1, pullLimit: 7, extra: true, clientId: 'c2' } as unknown as EngineOptions;
    const backward = buildEngineOptions(reversed);
    expect(Object.keys(forward)).toEqual(FIELDS);
    expect(Object.keys(backward)).toEqual(FIELDS);
  });
});

describe('metaWith', () => {
  it('changes only the given fields, keeps a null epoch change apart from an absent one, and keeps one field order', () => {
    const fresh = freshMetadata('c1');
    const contacted = metaWith(fresh, { epoch: 'e1', cursor: 4 });
    expect(contacted).toEqual({ ...fresh, epoch: 'e1', cursor: 4 });
    expect(metaWith(contacted, { seqNext: 9 }).epoch).toBe('e1');
    expect(metaWith(contacted, { epoch: null }).epoch).toBeNull();
    expect(Object.keys(metaWith(contacted, { hlcCounter: 2, hlcWallMs: 5 }))).toEqual(Object.keys(fresh));
  });
});

// What `npm run profile` runs: the standard run unless PROFILE_CLIENTS / PROFILE_MINUTES say
// otherwise, and a clear error naming the variable for a bad value.

import { describe, expect, it } from 'vitest';
import { standardRunSize } from './options.ts';

describe('profile run size', () => {
  it('is the standard run by default', () => {
    expect(standardRunSize({})).toEqual({ clients: 1000, durationMs: 3_600_000 });
  });

  it('takes a smaller run from the environment', () => {
    expect(standardRunSize({ PROFILE_CLIENTS: '100', PROFILE_MINUTES: '10' })).toEqual({ clients: 100, durationMs: 600_000 });
  });

  it('names the variable and the bad value', () => {
    expect(() => standardRunSize({ PROFILE_CLIENTS: '0' })).toThrow('PROFILE_CLIENTS should be an integer from 1 to 10000, got "0"');
    expect(() => standardRunSize({ PROFILE_MINUTES: '1.5' })).toThrow('PROFILE_MINUTES should be an integer from 1 to 1440, got "1.5"');
  });
});

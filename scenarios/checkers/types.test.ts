// Verdict: the rules a checker's violations broke are all listed, kept violations or not (the
// shrinker keeps a smaller run only if it breaks one of the original's rules).

import { describe, expect, it } from 'vitest';
import { Verdict, VIOLATIONS_KEPT } from './types.ts';

describe('Verdict', () => {
  const violation = (rule: string, t: number) => ({ rule, message: `${rule} at ${t}`, clients: [0], queueIds: [], t, slice: [] });

  it('lists every rule broken, in the order first broken, past the violations it keeps', () => {
    const verdict = new Verdict('eventual-delivery', 'p');
    for (let t = 0; t < VIOLATIONS_KEPT; t++) verdict.add(violation('early-retry', t));
    verdict.add(violation('request-rate', 99));
    verdict.add(violation('early-retry', 100));
    const result = verdict.result('x');
    expect(result.violations).toHaveLength(VIOLATIONS_KEPT);
    expect(result.violations.every((v) => v.rule === 'early-retry')).toBe(true);
    expect(result.violationCount).toBe(VIOLATIONS_KEPT + 2);
    expect(result.rules).toEqual(['early-retry', 'request-rate']);
  });

  it('lists no rule when it holds', () => {
    expect(new Verdict('convergence', 'p').result('x')).toMatchObject({ valid: true, rules: [] });
  });
});

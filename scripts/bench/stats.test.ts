// The benchmark's pure arithmetic: the median run and the budgeted duration of a big run.

import { describe, expect, it } from 'vitest';
import { compression, durationWithinBudget, growthOf, medianBy, perSecond } from './stats.ts';

const HOUR_MS = 3_600_000;
const STEP_MS = 300_000;

describe('bench stats', () => {
  it('medianBy picks the middle run of three, whatever their order', () => {
    const runs = [{ wallMs: 9 }, { wallMs: 3 }, { wallMs: 5 }];
    expect(medianBy(runs, (r) => r.wallMs)).toBe(runs[2]);
  });

  it('medianBy of one run is that run, and of none is an error', () => {
    expect(medianBy([{ wallMs: 4 }], (r) => r.wallMs)).toEqual({ wallMs: 4 });
    expect(() => medianBy([], (r: { wallMs: number }) => r.wallMs)).toThrow(/should not be empty/);
  });

  it('rates per wall second, and zero for a zero wall time', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(compression(HOUR_MS, 10_000)).toBe(360);
    expect(perSecond(5, 0)).toBe(0);
  });

  it('keeps the full hour when its projection fits the budget', () => {
    expect(durationWithinBudget(HOUR_MS, 100_000, 120_000, STEP_MS)).toEqual({ durationMs: HOUR_MS, reason: null });
  });

  it('shortens to whole steps of the budget share, with the reason', () => {
    const choice = durationWithinBudget(HOUR_MS, 200_000, 120_000, STEP_MS);
    expect(choice.durationMs).toBe(35 * 60_000); // 60 min × 120/200 = 36 min → 35
    expect(choice.reason).toBe('the full 60 min was projected at 200 s, over the 120 s wall budget');
  });

  it('never shortens below one step', () => {
    expect(durationWithinBudget(HOUR_MS, 1e9, 120_000, STEP_MS).durationMs).toBe(STEP_MS);
  });
});

describe('bench growth', () => {
  it('passes linear growth and up to 12× per 10× of size', () => {
    expect(growthOf(100, 1000, 10_000, 100_000, 12)).toEqual({ costRatio: 10, sizeRatio: 10, allowedRatio: 12, pass: true });
    expect(growthOf(100, 1200, 10_000, 100_000, 12).pass).toBe(true);
    expect(growthOf(100, 1201, 10_000, 100_000, 12).pass).toBe(false);
  });

  it('scales the allowance to a size ratio other than 10', () => {
    const g = growthOf(10, 90, 1000, 7700, 12);
    expect(g.allowedRatio).toBeCloseTo(9.24, 10);
    expect(g.pass).toBe(true);
    expect(growthOf(10, 95, 1000, 7700, 12).pass).toBe(false);
  });

  it('refuses a zero small cost', () => {
    expect(() => growthOf(0, 5, 1, 10, 12)).toThrow(/small cost and size should be > 0, got 0/);
  });
});

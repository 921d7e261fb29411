// The benchmark's verdicts: each figure against its issue-3 and issue-7 targets, and a shortened
// scale run never passes a target set for the hour.

import { describe, expect, it } from 'vitest';
import type { SimMeasurement } from './jobs.ts';
import { baselineEntryOf } from './baseline.ts';
import { chaosRows, scaleRows, sizeRows, standardRows } from './rows.ts';
import type { ChaosRateMeasurement } from './chaos-child.ts';

const HOUR_MS = 3_600_000;

function sim(clients: number, durationMs: number, wallMs: number, peakRssBytes = 2 ** 29): SimMeasurement {
  return {
    clients, durationMs, simulatedMs: durationMs + 600_000, wallMs, cpuMs: wallMs, eventsProcessed: 1000, opsPlanned: 10, opsInvoked: 8,
    historyEvents: 2000, checkMs: 100, checkCpuMs: 100, checksFailed: [], checkFailures: [], converged: true, faultMix: '', peakRssBytes,
  };
}

const entry = (m: SimMeasurement, shortened: string | null = null) => ({ clients: m.clients, durationMs: m.durationMs, shortened, runs: [m], median: m, error: null });
const markOf = (rows: readonly { figure: string; pass: boolean | null }[], figure: string) => rows.find((r) => r.figure === figure)?.pass;
/** The marks of every row of this figure, each with its target's issue (#3, #7). */
const marksOf = (rows: readonly { figure: string; target: string | null; pass: boolean | null }[], figure: string) =>
  rows.filter((r) => r.figure === figure).map((r) => `${/\(#\d\)$/.exec(r.target ?? '')?.[0] ?? r.target} ${r.pass}`);

describe('bench verdicts', () => {
  it('standard run: 2,000× compression, checkers included, passes; 1,000× is short', () => {
    expect(markOf(standardRows(entry(sim(1000, HOUR_MS, 1_700)), null), 'time compression')).toBe(true); // + 100 ms of checkers
    expect(markOf(standardRows(entry(sim(1000, HOUR_MS, 3_600)), null), 'time compression')).toBe(false);
  });

  it('fake-timers baseline: its median of three runs is shown, and the ratio is marked against 5× (#3) and 10× (#7)', () => {
    const ft = (wallMs: number) => ({ clients: 1000, simulatedMs: HOUR_MS, wallMs, cpuMs: wallMs, opsPlanned: 10, opsInvoked: 10, writesOk: 8, writesFailed: 0, serverApplied: 8, stoppedEarly: false, peakRssBytes: 1 });
    // Three pairs: fake-timers 16, 14 and 15 s, each followed by a simulator run `ratio` times faster than the 15 s one.
    const baseline = (ratio: number) => baselineEntryOf(1000, [ft(16_000), ft(14_000), ft(15_000)], [1, 2, 3].map(() => sim(1000, HOUR_MS, 15_000 / ratio)), null);
    const rows = standardRows(entry(sim(1000, HOUR_MS, 1_700)), baseline(10));
    expect(rows.find((r) => r.figure === 'fake-timers wall')?.value).toMatch(/^15\.00 s \(median of 16\.00 \/ 14\.00 \/ 15\.00; cpu 15\.00 s\)/);
    expect(marksOf(rows, 'speed ratio sim ÷ fake-timers')).toEqual(['(#3) true', '(#7) true']);
    // The median of the pairs' ratios (16/1.5, 14/1.5, 15/1.5), not a ratio of medians taken minutes apart.
    expect(rows.find((r) => r.figure === 'speed ratio sim ÷ fake-timers')?.value).toBe('10.0× (median of 3 pairs: 10.7 / 9.3 / 10.0; by cpu time 10.7 / 9.3 / 10.0)');
    expect(marksOf(standardRows(entry(sim(1000, HOUR_MS, 1_700)), baseline(6)), 'speed ratio sim ÷ fake-timers')).toEqual(['(#3) true', '(#7) false']);
    expect(marksOf(standardRows(entry(sim(1000, HOUR_MS, 1_700)), baseline(4.9)), 'speed ratio sim ÷ fake-timers')).toEqual(['(#3) false', '(#7) false']);
  });

  it('on one CPU (#3): the pinned hour passes under 10 s with its checkers, not at 10 s; a failed pinned run is short and says why', () => {
    const figure = 'on one CPU (taskset -c 0)';
    const pinned = (wallMs: number) => standardRows(entry(sim(1000, HOUR_MS, 1_700)), null, entry(sim(1000, HOUR_MS, wallMs)));
    expect(marksOf(pinned(9_850), figure)).toEqual(['(#3) true']); // + 100 ms of checkers
    expect(marksOf(pinned(9_900), figure)).toEqual(['(#3) false']);
    expect(pinned(8_900).find((r) => r.figure === figure)?.value).toMatch(/^9\.00 s with checkers → 400× \(8\.90 s/);
    const failed = standardRows(entry(sim(1000, HOUR_MS, 1_700)), null, { ...entry(sim(1000, HOUR_MS, 1)), runs: [], median: null, error: 'spawn taskset ENOENT' });
    expect(failed.find((r) => r.figure === figure)).toMatchObject({ value: 'spawn taskset ENOENT', pass: false });
    expect(standardRows(entry(sim(1000, HOUR_MS, 1_700)), null).some((r) => r.figure === figure)).toBe(false);
  });

  it('a size without a target (100 clients) shows its compression and marks nothing', () => {
    const rows = sizeRows(entry(sim(100, HOUR_MS, 900)));
    expect(rows.map((r) => r.pass)).toEqual(rows.map(() => null));
    expect(rows.find((r) => r.figure === 'time compression')?.value).toMatch(/^3,600× with checkers \(simulation alone 4,000×\)/);
    expect(rows[0]!.subject).toMatch(/^size: 100 clients × 60 min/);
    expect(rows.find((r) => r.figure === 'converged after the heal')?.value).toBe('600.0 s simulated');
    expect(sizeRows(entry({ ...sim(100, HOUR_MS, 900), converged: false })).find((r) => r.figure === 'converged after the heal')?.value).toBe('not within the budget (10 min)');
    expect(sizeRows({ ...entry(sim(100, HOUR_MS, 900)), runs: [], median: null, error: 'boom' })).toEqual([{ subject: expect.stringMatching(/100 clients/), figure: 'failed', value: 'boom', target: null, pass: null }]);
  });

  it('scale: a full hour under 30 s and 1.5 GB passes; a shortened run is short however fast', () => {
    const idle = { clients: 1000, heapOneBytes: 1, heapTwoBytes: 2, rssOneBytes: 1, rssTwoBytes: 2, heapPerClientBytes: 5000, rssPerClientBytes: 6000 };
    const full = scaleRows({ run: entry(sim(10_000, HOUR_MS, 20_000)), idle, idleError: null });
    expect([markOf(full, 'wall time'), ...marksOf(full, 'peak RSS (whole process)')]).toEqual([true, '(#3) true', '(#7) true']);
    const heavy = scaleRows({ run: entry(sim(10_000, HOUR_MS, 20_000, 1.7 * 2 ** 30)), idle, idleError: null });
    expect(marksOf(heavy, 'peak RSS (whole process)')).toEqual(['(#3) true', '(#7) false']);
    const cut = scaleRows({ run: entry(sim(10_000, 10 * 60_000, 5_000), 'projected past the budget'), idle, idleError: null });
    expect([markOf(cut, 'wall time'), ...marksOf(cut, 'peak RSS (whole process)')]).toEqual([false, '(#3) false', '(#7) false']);
  });

  it('chaos: 50,000 seeds/h with 2 workers and a 1.8× speed-up pass', () => {
    const rate = (workers: number, seedsPerHour: number): ChaosRateMeasurement => ({ workers, budgetMs: 30_000, clients: 50, durationMs: 600_000, seeds: 100, wallMs: 30_000, cpuMs: 30_000, seedsPerHour, failedSeeds: 0, failures: [] });
    const rows = chaosRows({ clients: 50, durationMs: 600_000, budgetMs: 30_000, cpus: 2, oneRuns: [rate(1, 27_000)], twoRuns: [rate(2, 50_000)], oneMedian: rate(1, 27_000), twoMedian: rate(2, 50_000), speedup: 50_000 / 27_000, error: null });
    expect([markOf(rows, '2 workers'), markOf(rows, 'speed-up 1 → 2 workers')]).toEqual([true, true]);
    const slow = chaosRows({ clients: 50, durationMs: 600_000, budgetMs: 30_000, cpus: 2, oneRuns: [], twoRuns: [], oneMedian: rate(1, 30_000), twoMedian: rate(2, 40_000), speedup: 4 / 3, error: null });
    expect([markOf(slow, '2 workers'), markOf(slow, 'speed-up 1 → 2 workers')]).toEqual([false, false]);
  });

  it('chaos: the speed-up row says what bounds it: cpu per seed with 1 and 2 workers, and the CPUs the 1-worker run kept busy', () => {
    const rate = (workers: number, seeds: number, cpuMs: number): ChaosRateMeasurement => ({ workers, budgetMs: 30_000, clients: 50, durationMs: 600_000, seeds, wallMs: 20_000, cpuMs, seedsPerHour: (seeds * 3_600_000) / 20_000, failedSeeds: 0, failures: [] });
    // 1 worker: 400 seeds on 24 s of cpu in 20 s (1.2 CPUs); 2 workers: 640 seeds on 38.4 s.
    const one = rate(1, 400, 24_000);
    const two = rate(2, 640, 38_400);
    const rows = chaosRows({ clients: 50, durationMs: 600_000, budgetMs: 30_000, cpus: 2, oneRuns: [one], twoRuns: [two], oneMedian: one, twoMedian: two, speedup: 1.6, error: null });
    expect(rows.find((r) => r.figure === 'speed-up 1 → 2 workers')?.value).toBe('1.60× (cpu per seed 60 ms with 1 worker, 60 ms with 2; the 1-worker run kept 1.20 CPUs busy, so 2 CPUs allow at most 1.67×)');
  });
});

// Pure arithmetic of the benchmark: the median run, rates, and how long a big run may
// simulate so it stays inside its wall budget.

/** The run whose key is the median (the lower middle for an even count). Throws on none. */
export function medianBy<T>(runs: readonly T[], key: (run: T) => number): T {
  if (runs.length === 0) throw new Error('medianBy: runs should not be empty');
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** count per wall second. */
export function perSecond(count: number, wallMs: number): number {
  return wallMs > 0 ? (count * 1000) / wallMs : 0;
}

/** Simulated time per wall time. */
export function compression(simulatedMs: number, wallMs: number): number {
  return wallMs > 0 ? simulatedMs / wallMs : 0;
}

export interface DurationChoice {
  readonly durationMs: number;
  /** Why it is shorter than asked, or null when it is not. */
  readonly reason: string | null;
}

/**
 * The full duration if its projected wall time fits the budget; else the budget's share of
 * it, rounded down to whole steps (at least one step).
 */
export function durationWithinBudget(fullMs: number, projectedWallMs: number, wallBudgetMs: number, stepMs: number): DurationChoice {
  if (!(projectedWallMs > wallBudgetMs)) return { durationMs: fullMs, reason: null };
  const fitting = Math.floor((fullMs * wallBudgetMs) / projectedWallMs / stepMs) * stepMs;
  const durationMs = Math.min(fullMs, Math.max(stepMs, fitting));
  const reason = `the full ${formatMinutes(fullMs)} was projected at ${(projectedWallMs / 1000).toFixed(0)} s, over the ${(wallBudgetMs / 1000).toFixed(0)} s wall budget`;
  return { durationMs, reason };
}

export function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}

export interface Growth {
  /** costLarge ÷ costSmall. */
  readonly costRatio: number;
  /** sizeLarge ÷ sizeSmall. */
  readonly sizeRatio: number;
  /** The cost ratio allowed for this size ratio: the target's per-10× allowance scaled to it (12 per 10× → 1.2 per 1×). */
  readonly allowedRatio: number;
  readonly pass: boolean;
}

/**
 * Whether cost grows no faster than `allowedPer10x` per 10× of size. The sizes need not be
 * exactly 10× apart (a history's length is what a run produced): the allowance scales
 * linearly with the size ratio, so linear growth plus 20 % passes at any ratio.
 */
export function growthOf(costSmall: number, costLarge: number, sizeSmall: number, sizeLarge: number, allowedPer10x: number): Growth {
  if (!(costSmall > 0) || !(sizeSmall > 0)) throw new Error(`growthOf: the small cost and size should be > 0, got ${costSmall} and ${sizeSmall}`);
  const costRatio = costLarge / costSmall;
  const sizeRatio = sizeLarge / sizeSmall;
  const allowedRatio = (allowedPer10x / 10) * sizeRatio;
  return { costRatio, sizeRatio, allowedRatio, pass: costRatio <= allowedRatio };
}

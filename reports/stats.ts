// Small, deterministic statistics for comparing variants: a seeded PRNG, means, and a
// bootstrap confidence interval of the difference of means B − A (paired by seed when both
// sides ran the same seeds), plus the verdict a report prints for it. Pure: the same input and
// seed give the same interval on every machine (no Math.random, no clock).

export const BOOTSTRAP_RESAMPLES_DEFAULT = 2_000;
export const BOOTSTRAP_RESAMPLES_MAX = 1_000_000;
export const CONFIDENCE_DEFAULT = 0.95;
/** Samples per side at most: resampling cost is resamples × samples. */
export const SAMPLES_MAX = 1_000_000;

/** mulberry32: a 32-bit state PRNG, good enough for resampling and identical everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string: derives a per-metric stream from one seed, so metrics do not share draws. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Linear-interpolated quantile (q in 0..1) of values sorted ascending. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantileSorted: no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantileSorted: q should be from 0 to 1, got ${q}`);
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

export interface BootstrapOptions {
  /** Resamples drawn (default 2 000). */
  readonly resamples?: number;
  /** Seed of the resampling stream; the same seed gives the same interval. */
  readonly seed: number;
  /** Two-sided confidence level (default 0.95). */
  readonly confidence?: number;
  /**
   * Paired: a[i] and b[i] come from the same seed, so seeds are resampled and the mean of the
   * differences b[i] − a[i] is taken (a and b must then have equal lengths). Unpaired: each
   * side is resampled on its own and the difference of the two means is taken.
   */
  readonly paired: boolean;
}

/** A percentile bootstrap interval of mean(B) − mean(A). */
export interface DifferenceInterval {
  /** The observed difference mean(B) − mean(A) (for paired data: the mean of the differences). */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
  readonly resamples: number;
  /** Pairs (paired) or the smaller side's size (unpaired). */
  readonly n: number;
}

export function bootstrapMeanDifference(a: readonly number[], b: readonly number[], options: BootstrapOptions): DifferenceInterval {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES_DEFAULT;
  const confidence = options.confidence ?? CONFIDENCE_DEFAULT;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > BOOTSTRAP_RESAMPLES_MAX) {
    throw new Error(`resamples should be an integer from 1 to ${BOOTSTRAP_RESAMPLES_MAX}, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence should be between 0 and 1 (exclusive), got ${confidence}`);
  if (a.length === 0 || b.length === 0) throw new Error(`bootstrap needs samples on both sides, got ${a.length} and ${b.length}`);
  if (a.length > SAMPLES_MAX || b.length > SAMPLES_MAX) throw new Error(`bootstrap takes at most ${SAMPLES_MAX} samples per side`);
  for (const v of [...a, ...b]) if (!Number.isFinite(v)) throw new Error(`bootstrap samples should be finite numbers, got ${v}`);
  if (options.paired && a.length !== b.length) throw new Error(`paired bootstrap needs equal lengths, got ${a.length} and ${b.length}`);
  const random = seededRandom(options.seed);
  const draw = (n: number): number => Math.min(n - 1, Math.floor(random() * n));
  const stats = new Float64Array(resamples);
  let estimate: number;
  if (options.paired) {
    const diffs = a.map((x, i) => b[i]! - x);
    estimate = mean(diffs)!;
    const n = diffs.length;
    for (let r = 0; r < resamples; r++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += diffs[draw(n)]!;
      stats[r] = sum / n;
    }
  } else {
    estimate = mean(b)! - mean(a)!;
    for (let r = 0; r < resamples; r++) {
      let sumA = 0;
      let sumB = 0;
      for (let i = 0; i < a.length; i++) sumA += a[draw(a.length)]!;
      for (let i = 0; i < b.length; i++) sumB += b[draw(b.length)]!;
      stats[r] = sumB / b.length - sumA / a.length;
    }
  }
  const sorted = Array.from(stats).sort((x, y) => x - y);
  const tail = (1 - confidence) / 2;
  return {
    estimate,
    low: quantileSorted(sorted, tail),
    high: quantileSorted(sorted, 1 - tail),
    confidence,
    resamples,
    n: options.paired ? a.length : Math.min(a.length, b.length),
  };
}

/** Which direction of a metric is good. */
export type Better = 'lower' | 'higher';
export type ComparisonVerdict = 'better' | 'worse' | 'no significant difference';

/**
 * B compared with A: significant when the interval excludes 0; then better or worse by the
 * metric's good direction. An interval touching 0 (or all-equal samples) is no difference.
 */
export function verdictOf(interval: Pick<DifferenceInterval, 'low' | 'high'>, better: Better): ComparisonVerdict {
  const bHigher = interval.low > 0;
  const bLower = interval.high < 0;
  if (!bHigher && !bLower) return 'no significant difference';
  return bHigher === (better === 'higher') ? 'better' : 'worse';
}

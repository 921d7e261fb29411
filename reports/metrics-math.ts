// Numeric helpers of the metrics: 1-2-5 rounding and time bucketing of a run's span, the
// histogram bucket of a value, and nearest-rank percentiles by quickselect (linear expected
// time, so they stay cheap for million-sample runs). Pure functions of their arguments.

/** Smallest value of the 1-2-5 series (1, 2, 5, 10, …) that is ≥ value. */
export function niceCeil(value: number): number {
  if (value <= 1) return 1;
  for (let decade = 1; ; decade *= 10) {
    for (const step of [1, 2, 5]) if (step * decade >= value) return step * decade;
  }
}

/** The bucket width (a 1-2-5 value) and count for a span of endMs ms in at most bucketsMax buckets. */
export function timeBuckets(endMs: number, bucketsMax: number): { bucketMs: number; count: number } {
  const bucketMs = niceCeil(Math.max(1, endMs) / bucketsMax);
  return { bucketMs, count: Math.max(1, Math.ceil(endMs / bucketMs)) };
}

/** Index of the histogram bucket holding value: the last edge ≤ value (binary search). */
export function bucketIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  if (value < edges[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Nearest-rank percentile of the first n values of `values` (reordered in place): the
 * smallest value with at least p % of values ≤ it. Quickselect, so expected linear time.
 */
export function percentile(values: Float64Array, n: number, p: number): number | null {
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return select(values, 0, n - 1, rank - 1);
}

/** The k-th smallest (0-based) of values[lo..hi], partitioning in place (Hoare, median of three). */
function select(values: Float64Array, lo: number, hi: number, k: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pivot = medianOfThree(values[lo]!, values[mid]!, values[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[lo]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

// Seeded randomness for the simulator (DESIGN §8): the sfc32 generator, named streams derived
// from (seed, name) so adding a stream never changes another, a Zipf sampler, and seed parsing.
// 32-bit integer math (Math.imul, >>> 0); Math.log/Math.pow appear only in exponential() and
// the Zipf table, and V8 computes them with its own fdlibm port, not the platform's libm.

const TWO_POW_32 = 4294967296;
const ZIPF_N_MAX = 10_000_000;
const ZIPF_S_MAX = 10;
const ZIPF_CACHE_MAX = 64;

/** murmur3's fmix32: a bijection on 32-bit words with full avalanche. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a (32-bit) over the UTF-16 code units of text. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Splits a seed into its low and high 32-bit words, validating it on the way in. */
function seedWords(seed: number | bigint): [number, number] {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new Error(`seed should be an integer from 0 to 2^64-1, got ${seed}`);
    return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed should be an integer from 0 to 2^53-1, got ${String(seed)}`);
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** A fast seeded generator (sfc32). The same (seed, name) always yields the same sequence. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private zipfLast: ZipfSampler | null = null;

  constructor(seed: number | bigint, name = '') {
    const [lo, hi] = seedWords(seed);
    const h = fnv1a32(name);
    // (lo, hi) -> (a, b) is a bijection for a fixed name, so distinct seeds give distinct states.
    this.a = mix32(lo ^ h);
    this.b = mix32(hi ^ mix32(h ^ 0x9e3779b9));
    this.c = mix32(this.a ^ Math.imul(this.b, 0x6a09e667) ^ 0x243f6a88);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    this.d = (this.d + 1) | 0;
    const t = (((a + b) | 0) + this.d) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1) with 32 bits of precision. */
  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** A uniform integer in [minIncl, maxIncl]; the range may span at most 2^32 values. */
  int(minIncl: number, maxIncl: number): number {
    const range = maxIncl - minIncl + 1;
    if (!Number.isSafeInteger(minIncl) || !Number.isSafeInteger(maxIncl) || range < 1 || range > TWO_POW_32) {
      throw new Error(`int: bounds should be integers with min ≤ max spanning ≤ 2^32 values, got [${minIncl}, ${maxIncl}]`);
    }
    if (range === TWO_POW_32) return minIncl + this.uint32();
    // Rejection keeps it exactly uniform; a redraw happens with probability < range / 2^32.
    // Both remainders are taken on uint32s (2^32 mod r as ((2^32 - 1) mod r + 1) mod r), so
    // the JIT does them in integer registers: a float remainder is a libm call.
    const r = range >>> 0;
    const limit = TWO_POW_32 - (((0xffff_ffff % r) + 1) % r);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return minIncl + (x % r);
  }

  /** True with probability perMille/1000. Always consumes one draw, whatever perMille is. */
  chance(perMille: number): boolean {
    if (!Number.isInteger(perMille) || perMille < 0 || perMille > 1000) {
      throw new Error(`chance: perMille should be an integer from 0 to 1000, got ${perMille}`);
    }
    return this.int(0, 999) < perMille;
  }

  pick<E>(array: readonly E[]): E {
    if (array.length === 0) throw new Error('pick: array should not be empty');
    return array[this.int(0, array.length - 1)] as E;
  }

  /** Fisher-Yates, in place; returns the same array. */
  shuffle<E>(array: E[]): E[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const held = array[i] as E;
      array[i] = array[j] as E;
      array[j] = held;
    }
    return array;
  }

  /** An exponentially distributed float ≥ 0 with the given mean (callers round to ms). */
  exponential(meanMs: number): number {
    if (!Number.isFinite(meanMs) || meanMs < 0) {
      throw new Error(`exponential: meanMs should be a finite number ≥ 0, got ${meanMs}`);
    }
    return -meanMs * Math.log(1 - this.float());
  }

  /** An index in [0, n) drawn with weight 1/(i+1)^s; s = 0 is uniform. Tables are cached per (n, s). */
  zipf(n: number, s: number): number {
    const last = this.zipfLast;
    const sampler = last !== null && last.n === n && last.s === s ? last : zipfSamplerFor(n, s);
    this.zipfLast = sampler;
    return sampler.sample(this);
  }
}

/** Zipf over [0, n) by binary search in a precomputed CDF: build once per (n, s), sample in O(log n). */
export class ZipfSampler {
  readonly n: number;
  readonly s: number;
  private readonly cdf: Float64Array;

  constructor(n: number, s: number) {
    if (!Number.isInteger(n) || n < 1 || n > ZIPF_N_MAX) {
      throw new Error(`ZipfSampler: n should be an integer from 1 to ${ZIPF_N_MAX}, got ${n}`);
    }
    if (!Number.isFinite(s) || s < 0 || s > ZIPF_S_MAX) {
      throw new Error(`ZipfSampler: s should be a number from 0 to ${ZIPF_S_MAX}, got ${s}`);
    }
    this.n = n;
    this.s = s;
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += s === 0 ? 1 : 1 / Math.pow(i + 1, s);
      this.cdf[i] = total;
    }
  }

  sample(rng: Rng): number {
    const cdf = this.cdf;
    const u = rng.float() * cdf[this.n - 1]!;
    let low = 0;
    let high = this.n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (u < cdf[mid]!) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

const zipfCache = new Map<string, ZipfSampler>();

function zipfSamplerFor(n: number, s: number): ZipfSampler {
  const key = `${n}/${s}`;
  let sampler = zipfCache.get(key);
  if (sampler === undefined) {
    sampler = new ZipfSampler(n, s);
    if (zipfCache.size >= ZIPF_CACHE_MAX) zipfCache.clear();
    zipfCache.set(key, sampler);
  }
  return sampler;
}

/** One seed split into named, independent streams ('network', 'workload', 'client/17', …). */
export class RngStreams {
  readonly seed: number | bigint;
  private readonly streams = new Map<string, Rng>();

  constructor(seed: number | bigint) {
    seedWords(seed);
    this.seed = seed;
  }

  /** The stream for name; the same name returns the same instance. */
  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (rng === undefined) {
      rng = new Rng(this.seed, name);
      this.streams.set(name, rng);
    }
    return rng;
  }
}

/** Parses a seed given as decimal or 0x-hex text, from 0 to 2^53-1. */
export function parseSeed(text: string): number {
  const trimmed = text.trim();
  if (/^(?:[0-9]+|0[xX][0-9a-fA-F]+)$/.test(trimmed)) {
    const value = BigInt(trimmed);
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  }
  throw new Error(`seed should be a decimal or 0x-hex integer from 0 to 2^53-1, got ${JSON.stringify(text)}`);
}

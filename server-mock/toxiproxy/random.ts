// Seeded randomness for the fault proxy: toxicity rolls, latency jitter and slicer cuts.
// A tiny sfc32 of its own because server-mock must not import sim/ (layers: engine <
// server-mock < sim). Each connection direction gets a stream derived from (seed, name), so a
// run's toxic decisions depend on the seed and the connection's order, not on timing.

export type Random = () => number;

const TWO_POW_32 = 4294967296;

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Throws unless seed is a safe integer ≥ 0 (the CLI's seeds are 0..2^32-1). */
export function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed should be an integer from 0 to 2^53-1, got ${String(seed)}`);
  }
  return seed;
}

/** A uniform float in [0, 1) from the sfc32 stream named `name` under `seed`. */
export function seededRandom(seed: number, name: string): Random {
  checkSeed(seed);
  const h = fnv1a32(name);
  let a = mix32((seed >>> 0) ^ h);
  let b = mix32((Math.floor(seed / TWO_POW_32) >>> 0) ^ mix32(h ^ 0x9e3779b9));
  let c = mix32(a ^ Math.imul(b, 0x6a09e667) ^ 0x243f6a88);
  let d = 1;
  const next = (): number => {
    d = (d + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** A uniform integer in [0, n) for n ≥ 1 (n small enough that modulo bias does not matter here). */
export function randomBelow(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

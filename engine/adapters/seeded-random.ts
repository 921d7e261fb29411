// seededRandom: a small deterministic RandomPort for tests. sfc32 (Chris Doty-Humphrey's
// Small Fast Counter, passes PractRand to 2^40+, 128-bit state) seeded by splitmix32, so
// neighbouring seeds (1, 2, 3 …) still start far apart. Not for cryptography.

import type { RandomPort } from '../ports.ts';

const TWO_POW_32 = 4_294_967_296;

/** A splitmix32 stream: each call advances the state and returns a well-mixed uint32. */
function splitmix32(state: number): () => number {
  let s = state | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** `seed` is any safe integer; equal seeds give equal sequences of floats in [0, 1). */
export function seededRandom(seed: number): RandomPort {
  if (!Number.isSafeInteger(seed)) throw new Error(`seededRandom: seed should be a safe integer, got ${seed}`);
  // Both halves of the seed matter, so seeds 1 and 2^32 + 1 differ.
  const high = Math.floor(seed / TWO_POW_32) | 0;
  const next = splitmix32(seed | 0);
  let a = next();
  let b = next();
  let c = next() ^ high;
  let d = next();
  const step = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs so the state is well mixed whatever the seed.
  for (let round = 0; round < 12; round += 1) step();
  return { float: () => step() / TWO_POW_32 };
}

// Which seeds a chaos run takes: S, S+1, … (N of them, or until the budget), and with a
// shard i/n only every n-th of those, starting at S+i-1, so n shards together run exactly
// the seeds one unsharded run would, each once.

import type { SeedSchedule } from './pool.ts';

/** Seeds are unsigned 32-bit integers (the CLI's seed range). */
export const SEED_MAX = 0xffff_ffff;
export const SHARD_COUNT_MAX = 10_000;

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export interface SeedRange {
  readonly start: number;
  /** Seeds in the whole (unsharded) range; null runs until a budget stops it. */
  readonly count: number | null;
  readonly shard: Shard | null;
}

/** `3/4` → { index: 3, count: 4 }; a string explaining what is wrong otherwise. */
export function parseShard(text: string): Shard | string {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) return 'i/n with whole numbers, e.g. 1/4';
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > SHARD_COUNT_MAX) return `i/n with n from 1 to ${SHARD_COUNT_MAX}`;
  if (index < 1 || index > count) return `i/n with i from 1 to n (here 1 to ${count})`;
  return { index, count };
}

/** The seeds of a range (and shard) as a schedule for runPool. */
export function seedSchedule(range: SeedRange): SeedSchedule {
  const { start } = range;
  if (!Number.isInteger(start) || start < 0 || start > SEED_MAX) throw new Error(`seedSchedule: start should be an integer from 0 to ${SEED_MAX}, got ${start}`);
  const offset = range.shard === null ? 0 : range.shard.index - 1;
  const stride = range.shard === null ? 1 : range.shard.count;
  // Never past SEED_MAX, whatever the count or the budget.
  const total = Math.min(range.count ?? Infinity, SEED_MAX - start + 1);
  const count = total <= offset ? 0 : Math.ceil((total - offset) / stride);
  return { count, seedAt: (index) => start + offset + index * stride };
}

/** `seeds 1..100`, `seeds 3, 7, 11, … (every 4th from 3)`, or `seeds from 1 until the budget`. */
export function describeSeedRange(range: SeedRange): string {
  const shard = range.shard;
  const first = range.start + (shard === null ? 0 : shard.index - 1);
  if (range.count === null) return shard === null ? `seeds from ${first} until the budget` : `${everyNth(shard.count)} from ${first} until the budget (shard ${shard.index}/${shard.count})`;
  const last = range.start + range.count - 1;
  return shard === null ? `seeds ${range.start}..${last}` : `${everyNth(shard.count)} of ${range.start}..${last} from ${first} (shard ${shard.index}/${shard.count})`;
}

function everyNth(n: number): string {
  return n === 1 ? 'every seed' : `every ${ordinal(n)} seed`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

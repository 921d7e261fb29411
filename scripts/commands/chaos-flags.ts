// `syncstorm chaos` flags: the parsed options (ChaosFlags), their limits and defaults, and the
// value parsers for --shard and the positive durations (--budget, --shrink-time); --bug is
// checked with the rest of the target (scenarios/chaos/target.ts), naming the flag.
// Registration with commander and the run itself live in chaos.ts.

import { InvalidArgumentError } from 'commander';
import { parseDurationArg, type ArgParser } from '../cli-args.ts';
import type { ConflictPolicy } from '../../engine/options.ts';
// Also registers the bug zoo's variants for every command, so `syncstorm replay` finds the
// variant a chaos failure's run file names.
import '../../scenarios/bugs.ts';
import { parseShard, type Shard } from '../../scenarios/chaos/seeds.ts';

export interface ChaosFlags {
  readonly seeds?: number;
  readonly budget?: number;
  /** Stop starting seeds once this many have failed (--bail). */
  readonly bail?: number;
  readonly seedStart: number;
  readonly scenario?: string;
  readonly bug?: string;
  readonly shard?: Shard;
  readonly workers?: number;
  readonly clients?: number;
  readonly teamSize?: number;
  readonly duration?: number;
  readonly policy?: ConflictPolicy;
  readonly out: string;
  readonly shrink: boolean;
  readonly determinismSample: number;
  readonly keepFailures: number;
  readonly shrinkRuns: number;
  readonly shrinkTime: number;
  /** Write each seed's numbers to DIR/samples.jsonl (for `compare DIR_A DIR_B`). */
  readonly samples?: boolean;
}

export const SEEDS_MAX = 100_000_000;
export const DETERMINISM_SAMPLE_DEFAULT = 3;
export const KEEP_FAILURES_DEFAULT = 50;

export function parseShardArg(flag = '--shard'): ArgParser<Shard> {
  return (value) => {
    const shard = parseShard(value);
    if (typeof shard === 'string') throw new InvalidArgumentError(`${flag} must be ${shard}, got '${value}'`);
    return shard;
  };
}

export function parsePositiveDurationArg(flag: string): ArgParser<number> {
  const parse = parseDurationArg(flag);
  return (value) => {
    const ms = parse(value);
    if (ms <= 0) throw new InvalidArgumentError(`${flag} must be a positive duration such as 90s, 45m or 1h30m, got '${value}'`);
    return ms;
  };
}

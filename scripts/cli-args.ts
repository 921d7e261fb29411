// Parsers for CLI option values. Each returns a commander argParser that throws
// InvalidArgumentError naming the flag and the bad value, so cli.ts can report a usage error
// (exit 2) in one line. Pure: usable and testable without commander's program.
import { InvalidArgumentError } from 'commander';

/** Seeds are unsigned 32-bit integers: fast-check's seed range, printable and replayable. */
export const seedMax = 0xffff_ffff;

export type ArgParser<T> = (value: string) => T;

const integerPattern = /^-?\d+$/;

function fail(flag: string, value: string, expected: string): never {
  throw new InvalidArgumentError(`${flag} must be ${expected}, got '${value}'`);
}

export function parseIntegerArg(flag: string, min: number, max: number): ArgParser<number> {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
    throw new Error(`parseIntegerArg(${flag}): bounds should be safe integers with min <= max, got ${min}..${max}`);
  }
  return (value) => {
    const trimmed = value.trim();
    const parsed = Number(trimmed);
    if (!integerPattern.test(trimmed) || parsed < min || parsed > max) {
      fail(flag, value, `an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

const durationUnitsMs = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
// Units in descending order, each at most once: 1h30m, 2m30s, 1s500ms, 90s, 500ms.
const durationPattern = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Accepts `500ms`, `90s`, `30m`, `1h`, `1h30m` or a plain integer of milliseconds; returns ms. */
export function parseDurationArg(flag: string): ArgParser<number> {
  const expected = "a duration such as 500ms, 90s, 30m, 1h30m or a whole number of milliseconds";
  return (value) => {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return checkedMs(flag, value, Number(trimmed), expected);
    const match = durationPattern.exec(trimmed);
    if (trimmed === '' || match === null) fail(flag, value, expected);
    const [, hours, minutes, seconds, millis] = match;
    const totalMs =
      Number(hours ?? 0) * durationUnitsMs.h +
      Number(minutes ?? 0) * durationUnitsMs.m +
      Number(seconds ?? 0) * durationUnitsMs.s +
      Number(millis ?? 0) * durationUnitsMs.ms;
    return checkedMs(flag, value, totalMs, expected);
  };
}

function checkedMs(flag: string, value: string, totalMs: number, expected: string): number {
  if (!Number.isSafeInteger(totalMs)) fail(flag, value, expected);
  return totalMs;
}

/** ms as parseDurationArg reads it back, largest units first: 1s, 90s → 1m30s, 168h, 1s500ms. */
export function formatDurationArg(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`formatDurationArg: ms should be a non-negative safe integer, got ${ms}`);
  if (ms === 0) return '0ms';
  let rest = ms;
  let text = '';
  for (const [unit, unitMs] of Object.entries(durationUnitsMs)) {
    const count = Math.floor(rest / unitMs);
    rest -= count * unitMs;
    if (count > 0) text += `${count}${unit}`;
  }
  return text;
}

/** parseDurationArg within [minMs, maxMs] (a simulation's chaos phase, a wall budget): outside, the error names the bounds. */
export function parseBoundedDurationArg(flag: string, minMs: number, maxMs: number): ArgParser<number> {
  if (!Number.isSafeInteger(minMs) || !Number.isSafeInteger(maxMs) || minMs < 0 || minMs > maxMs) {
    throw new Error(`parseBoundedDurationArg(${flag}): bounds should be safe integers with 0 <= min <= max, got ${minMs}..${maxMs}`);
  }
  const parse = parseDurationArg(flag);
  return (value) => {
    const ms = parse(value);
    if (ms < minMs || ms > maxMs) fail(flag, value, `a duration from ${formatDurationArg(minMs)} to ${formatDurationArg(maxMs)}`);
    return ms;
  };
}

/** Accepts a decimal or 0x-hex integer from 0 to 2^32 - 1. */
export function parseSeedArg(flag = '--seed'): ArgParser<number> {
  return (value) => {
    const trimmed = value.trim();
    const isDecimal = /^\d+$/.test(trimmed);
    const isHex = /^0x[0-9a-f]+$/i.test(trimmed);
    const parsed = Number(trimmed);
    if ((!isDecimal && !isHex) || parsed > seedMax) {
      fail(flag, value, `an integer seed from 0 to ${seedMax} (decimal or 0x hex)`);
    }
    return parsed;
  };
}

/** A comma-separated list (`a,b`), each item trimmed; an empty item is an error naming the flag. */
export function parseListArg(flag: string, expected = 'a comma-separated list such as a,b'): ArgParser<string[]> {
  return (value) => {
    const items = value.split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) fail(flag, value, `${expected}, with no empty item`);
    return items;
  };
}

/** A comma-separated list of integers from min to max (`3,7`). */
export function parseIntegerListArg(flag: string, min: number, max: number): ArgParser<number[]> {
  const expected = `integers from ${min} to ${max}, comma-separated (such as ${min} or ${min},${Math.min(max, min + 4)})`;
  const list = parseListArg(flag, expected);
  return (value) =>
    list(value).map((item) => {
      const parsed = Number(item);
      if (!integerPattern.test(item) || parsed < min || parsed > max) fail(flag, value, expected);
      return parsed;
    });
}

/** A comma-separated list of some of `choices`. */
export function parseChoiceListArg<T extends string>(flag: string, choices: readonly T[]): ArgParser<T[]> {
  const expected = `a comma-separated list of ${choices.join(', ')}`;
  const list = parseListArg(flag, expected);
  return (value) =>
    list(value).map((item) => {
      if (!(choices as readonly string[]).includes(item)) fail(flag, value, expected);
      return item as T;
    });
}

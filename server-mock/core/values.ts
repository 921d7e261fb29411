// Small pure checks on untrusted values, shared by request validation, options and state
// loading: plain-object and JSON-value tests, a crash-proof value printer, a JSON deep copy.

import type { JsonValue } from '../../engine/protocol.ts';

/** Deepest nesting accepted in a payload (a limit on everything, STYLE §4; also bounds recursion). */
export const JSON_DEPTH_MAX = 64;
/** Longest identifier (user, clientId, queueId, entityType, entityId, stamp). */
export const NAME_LENGTH_MAX = 256;
const DESCRIBE_LENGTH_MAX = 80;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= NAME_LENGTH_MAX;
}

export const NAME_EXPECTATION = `a non-empty string of at most ${NAME_LENGTH_MAX} characters`;

/** Prints any value for an error message; never throws (cyclic, BigInt, null-prototype...). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'string':
      return clip(JSON.stringify(value));
    default:
      break;
  }
  if (value !== null && !Array.isArray(value) && !isPlainObject(value)) {
    return Object.prototype.toString.call(value);
  }
  try {
    return clip(JSON.stringify(value) ?? 'an object');
  } catch {
    return Array.isArray(value) ? 'an unprintable array' : 'an unprintable object';
  }
}

function clip(text: string): string {
  return text.length <= DESCRIBE_LENGTH_MAX ? text : `${text.slice(0, DESCRIBE_LENGTH_MAX - 3)}...`;
}

export const JSON_EXPECTATION = `a JSON value (null, boolean, finite number, string, array or plain object) nested at most ${JSON_DEPTH_MAX} deep`;

/**
 * The first sub-value that is not JSON, as a path suffix (".a[2]") and the value, or null.
 * The suffix is built only on failure, so the hot path allocates nothing.
 */
export function findNonJson(value: unknown, depth = 0): { suffix: string; value: unknown } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { suffix: '', value };
  if (depth >= JSON_DEPTH_MAX) return { suffix: '', value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i], depth + 1);
      if (bad !== null) return { suffix: `[${i}]${bad.suffix}`, value: bad.value };
    }
    return null;
  }
  if (!isPlainObject(value)) return { suffix: '', value };
  for (const key of Object.keys(value)) {
    const bad = findNonJson(value[key], depth + 1);
    if (bad !== null) return { suffix: `.${key}${bad.suffix}`, value: bad.value };
  }
  return null;
}

/** Deep copy of a value already known to be JSON. */
export function copyJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((element: JsonValue) => copyJson(element)) as unknown as T;
  // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
  const record = value as Record<string, JsonValue>;
  return Object.fromEntries(Object.keys(record).map((key) => [key, copyJson(record[key] as JsonValue)])) as T;
}

/** A bug in the caller, not an expected outcome (STYLE §3). */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

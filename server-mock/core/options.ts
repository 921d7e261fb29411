// Server core options with validated defaults (STYLE §6): token lifetime, batch and pull limits,
// the accepted protocol versions, and the injected randomness for token strings. A bad value
// fails with its field and value.

import { PROTOCOL_VERSION_LATEST, PROTOCOL_VERSIONS, type ProtocolVersionRange } from '../../engine/protocol.ts';
import { describeValue, isPlainObject } from './values.ts';

export interface ServerCoreOptions {
  /** How long an issued token authenticates; a refresh is still accepted for one more lifetime. */
  readonly tokenLifetimeMs: number;
  /** Most items one push may carry; more is a 413. */
  readonly batchItemsMax: number;
  /** Most changes one pull returns; a larger `limit` is clamped to it. */
  readonly pullLimitMax: number;
  /** Protocol versions accepted, inclusive; others get a 426. Only versions this code knows. */
  readonly protocolVersions: ProtocolVersionRange;
  /** A uniform float in [0, 1); seeded in the simulator. Used only for token strings. */
  readonly random: () => number;
}

export type ServerCoreOptionsInput = Partial<ServerCoreOptions> & { readonly random: () => number };

export const DEFAULT_SERVER_CORE_OPTIONS = {
  tokenLifetimeMs: 3_600_000,
  batchItemsMax: 500,
  pullLimitMax: 1000,
  /** Every version the code knows. */
  protocolVersions: { min: PROTOCOL_VERSIONS[0], max: PROTOCOL_VERSION_LATEST } as ProtocolVersionRange,
} as const;

/** Largest `limit` a pull request may name at all (before clamping to pullLimitMax). */
export const PULL_LIMIT_WIRE_MAX = 10_000;

function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new Error(`${field} should be an integer ${range}, got ${describeValue(value)}`);
  }
}

/**
 * Why `value` is not a range of known versions with min <= max, or null. `prefix` is put before
 * the field names (`protocolVersions.` in the options; nothing in the admin API's body).
 */
export function protocolVersionRangeProblem(value: unknown, prefix: string): { readonly field: string; readonly message: string } | null {
  const first = PROTOCOL_VERSIONS[0];
  const last = PROTOCOL_VERSION_LATEST;
  const whole = prefix === '' ? 'body' : prefix.slice(0, -1);
  if (!isPlainObject(value)) return { field: whole, message: `${whole} should be an object { min, max } of versions from ${first} to ${last}, got ${describeValue(value)}` };
  for (const name of ['min', 'max'] as const) {
    const bound = value[name];
    if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound < first || bound > last) {
      return { field: `${prefix}${name}`, message: `${prefix}${name} should be an integer from ${first} to ${last}, got ${describeValue(bound)}` };
    }
  }
  if ((value['min'] as number) > (value['max'] as number)) {
    return { field: `${prefix}min`, message: `${prefix}min should be <= ${prefix}max, got min ${String(value['min'])} and max ${String(value['max'])}` };
  }
  return null;
}

/** The range as a fresh frozen object; throws naming the field and the value. */
export function checkProtocolVersionRange(value: unknown): ProtocolVersionRange {
  const problem = protocolVersionRangeProblem(value, 'protocolVersions.');
  if (problem !== null) throw new Error(problem.message);
  const range = value as ProtocolVersionRange;
  return Object.freeze({ min: range.min, max: range.max });
}

export function buildServerCoreOptions(partial: ServerCoreOptionsInput): ServerCoreOptions {
  if (typeof partial !== 'object' || partial === null) {
    throw new Error(`server core options should be an object, got ${describeValue(partial)}`);
  }
  // Spread only defined fields, so `{ batchItemsMax: undefined }` still gets the default.
  const merged = { ...DEFAULT_SERVER_CORE_OPTIONS } as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) merged[key] = value;
  requireInteger('tokenLifetimeMs', merged['tokenLifetimeMs'], 1);
  requireInteger('batchItemsMax', merged['batchItemsMax'], 1);
  requireInteger('pullLimitMax', merged['pullLimitMax'], 1, PULL_LIMIT_WIRE_MAX);
  merged['protocolVersions'] = checkProtocolVersionRange(merged['protocolVersions']);
  if (typeof merged['random'] !== 'function') {
    throw new Error(`random should be a function returning a float in [0, 1), got ${describeValue(merged['random'])}`);
  }
  return merged as unknown as ServerCoreOptions;
}

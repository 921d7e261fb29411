// Server core options with validated defaults (STYLE §6): token lifetime, batch and pull limits,
// and the injected randomness for token strings. A bad value fails with its field and value.

import { describeValue } from './values.ts';

export interface ServerCoreOptions {
  /** How long an issued token authenticates; a refresh is still accepted for one more lifetime. */
  readonly tokenLifetimeMs: number;
  /** Most items one push may carry; more is a 413. */
  readonly batchItemsMax: number;
  /** Most changes one pull returns; a larger `limit` is clamped to it. */
  readonly pullLimitMax: number;
  /** A uniform float in [0, 1); seeded in the simulator. Used only for token strings. */
  readonly random: () => number;
}

export type ServerCoreOptionsInput = Partial<ServerCoreOptions> & { readonly random: () => number };

export const DEFAULT_SERVER_CORE_OPTIONS = {
  tokenLifetimeMs: 3_600_000,
  batchItemsMax: 500,
  pullLimitMax: 1000,
} as const;

/** Largest `limit` a pull request may name at all (before clamping to pullLimitMax). */
export const PULL_LIMIT_WIRE_MAX = 10_000;

function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new Error(`${field} should be an integer ${range}, got ${describeValue(value)}`);
  }
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
  if (typeof merged['random'] !== 'function') {
    throw new Error(`random should be a function returning a float in [0, 1), got ${describeValue(merged['random'])}`);
  }
  return merged as unknown as ServerCoreOptions;
}

// Server-side fault settings of the HTTP mock (DESIGN §5 server faults), their validation (for
// PUT /__admin/faults and `syncstorm serve --faults FILE`) and the per-request decision.
// One roll in [0, 1000) per /v1 request picks at most one fault, so the per-mille fields are
// exact rates and must sum to at most 1000. Pure: no I/O, randomness injected.

export interface FaultSettings {
  /** Answer 500 before anything is applied. */
  readonly error500PerMille: number;
  /** Answer 503 + Retry-After before anything is applied. */
  readonly error503PerMille: number;
  /** Answer 429 + Retry-After before anything is applied. */
  readonly error429PerMille: number;
  /** Apply (and make durable), then answer 500: the lost ack of a committed push. */
  readonly commitThenFailPerMille: number;
  /** Destroy the socket before anything is applied, without answering. */
  readonly dropConnectionPerMille: number;
  /** Apply (and make durable), then destroy the socket without answering. */
  readonly dropAfterCommitPerMille: number;
  /** Added to every /v1 request before it is handled. */
  readonly latencyMs: number;
  /** Retry-After on injected 429 and 503. */
  readonly retryAfterSeconds: number;
}

export const NO_FAULTS: FaultSettings = Object.freeze({
  error500PerMille: 0,
  error503PerMille: 0,
  error429PerMille: 0,
  commitThenFailPerMille: 0,
  dropConnectionPerMille: 0,
  dropAfterCommitPerMille: 0,
  latencyMs: 0,
  retryAfterSeconds: 1,
});

/** In roll order: the first `error500PerMille` values of the roll pick a 500, and so on. */
const PER_MILLE_FIELDS = [
  'error500PerMille',
  'error503PerMille',
  'error429PerMille',
  'commitThenFailPerMille',
  'dropConnectionPerMille',
  'dropAfterCommitPerMille',
] as const;

export const LATENCY_MS_MAX = 60_000;
export const RETRY_AFTER_SECONDS_MAX = 86_400;

const LIMITS: Readonly<Record<keyof FaultSettings, readonly [number, number]>> = {
  error500PerMille: [0, 1000],
  error503PerMille: [0, 1000],
  error429PerMille: [0, 1000],
  commitThenFailPerMille: [0, 1000],
  dropConnectionPerMille: [0, 1000],
  dropAfterCommitPerMille: [0, 1000],
  latencyMs: [0, LATENCY_MS_MAX],
  retryAfterSeconds: [0, RETRY_AFTER_SECONDS_MAX],
};

export type FaultSettingsCheck = { readonly ok: true; readonly settings: FaultSettings } | { readonly ok: false; readonly field: string; readonly message: string };

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return 'an unprintable value';
  }
}

/**
 * A partial settings object over `base` (missing fields keep base's value). Unknown fields are
 * refused, so a typo ("latencyMS") is an error rather than a silently ignored setting.
 */
export function checkFaultSettings(input: unknown, base: FaultSettings = NO_FAULTS): FaultSettingsCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: 'body', message: `fault settings should be a JSON object, got ${describe(input)}` };
  }
  const merged: Record<string, number> = { ...base };
  for (const [field, value] of Object.entries(input)) {
    const limits = (LIMITS as Record<string, readonly [number, number] | undefined>)[field];
    if (limits === undefined || !Object.hasOwn(LIMITS, field)) {
      return { ok: false, field, message: `${field} is not a fault setting (known: ${Object.keys(LIMITS).join(', ')})` };
    }
    const [min, max] = limits;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      return { ok: false, field, message: `${field} should be an integer from ${min} to ${max}, got ${describe(value)}` };
    }
    merged[field] = value;
  }
  let sum = 0;
  for (const field of PER_MILLE_FIELDS) {
    sum += merged[field] as number;
    if (sum > 1000) {
      return { ok: false, field, message: `${PER_MILLE_FIELDS.join(' + ')} should be at most 1000 (one roll per request), reached ${sum} at ${field}` };
    }
  }
  return { ok: true, settings: Object.freeze(merged as unknown as FaultSettings) };
}

export type FaultDecision = 'none' | 'error500' | 'error503' | 'error429' | 'commitThenFail' | 'dropConnection' | 'dropAfterCommit';

const DECISIONS: readonly Exclude<FaultDecision, 'none'>[] = ['error500', 'error503', 'error429', 'commitThenFail', 'dropConnection', 'dropAfterCommit'];

/** At most one fault for a request, from one uniform draw in [0, 1). */
export function decideFault(settings: FaultSettings, random: () => number): FaultDecision {
  let threshold = 0;
  let any = false;
  for (const field of PER_MILLE_FIELDS) any ||= settings[field] > 0;
  if (!any) return 'none';
  const roll = Math.floor(random() * 1000);
  for (let i = 0; i < PER_MILLE_FIELDS.length; i++) {
    threshold += settings[PER_MILLE_FIELDS[i] as (typeof PER_MILLE_FIELDS)[number]];
    if (roll < threshold) return DECISIONS[i] as FaultDecision;
  }
  return 'none';
}

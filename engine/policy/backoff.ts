// Retry delays: exponential backoff with jitter, capped, never shorter than Retry-After.
// Pure: the random draw comes in as an argument, so the envelope is testable exactly.

import type { JitterKind } from '../options.ts';

export interface BackoffPolicy {
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly jitter: JitterKind;
}

/** The un-jittered delay after `attempts` failed attempts (1 → base, 2 → 2·base, …), capped. */
export function backoffCeilingMs(policy: BackoffPolicy, attempts: number): number {
  const exponent = Math.max(0, attempts - 1);
  // 2^exponent overflows to Infinity long after it passes any cap; Math.min keeps it finite.
  return Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.min(exponent, 60));
}

/**
 * Delay before the next attempt after `attempts` failures. `unit` is a uniform draw in [0, 1).
 * - none: the ceiling; full: uniform in [0, ceiling]; equal: ceiling/2 + uniform in [0, ceiling/2];
 * - decorrelated (AWS): uniform in [base, min(cap, 3·previous)], previous defaulting to base.
 * The result is an integer in [0, cap] and at least `retryAfterMs` when the server asked for it.
 */
export function nextDelayMs(
  policy: BackoffPolicy,
  attempts: number,
  unit: number,
  previousDelayMs: number | null = null,
  retryAfterMs: number | null = null,
): number {
  const ceiling = backoffCeilingMs(policy, attempts);
  let delay: number;
  switch (policy.jitter) {
    case 'none':
      delay = ceiling;
      break;
    case 'full':
      delay = Math.floor(unit * (ceiling + 1));
      break;
    case 'equal':
      delay = Math.floor(ceiling / 2) + Math.floor(unit * (ceiling - Math.floor(ceiling / 2) + 1));
      break;
    case 'decorrelated': {
      const upper = Math.min(policy.backoffCapMs, 3 * (previousDelayMs ?? policy.backoffBaseMs));
      const lower = Math.min(policy.backoffBaseMs, upper);
      delay = lower + Math.floor(unit * (upper - lower + 1));
      break;
    }
  }
  // Retry-After wins even over the cap: the server said when it can take us again.
  return Math.max(Math.min(delay, policy.backoffCapMs), retryAfterMs ?? 0);
}

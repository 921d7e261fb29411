// Retry delays: exponential backoff with jitter, capped; or, when the server said when, its Retry-After.
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
 * The result is an integer in [0, cap]. When the server named a Retry-After, that is the wait
 * instead (cap or not: the server said when it can take us again), spread by at most one base
 * (none: exactly it) so its clients do not all come back at the same instant. The backoff grown
 * by earlier failures does not add to it: a 429 after an outage that doubled an item's backoff
 * eleven times once stored a wait of 3.5 h where the server asked for 21 s, and a restart (which
 * keeps a 429's stored wait, resume.ts heldAtStart) left it there past the convergence budget
 * (field-merge seed 2742).
 */
export function nextDelayMs(
  policy: BackoffPolicy,
  attempts: number,
  unit: number,
  previousDelayMs: number | null = null,
  retryAfterMs: number | null = null,
): number {
  if (retryAfterMs !== null) return policy.jitter === 'none' ? retryAfterMs : retryAfterMs + Math.floor(unit * (policy.backoffBaseMs + 1));
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
  return Math.min(delay, policy.backoffCapMs);
}

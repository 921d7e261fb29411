// Variant hooks of the core: the pure policy functions it calls, and the switches of known
// broken behaviours. The correct engine is CORRECT_VARIANT; the bug zoo (scenarios/) builds
// broken ones. Deliberately not part of EngineOptions: no user option can turn a bug on.

import { nextDelayMs } from '../policy/backoff.ts';
import { resolveConflict } from '../policy/conflict.ts';
import { coalesce } from '../policy/coalesce.ts';

export interface CoreVariant {
  readonly name: string;
  readonly nextDelayMs: typeof nextDelayMs;
  readonly resolveConflict: typeof resolveConflict;
  readonly coalesce: typeof coalesce;
  /** Give a retried item a new queueId (defeats server idempotency). */
  readonly newQueueIdOnRetry: boolean;
  /** Commit the entity write and its queue item in two transactions. */
  readonly splitWriteAndEnqueue: boolean;
  /** Answer a local write before its commit is durable. */
  readonly replyBeforeCommit: boolean;
  /** Send any pending item, not only the head of its entity. */
  readonly ignoreEntityOrder: boolean;
  /** Save the pull cursor in a transaction before the pulled changes. */
  readonly cursorBeforeApply: boolean;
  /** Dead-letter transient failures (5xx, timeouts) too. */
  readonly deadLetterTransient: boolean;
  /** Retry permanent errors forever instead of dead-lettering them. */
  readonly retryPermanent: boolean;
  /** Take an item the server answered with an error out of the queue as done: no retry, no dead letter (the upload checkpoint moves past it). */
  readonly skipFailedItems: boolean;
  /** A pulled change replaces the local view, dropping pending local edits from it. */
  readonly pullOverwritesPending: boolean;
  /** Apply pulled changes even when older than the known revision. */
  readonly applyStalePulls: boolean;
  /** Commit without the store-head guard: a second engine over the same store (a second tab) writes from a stale image. */
  readonly unguardedCommits: boolean;
}

export const CORRECT_VARIANT: CoreVariant = Object.freeze({
  name: 'correct',
  nextDelayMs,
  resolveConflict,
  coalesce,
  newQueueIdOnRetry: false,
  splitWriteAndEnqueue: false,
  replyBeforeCommit: false,
  ignoreEntityOrder: false,
  cursorBeforeApply: false,
  deadLetterTransient: false,
  retryPermanent: false,
  skipFailedItems: false,
  pullOverwritesPending: false,
  applyStalePulls: false,
  unguardedCommits: false,
});

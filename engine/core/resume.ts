// Backoff that ends with its cause: items held because whole requests failed (the server or the
// network was the trouble, not the item) are freed by the next pull answered ok.

import { itemWith, type QueueItem } from '../model.ts';
import type { Ctx } from './context.ts';

/**
 * What a restarted engine holds for the server: it cannot tell why an item waits, so every
 * queued item, but one a 429 asked to wait: the Retry-After died with the process that heard it
 * (pushNotBefore), and the item's stored wait is at least that long (default seeds 9450, 5323).
 */
export function heldAtStart(queue: Iterable<QueueItem>): Set<string> {
  const held = new Set<string>();
  for (const item of queue) if (item.lastError !== TOO_MANY_REQUESTS_REASON) held.add(item.queueId);
  return held;
}

/** An item's lastError after a whole request failed with `status` (onPushResult). */
export function httpFailureReason(status: number): string {
  return `http ${status}`;
}

const TOO_MANY_REQUESTS_REASON = httpFailureReason(429);

/**
 * The pull `requestId` was answered ok: the server is reachable again. A backoff after failed
 * requests protects a server in trouble; waiting it out now (up to the 24 h cap, after an outage
 * long enough to double it many times) would only stall the queue. So every item held for that
 * reason is due now, recorded with the pull that freed it. Its attempts are kept, so a new
 * failure backs off further, and a 429's Retry-After still holds every push (pushNotBefore), and
 * the item, even across a restart.
 */
export function resumeHeld(ctx: Ctx, requestId: number, now: number): void {
  const { v, image, fx } = ctx;
  if (v.heldForServer.size === 0) return;
  for (const queueId of v.heldForServer) {
    const item = image.queue.get(queueId);
    if (item === undefined || item.paused || item.nextAttemptAt <= now) continue;
    // Not before a 429's Retry-After: stored, it outlives this process (default seed 29973).
    image.putItem(itemWith(item, { nextAttemptAt: Math.min(item.nextAttemptAt, Math.max(now, v.pushNotBefore)) }));
    fx.event({ type: 'resumed', at: now, queueId, requestId });
  }
  v.heldForServer.clear();
  v.retryArmedAt = null; // the retry timer was armed for a wait that is over
}

// What the HTTP mock's routes share: the context (current core, store, faults, limits, metrics)
// and the two steps every answering route takes: wait for durability, copy a core reply out.

import type { Response } from 'express';
import { performance } from 'node:perf_hooks';
import type { Reply, ServerCore } from '../core/index.ts';
import type { LowdbServerStore } from '../store/lowdb-server-store.ts';
import { sendError } from './errors.ts';
import type { FaultSettings } from './faults.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface ServerLimits {
  /** Largest request body accepted; more is a 413. Default 1 MiB. */
  readonly bodyBytesMax: number;
  /** Sync requests (push, pull) per user per second; 0 (the default) turns the limit off. */
  readonly requestsPerSecondPerUser: number;
}

/** What every route of the app shares; admin routes replace `core` and `faults`. */
export interface AppContext {
  core: ServerCore;
  faults: FaultSettings;
  readonly store: LowdbServerStore | null;
  readonly clock: () => number;
  readonly random: () => number;
  readonly newEpoch: () => string;
  readonly limiter: RateLimiter;
  readonly limits: ServerLimits;
  readonly metrics: Metrics;
  readonly log: (line: string) => void;
}

/** Copies a core reply onto the wire. */
export function sendReply<T>(res: Response, reply: Reply<T>): void {
  res.status(reply.status);
  if (reply.headers !== undefined) res.set(reply.headers);
  res.json(reply.body);
}

/**
 * Waits until every change in memory is on disk; false (and a 500 sent) when the write failed.
 * Replays and conflicts wait too: the result they report may come from a change not yet written.
 */
export async function durable(ctx: AppContext, res: Response): Promise<boolean> {
  if (ctx.store === null) return true;
  const startedMs = performance.now();
  try {
    await ctx.store.flush();
  } catch (error) {
    ctx.log(error instanceof Error ? error.message : String(error));
    sendError(res, 500, { error: 'store_unavailable', message: 'the change could not be made durable yet; retry the same request' });
    return false;
  } finally {
    ctx.metrics.observe('syncstorm_durable_wait_seconds', (performance.now() - startedMs) / 1000);
  }
  return true;
}


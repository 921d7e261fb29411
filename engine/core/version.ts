// What the wire protocol version changes in the core (versions: engine/protocol.ts): the
// payload an update is queued with, and what happens when the server refuses the version.
//
// A refusal stops sync rather than failing items: the items are fine, the client is not.
// Nothing is dead-lettered, retried or counted against an item; no timer is left to poll the
// server (a refused version stays refused until someone redeploys), and the stop is volatile,
// so a restart (with the same or another version) tries again exactly once.

import { isVersionRefusal, type ErrorBody, type Fields } from '../protocol.ts';
import type { TransportOutcome } from '../ports.ts';
import { observeServerTime, type Ctx } from './context.ts';

/**
 * The payload to queue for an update of `key` by `fields`: under protocol 1 the whole entity as
 * it is locally after the op (every field the client holds), under 2 the delta itself. Queued
 * items need no migration when the version changes: the server merges either kind the same way.
 */
export function updatePayload(ctx: Ctx, key: string, fields: Fields): Fields {
  if (ctx.options.protocolVersion !== 1) return fields;
  const current = ctx.image.entities.get(key);
  return current === undefined ? fields : { ...current.fields, ...fields };
}

type Failure<T> = Exclude<TransportOutcome<T>, { kind: 'ok' }>;

/** When a failed request was a refusal of our protocol version: the refusal's body (may be null). */
export function versionRefusal<T>(outcome: Failure<T>): { readonly body: ErrorBody | null } | null {
  return outcome.kind === 'http' && isVersionRefusal(outcome.status, outcome.body) ? { body: outcome.body } : null;
}

/**
 * Stop pushing and pulling until a restart; report it once. The refusal still tells the time
 * (sentAt: when the request left, on our clock): a client that cannot sync must not go on
 * stamping writes with an uncorrected clock.
 */
export function stopForUpgrade(ctx: Ctx, kind: 'push' | 'pull', body: ErrorBody | null, sentAt: number, now: number): void {
  const { v, fx, options } = ctx;
  if (typeof body?.serverTime === 'number' && Number.isFinite(body.serverTime)) observeServerTime(ctx, body.serverTime, sentAt, now);
  if (v.upgradeRequired !== null) return;
  const accepted = body?.protocolVersions ?? null;
  const message = body?.message ?? `the server refused protocol version ${options.protocolVersion}`;
  v.upgradeRequired = { at: now, accepted, message };
  v.retryArmedAt = null;
  for (const timer of ['retry', 'pull-retry', 'interval'] as const) fx.disarm(timer);
  fx.event({ type: 'upgrade-required', at: now, kind, protocolVersion: options.protocolVersion, accepted, message });
}

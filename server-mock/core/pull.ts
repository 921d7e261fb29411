// Pull: the changes of one user after a cursor, a page at a time. The cursor is the global
// change seq, so a page is one binary search and one slice of the user's log.
//
// Cursor rule: the returned cursor is the seq of the last change returned; when none is
// returned it is the cursor the client sent, unchanged. It therefore never goes backwards, and a
// client at the end gets `hasMore: false` with its cursor as it was.

import type { Change, ErrorBody, PullResponse } from '../../engine/protocol.ts';
import { PULL_LIMIT_WIRE_MAX } from './options.ts';
import { badRequest, type Reply } from './reply.ts';
import type { LogEntry, UserSpace } from './state.ts';

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A query parameter as an integer in [min, max]: a number, or a decimal string from a URL. */
function parseInteger(field: string, value: unknown, min: number, max: number): number | Reply<ErrorBody> {
  const parsed = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    return badRequest(field, `an integer ${range} (a number or a decimal string)`, value);
  }
  return parsed;
}

export type PullQueryCheck = { readonly ok: true; readonly cursor: number; readonly limit: number } | { readonly ok: false; readonly reply: Reply<ErrorBody> };

export function checkPullQuery(query: { readonly cursor: unknown; readonly limit: unknown }): PullQueryCheck {
  const cursor = parseInteger('cursor', query.cursor, 0, Number.MAX_SAFE_INTEGER);
  if (typeof cursor !== 'number') return { ok: false, reply: cursor };
  const limit = parseInteger('limit', query.limit, 1, PULL_LIMIT_WIRE_MAX);
  if (typeof limit !== 'number') return { ok: false, reply: limit };
  return { ok: true, cursor, limit };
}

/** Index of the first entry with seq > cursor (log.length if none). */
function firstAfter(log: readonly LogEntry[], cursor: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((log[middle] as LogEntry).seq <= cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One page, stamped with the server's clock; `limit` is already clamped. Change records are shared, never copied (immutable). */
export function pullPage(space: UserSpace | undefined, epoch: string, cursor: number, limit: number, serverTime: number): PullResponse {
  const log = space?.log ?? [];
  const start = firstAfter(log, cursor);
  const end = Math.min(log.length, start + limit);
  const changes: Change[] = [];
  for (let i = start; i < end; i++) changes.push((log[i] as LogEntry).change);
  const nextCursor = end > start ? (log[end - 1] as LogEntry).seq : cursor;
  return { epoch, changes, cursor: nextCursor, hasMore: end < log.length, serverTime };
}

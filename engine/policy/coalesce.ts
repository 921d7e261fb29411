// Coalescing of not-yet-sent ops of one entity: create+update → create, update+update → one
// delta, create+delete → nothing, update+delete → delete. An item already sent (or paused
// behind a conflict) is never touched: the server may have applied it.

import type { Action, Fields } from '../protocol.ts';
import { itemWith, type QueueItem } from '../model.ts';
import { applyDelta } from './fields.ts';

export type CoalesceResult =
  | { readonly kind: 'append' }
  | { readonly kind: 'replace'; readonly item: QueueItem }
  | { readonly kind: 'remove' };

export interface NewOp {
  readonly action: Action;
  readonly payload: Fields;
  readonly createdAt: number;
  readonly stamp: string | null;
}

const APPEND: CoalesceResult = { kind: 'append' };

/** How a new op of an entity combines with that entity's last queued item. */
export function coalesce(last: QueueItem, next: NewOp): CoalesceResult {
  if (last.sent || last.paused || last.attempts > 0) return APPEND;
  if (next.action === 'update' && (last.action === 'create' || last.action === 'update')) {
    return { kind: 'replace', item: itemWith(last, { createdAt: next.createdAt, stamp: next.stamp, payload: applyDelta(last.payload, next.payload) }) };
  }
  if (next.action === 'delete' && last.action === 'create') return { kind: 'remove' };
  if (next.action === 'delete' && last.action === 'update') {
    return { kind: 'replace', item: itemWith(last, { createdAt: next.createdAt, stamp: next.stamp, action: 'delete', payload: {} }) };
  }
  return APPEND;
}

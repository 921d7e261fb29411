// Validation of a push request. Two levels, because they fail differently:
// - the envelope (body, clientId, items, each item an object with a queueId): a problem there
//   means no per-item result can even be addressed, so the whole request is a 400 (or 413);
// - each item's fields: a problem is that item's `invalid_item` result, the others go on.
// Both are pure and never throw on any input.

import type { ErrorBody, PushItem } from '../../engine/protocol.ts';
import { badRequest, shouldBe, type Reply } from './reply.ts';
import { findNonJson, isName, isPlainObject, JSON_EXPECTATION, NAME_EXPECTATION } from './values.ts';

/** An item whose envelope-level checks passed: an object with a usable queueId. */
export type RawItem = Record<string, unknown> & { readonly queueId: string };

export type Envelope =
  | { readonly ok: true; readonly clientId: string; readonly items: readonly RawItem[] }
  | { readonly ok: false; readonly reply: Reply<ErrorBody> };

export function checkEnvelope(body: unknown, batchItemsMax: number): Envelope {
  if (!isPlainObject(body)) return { ok: false, reply: badRequest('body', 'a JSON object', body) };
  const { clientId, items } = body;
  if (!isName(clientId)) return { ok: false, reply: badRequest('clientId', NAME_EXPECTATION, clientId) };
  if (!Array.isArray(items)) return { ok: false, reply: badRequest('items', 'an array', items) };
  // Before looking at any item: an oversized batch costs nothing to refuse.
  if (items.length > batchItemsMax) {
    const message = `items should hold at most ${batchItemsMax} items, got ${items.length}`;
    return { ok: false, reply: { status: 413, body: { error: 'batch_too_large', field: 'items', message } } };
  }
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (!isPlainObject(item)) return { ok: false, reply: badRequest(`items[${i}]`, 'a JSON object', item) };
    if (!isName(item['queueId'])) {
      return { ok: false, reply: badRequest(`items[${i}].queueId`, NAME_EXPECTATION, item['queueId']) };
    }
  }
  return { ok: true, clientId, items: items as RawItem[] };
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** Why `value` is not a plain JSON object, or null when it is one. */
function objectProblem(field: string, value: unknown): string | null {
  if (!isPlainObject(value)) return shouldBe(field, 'a plain JSON object', value);
  const bad = findNonJson(value);
  return bad === null ? null : shouldBe(`${field}${bad.suffix}`, JSON_EXPECTATION, bad.value);
}

/**
 * The item as a PushItem, or the message of its first invalid field. Unknown extra keys are
 * ignored (forward compatibility). The raw object is returned as is: no copy on the hot path.
 */
export function checkItem(raw: RawItem, index: number): PushItem | string {
  const at = `items[${index}].`;
  const { action, seq, entityType, entityId, baseRevision, payload, baseFields, clientTime, stamp } = raw;
  if (action !== 'create' && action !== 'update' && action !== 'delete') {
    return shouldBe(`${at}action`, 'one of create, update, delete', action);
  }
  if (!isCount(seq, 0)) return shouldBe(`${at}seq`, 'an integer >= 0', seq);
  if (!isName(entityType)) return shouldBe(`${at}entityType`, NAME_EXPECTATION, entityType);
  if (!isName(entityId)) return shouldBe(`${at}entityId`, NAME_EXPECTATION, entityId);
  if (baseRevision !== null && !isCount(baseRevision, 1)) {
    return shouldBe(`${at}baseRevision`, 'an integer >= 1 or null', baseRevision);
  }
  const payloadProblem = objectProblem(`${at}payload`, payload);
  if (payloadProblem !== null) return payloadProblem;
  if (baseFields !== undefined) {
    const baseFieldsProblem = objectProblem(`${at}baseFields`, baseFields);
    if (baseFieldsProblem !== null) return baseFieldsProblem;
  }
  if (typeof clientTime !== 'number' || !Number.isFinite(clientTime)) {
    return shouldBe(`${at}clientTime`, 'a finite number (ms)', clientTime);
  }
  if (stamp !== undefined && !isName(stamp)) return shouldBe(`${at}stamp`, `${NAME_EXPECTATION} if present`, stamp);
  return raw as unknown as PushItem;
}

// What one client sees (DESIGN §4.7): its pull cursor never goes backwards (but across a
// detected epoch change), and a read after a local write sees that write while it is pending.

import type { Fields } from '../../engine/protocol.ts';
import type { History } from '../../sim/history.ts';
import { entityOf, type HistoryIndex, type OpRecord } from './history-index.ts';
import { clockText, Verdict, type CheckResult } from './types.ts';

export function checkCursorMonotonic(history: History): CheckResult {
  const verdict = new Verdict('cursor-monotonic', "a client's pull cursor never goes backwards (except on a detected epoch change)");
  const cursors = new Map<number, { cursor: number; epoch: string; index: number }>();
  let pulls = 0;
  history.events.select(['engine:pulled', 'engine:epoch-changed'], (e, i) => {
    if (e.type !== 'engine') return;
    const ev = e.event;
    if (ev.type === 'epoch-changed') cursors.delete(e.client);
    if (ev.type !== 'pulled') return;
    pulls++;
    // Cursors of different epochs do not compare: an engine may also learn of the new epoch from its
    // store (a second tab rebuilt after the device's engine saw the change), with no event of its own.
    const prior = cursors.get(e.client);
    if (prior !== undefined && prior.epoch === ev.epoch && ev.cursor < prior.cursor) {
      verdict.add({ rule: 'cursor-backwards', message: `${history.clients[e.client]?.clientId}'s cursor went back from ${prior.cursor} to ${ev.cursor} at ${clockText(e.t)}`, clients: [e.client], queueIds: [], t: e.t, slice: [prior.index, i] });
    }
    cursors.set(e.client, { cursor: prior?.epoch === ev.epoch ? Math.max(prior.cursor, ev.cursor) : ev.cursor, epoch: ev.epoch, index: i });
  });
  return verdict.result(`${pulls} pulls`);
}

function reflects(write: OpRecord, value: Fields | null | undefined): boolean {
  if (write.action === 'delete') return value === null;
  if (value === null || value === undefined) return false;
  return Object.entries(write.fields).every(([k, v]) => JSON.stringify(value[k]) === JSON.stringify(v));
}

/** A read sees the client's own latest write of the entity while that write is still pending. */
export function checkReadYourWrites(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('read-your-writes', 'a local read after a local write sees it (a pulled change never hides a pending local edit)');
  const lastWrite = new Map<string, OpRecord>();
  const crashedAt = index.crashes;
  let reads = 0;
  for (const op of [...index.ops.values()].sort((a, b) => a.invokedAt - b.invokedAt)) {
    const key = `${op.client}/${op.entityId}`;
    if (op.action !== 'read') {
      if (op.outcome === 'ok') lastWrite.set(key, op);
      continue;
    }
    const write = lastWrite.get(key);
    if (write === undefined || write.queueId === null || op.completedAt === null) continue;
    reads++;
    if ((crashedAt.get(op.client) ?? []).some((t) => t >= write.t && t <= op.t)) continue;
    const item = index.items.get(write.queueId);
    const settled = item === undefined ? null : [item.acked, item.superseded, item.deadLettered, item.coalescedAway].filter((x): x is number => x !== null);
    if (settled === null || settled.some((at) => at < op.invokedAt)) continue; // no longer pending: others may have moved on
    if (reflects(write, op.value)) continue;
    // Tombstones are final: another client's delete may hide a pending edit (the edit will lose).
    const user = index.userOfClient.get(op.client) ?? '';
    if (op.value === null && (index.appliesByEntity.get(entityOf(user, op.entityId)) ?? []).some((a) => a.deleted && a.t <= op.t)) continue;
    verdict.add({
      rule: 'stale-read',
      message: `${history.clients[op.client]?.clientId} wrote ${write.entityId} ${JSON.stringify(write.fields)} at ${clockText(write.t)} (still pending as ${write.queueId}), then read it at ${clockText(op.t)} and saw ${JSON.stringify(op.value)}`,
      clients: [op.client],
      queueIds: [write.queueId],
      t: op.t,
      slice: [write.invokedAt, op.invokedAt],
    });
  }
  return verdict.result(`${reads} reads after a local write`);
}

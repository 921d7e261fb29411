// Conflict accounting, LWW in real time, and error classification (DESIGN §4.9, §4.10).
// The LWW check is where clock skew shows: it compares each LWW decision with the true
// (virtual) times of the two writes and names the clocks' skews when they disagree.

import type { History } from '../../sim/history.ts';
import { aliveAt, entityOf, type HistoryIndex } from './history-index.ts';
import { clockText, skewText, Verdict, type CheckContext, type CheckResult } from './types.ts';

/** Writes closer than this in true time are concurrent: either may win LWW. */
export const LWW_CONCURRENCY_MS = 60_000;

/** 9. Every submitted op has exactly one fate; each conflict outcome is one its policy allows. */
export function checkConflictAccounting(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('conflict-accounting', 'submitted = applied + superseded + dead-lettered + in manual conflict (+ coalesced away), one fate each');
  const finalQueued = new Set(history.clients.flatMap((c) => c.queue.map((q) => q.queueId)));
  const totals = { applied: 0, superseded: 0, deadLettered: 0, coalesced: 0, queued: 0 };
  for (const item of index.items.values()) {
    const fates = [item.acked, item.superseded, item.deadLettered, item.coalescedAway].filter((x): x is number => x !== null);
    if (item.acked !== null) totals.applied++;
    if (item.superseded !== null) totals.superseded++;
    if (item.deadLettered !== null) totals.deadLettered++;
    if (item.coalescedAway !== null) totals.coalesced++;
    if (finalQueued.has(item.queueId)) totals.queued++;
    if (fates.length > 1) {
      verdict.add({ rule: 'several-fates', message: `${item.queueId} (${item.entityId}) met more than one fate: ${fates.map((f) => describe(history, f)).join(' and ')}`, clients: [item.client], queueIds: [item.queueId], t: history.events.timeAt(fates[1]!), slice: [item.enqueuedAt, ...fates] });
    }
  }
  for (const c of index.conflicts) {
    const allowed = allowedOutcomes(c.policy, c.server.deleted || c.server.revision === 0);
    if (allowed.includes(c.outcome)) continue;
    verdict.add({ rule: 'outcome-not-allowed', message: `the ${c.policy} policy resolved a conflict on ${c.queueId} as ${c.outcome}`, clients: [c.client], queueIds: [c.queueId], t: c.t, slice: [c.index] });
  }
  const parts = Object.entries(totals).map(([k, v]) => `${v} ${k}`).join(', ');
  return verdict.result(`${index.items.size} submitted ops (${parts}), ${index.conflicts.length} conflicts`);
}

function describe(history: History, at: number): string {
  const e = history.events.at(at);
  return e.type === 'engine' ? `${e.event.type} at ${clockText(e.t)}` : `${e.type} at ${clockText(e.t)}`;
}

function allowedOutcomes(policy: string, serverGoneOrMissing: boolean): string[] {
  if (serverGoneOrMissing) return ['server-wins', 'local-wins'];
  switch (policy) {
    case 'server-wins':
      return ['server-wins'];
    case 'client-wins':
      return ['local-wins'];
    case 'manual':
      return ['manual'];
    case 'field-merge':
      return ['merged', 'manual'];
    default:
      return ['server-wins', 'local-wins'];
  }
}

/**
 * LWW must let the later write (in true time) win. For every LWW conflict, find the write that
 * holds the entity on the server (its last apply before the conflict) and compare true write times.
 */
export function checkLwwRealTime(history: History, index: HistoryIndex, context: CheckContext): CheckResult {
  const verdict = new Verdict('lww-real-time', 'last-writer-wins keeps the write made last in true time (writes within 60 s are concurrent)');
  let decided = 0;
  for (const c of index.conflicts) {
    if (!c.policy.startsWith('lww') || c.server.deleted || c.server.revision === 0) continue;
    const loser = index.items.get(c.queueId);
    const user = index.userOfClient.get(c.client) ?? '';
    // The server decided against the state it held then: the apply that made that revision and
    // was still part of its state (not undone by a rollback; the answer may arrive much later).
    const winnerApply = (index.appliesByEntity.get(entityOf(user, c.entityId)) ?? []).filter((a) => a.t <= c.t && a.revision === c.server.revision && aliveAt(index, a.t, c.t)).at(-1);
    const winner = winnerApply === undefined ? undefined : index.items.get(winnerApply.queueId);
    if (loser === undefined || winner === undefined || winner.queueId === loser.queueId) continue;
    decided++;
    const localT = loser.writeTimes.at(-1)!;
    const serverT = winner.writeTimes.at(-1)!;
    const localWon = c.outcome === 'local-wins';
    const [keptT, lostT, kept, lost, keptIdx, lostIdx] = localWon
      ? [localT, serverT, loser, winner, loser.writeTimes.length - 1, winner.writeTimes.length - 1]
      : [serverT, localT, winner, loser, winner.writeTimes.length - 1, loser.writeTimes.length - 1];
    if (lostT - keptT <= LWW_CONCURRENCY_MS) continue;
    const who = (item: typeof kept, at: number, i: number): string => {
      const clientTime = item.writeClientTimes[i]!;
      return `${history.clients[item.client]?.clientId}'s write ${item.queueId} at ${clockText(at)} (its clock read ${clockText(clientTime)}, skew ${skewText(clientTime - at)})`;
    };
    verdict.add({
      rule: 'lost-update',
      message: `lost update on ${c.entityId} under ${c.policy}: ${who(lost, lostT, lostIdx)} lost to the earlier ${who(kept, keptT, keptIdx)}; ` +
        `${skewText(lostT - keptT)} apart in true time`,
      clients: [lost.client, kept.client],
      queueIds: [lost.queueId, kept.queueId],
      t: c.t,
      slice: [kept.enqueuedAt, lost.enqueuedAt, c.index],
    });
  }
  void context;
  return verdict.result(`${decided} LWW decisions`);
}

const PERMANENT_CODES = new Set(['too_large', 'invalid_item', 'forbidden', 'batch_too_large']);

function isPermanentCode(code: string): boolean {
  const http = /^http_(\d{3})$/.exec(code);
  if (http !== null) {
    const status = Number(http[1]);
    return status >= 400 && status < 500 && status !== 408 && status !== 429;
  }
  return PERMANENT_CODES.has(code);
}

/** 10. Only permanent errors dead-letter (payload kept); transient ones are retried, permanent ones are not. */
export function checkErrorClassification(history: History): CheckResult {
  const verdict = new Verdict('error-classification', 'only permanent errors (4xx but 408/429) dead-letter, with the payload kept; transient ones never do');
  let deadLetters = 0;
  history.events.select(['engine:dead-lettered', 'engine:retried'], (e, i) => {
    if (e.type !== 'engine') return;
    const ev = e.event;
    if (ev.type === 'dead-lettered') {
      deadLetters++;
      if (!isPermanentCode(ev.code)) verdict.add({ rule: 'transient-dead-lettered', message: `${ev.queueId} was dead-lettered for a transient error (${ev.code}: ${ev.message})`, clients: [e.client], queueIds: [ev.queueId], t: e.t, slice: [i] });
    }
    if (ev.type === 'retried' && /^(forbidden|invalid_item|too_large)\b|^http (400|403|404|409|422)\b/.test(ev.reason)) {
      verdict.add({ rule: 'permanent-retried', message: `${ev.queueId} was retried (attempt ${ev.attempts}) after a permanent error: ${ev.reason}`, clients: [e.client], queueIds: [ev.queueId], t: e.t, slice: [i] });
    }
  });
  for (const client of history.clients) {
    for (const dead of client.deadLetters) {
      if (dead.item.action !== 'delete' && Object.keys(dead.item.payload).length === 0) {
        verdict.add({ rule: 'payload-dropped', message: `${dead.queueId} was dead-lettered without its payload`, clients: [client.client], queueIds: [dead.queueId], t: history.endedAt, slice: [] });
      }
    }
  }
  return verdict.result(`${deadLetters} dead letters`);
}

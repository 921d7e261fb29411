// A counterexample's slice: which clients and which window of true time a report draws for
// one checker violation. Derived from what the violation names (its history event indexes,
// queue ids, clients and time), never from the engine. Pure: history and violation in, slice out.

import type { Violation } from '../scenarios/checkers/index.ts';
import type { History, HistoryEvent } from '../sim/history.ts';

/** Client lanes a slice draws at most (the server is always drawn too). */
export const SLICE_CLIENTS_MAX = 4;
/** A violation that names no event and no queue id (a liveness verdict at the end): this much history before its time. */
export const SLICE_FALLBACK_WINDOW_MS = 60_000;
/** Context kept on each side of the violating events: this share of the window, at least PAD_MS_MIN (a retry or a pull cycle either side). */
const PAD_SHARE = 0.05;
const PAD_MS_MIN = 10_000;

export interface CounterexampleSlice {
  /** Client indexes, one lane each: the violation's own, else the first clients involved. */
  readonly clients: readonly number[];
  readonly clientsFrom: 'violation' | 'violating events' | 'first clients in the window';
  readonly startMs: number;
  readonly endMs: number;
  /** The violation's own time: what is nearest to it is drawn first when a cap bites. */
  readonly focusMs: number;
  /** The violating queue ids (for highlighting messages and applies). */
  readonly queueIds: ReadonlySet<string>;
  /** Indexes of history events that show the violation: its slice and every event naming a violating queue id. */
  readonly events: ReadonlySet<number>;
  /** Keys `client/opId` of the violating ops (their invocation and completion). */
  readonly ops: ReadonlySet<string>;
}

/** The queue ids an event names (a push's `sent` names every item of its batch). */
function queueIdsOf(e: HistoryEvent): readonly string[] {
  if (e.type === 'apply') return [e.change.queueId];
  if (e.type === 'complete') return e.queueId === null ? [] : [e.queueId];
  if (e.type !== 'engine') return [];
  const ev = e.event;
  if (ev.type === 'sent') return ev.queueIds;
  return 'queueId' in ev ? [ev.queueId] : [];
}

export function sliceOfViolation(history: History, violation: Violation): CounterexampleSlice {
  const queueIds = new Set(violation.queueIds);
  const events = new Set<number>(violation.slice.filter((i) => i >= 0 && i < history.events.length));
  const ops = new Set<string>();
  const invokedAt = new Map<string, number>();
  history.events.forEach((e, i) => {
    if (e.type === 'invoke') invokedAt.set(`${e.client}/${e.opId}`, i);
    if (queueIds.size === 0) return;
    if (!queueIdsOf(e).some((q) => queueIds.has(q))) return;
    events.add(i);
    if (e.type === 'complete') {
      const key = `${e.client}/${e.opId}`;
      ops.add(key);
      const invoke = invokedAt.get(key);
      if (invoke !== undefined) events.add(invoke);
    }
  });
  for (const i of events) {
    const e = history.events.at(i);
    if (e.type === 'invoke' || e.type === 'complete') ops.add(`${e.client}/${e.opId}`);
  }
  // The window is the checker's own slice when it gave one (its minimal story); the other events
  // naming the violating queue ids are highlighted where they fall in it.
  const own = violation.slice.filter((i) => i >= 0 && i < history.events.length);
  const { startMs, endMs } = windowOf(history, own.length > 0 ? new Set(own) : events, violation.t);
  return { ...clientsOf(history, violation, events, startMs, endMs), startMs, endMs, focusMs: violation.t, queueIds, events, ops };
}

function windowOf(history: History, events: ReadonlySet<number>, t: number): { startMs: number; endMs: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of events) {
    const at = history.events.timeAt(i);
    lo = Math.min(lo, at);
    hi = Math.max(hi, at);
  }
  if (events.size === 0) {
    hi = t;
    lo = t - SLICE_FALLBACK_WINDOW_MS;
  }
  const padMs = Math.max(PAD_MS_MIN, (hi - lo) * PAD_SHARE);
  const endLimit = Math.max(history.endedAt, hi);
  const startMs = Math.max(0, lo - padMs);
  return { startMs, endMs: Math.max(startMs + 1, Math.min(endLimit, hi + padMs)) };
}

function clientsOf(history: History, violation: Violation, events: ReadonlySet<number>, startMs: number, endMs: number): Pick<CounterexampleSlice, 'clients' | 'clientsFrom'> {
  const named = unique(violation.clients.filter((c) => Number.isInteger(c) && c >= 0));
  if (named.length > 0) return { clients: named.slice(0, SLICE_CLIENTS_MAX), clientsFrom: 'violation' };
  const indexByClientId = new Map(history.clients.filter((c) => c.tabOf === undefined).map((c) => [c.clientId, c.client]));
  const fromEvents: number[] = [];
  for (const i of [...events].sort((a, b) => a - b)) {
    const e = history.events.at(i);
    const client = 'client' in e ? e.client : e.type === 'apply' ? indexByClientId.get(e.change.clientId) : undefined;
    if (client !== undefined && client >= 0) fromEvents.push(client);
  }
  if (fromEvents.length > 0) return { clients: unique(fromEvents).slice(0, SLICE_CLIENTS_MAX), clientsFrom: 'violating events' };
  const first: number[] = [];
  for (const e of history.events) {
    if (e.t < startMs || !('client' in e) || e.client < 0) continue;
    if (e.t > endMs || first.length >= SLICE_CLIENTS_MAX) break;
    if (!first.includes(e.client)) first.push(e.client);
  }
  if (first.length === 0 && history.clients.length > 0) first.push(0);
  return { clients: first, clientsFrom: 'first clients in the window' };
}

function unique(values: readonly number[]): number[] {
  return [...new Set(values)];
}

// Liveness and convergence (DESIGN §4.5, 4.6): after the heal every op reaches a fate within
// the budget, retries respect their schedule and Retry-After, the request rate stays bounded,
// and every client's store equals the server's.

import type { Fields } from '../../engine/protocol.ts';
import { CLOCK_STEP_TOLERANCE_MS } from '../../engine/core/sync-core.ts';
import type { History } from '../../sim/history.ts';
import { EVENT_LOG_KINDS } from '../../sim/event-log.ts';
import { appendTo, type HistoryIndex } from './history-index.ts';
import { clockText, Verdict, type CheckResult } from './types.ts';

/** Requests one client may send in a minute, beyond three per write it made in that minute. */
export const REQUESTS_PER_MINUTE_MAX = 120;
const MINUTE_MS = 60_000;
/** Clocks drift by at most 1,000 ppm here: a delay measured on one may run this much short in true time. */
const DRIFT_ALLOWANCE = 0.001;
/** Faults (clock steps), crashes and restarts, and every engine event (each shows the engine has seen the steps before it). */
const RETRY_SCHEDULE_KINDS = EVENT_LOG_KINDS.filter((kind) => kind === 'fault' || kind === 'crash' || kind === 'restart' || kind.startsWith('engine:'));

export function checkEventualDelivery(history: History, index: HistoryIndex): CheckResult {
  const verdict = new Verdict('eventual-delivery', 'after the heal every op is acked, superseded or dead-lettered within the budget; retries wait their turn; no retry storm');
  if (!history.converged) {
    const stuck = history.clients.filter((c) => c.queue.some((q) => !q.paused));
    verdict.add({
      rule: 'not-converged',
      message: `the system did not converge between the heal at ${clockText(history.healedAt)} and the end at ${clockText(history.endedAt)}: ` +
        `${stuck.length} clients still have items to send (${stuck.slice(0, 5).map((c) => `${c.clientId}: ${c.queue.map((q) => q.queueId).slice(0, 3).join(', ')}`).join('; ')})`,
      clients: stuck.map((c) => c.client),
      queueIds: stuck.flatMap((c) => c.queue.map((q) => q.queueId)).slice(0, 20),
      t: history.endedAt,
      slice: [],
    });
  }
  checkRetrySchedule(history, verdict);
  checkRequestRate(history, index, verdict);
  const tabs = history.clients.filter((c) => c.tabOf !== undefined).length;
  return verdict.result(`${index.items.size} queue items, ${history.clients.length - tabs} clients${tabs === 0 ? '' : ` and ${tabs} second tab${tabs === 1 ? '' : 's'}`}`);
}

/**
 * No item is sent before its nextAttemptAt; a retry after 429 waits at least Retry-After.
 * Measured in true time, allowing the clock's drift (≤ 0.1%) plus 1 ms, and every forward step
 * of the client's clock between the retry and the send up to the engine's step tolerance: the
 * engine takes a smaller step for elapsed time, so its deadline comes that much sooner (a larger
 * one it notices, and moves its deadlines by; default seed 19829: 1,545 ms).
 * A step the engine never saw counts in full: one taken while the app was down, or before a
 * crash with no engine event in between (the restarted engine starts a new monotonic baseline,
 * and a wall clock alone cannot tell a step from time spent down; rolling-upgrade seed 302499).
 * A backoff after a failed request may end early, 'resumed', but only by the pull answered ok in
 * that very step (the event names it), and never before a 429's Retry-After.
 */
function checkRetrySchedule(history: History, verdict: Verdict): void {
  const deviceOf = (client: number): number => history.clients[client]?.tabOf ?? client;
  const notBefore = new Schedules(deviceOf);
  /** Per device, the engines over its store (its own, then its second tabs): they share its clock. */
  const enginesOf = new Map<number, number[]>();
  for (const client of history.clients) appendTo(enginesOf, deviceOf(client.client), client.client);
  /** Per device, every forward step of its clock so far, in full. */
  const clockSteppedMs = new Map<number, number>();
  /** Per client, the last pull answered ok: its request id and when. */
  const lastPull = new Map<number, { requestId: number; t: number }>();
  const retryAfter = new Map<number, { clientTime: number; ms: number }>();
  /** Per client, the forward clock steps so far, each counted up to the engine's tolerance (in full if it never saw it). */
  const steppedMs = new Map<number, number>();
  /** Per client, what a crash would add to steppedMs: the uncounted part of the steps since its last engine event. */
  const unseenMs = new Map<number, number>();
  const down = new Set<number>();
  const add = (client: number, ms: number) => steppedMs.set(client, (steppedMs.get(client) ?? 0) + ms);
  history.events.select(RETRY_SCHEDULE_KINDS, (e, i) => {
    if (e.type === 'crash') {
      add(e.client, unseenMs.get(e.client) ?? 0);
      unseenMs.delete(e.client);
      down.add(e.client);
    }
    if (e.type === 'restart') {
      down.delete(e.client);
      // A wait another engine (tab) scheduled started on the shared clock: every step since counts in full,
      // for this engine starts afresh and only the scheduler could have noticed them.
      const clockMs = clockSteppedMs.get(deviceOf(e.client)) ?? 0;
      const nowMs = steppedMs.get(e.client) ?? 0;
      notBefore.reload(e.client, (due) => (due.client === e.client ? due : { ...due, steppedMs: nowMs - (clockMs - due.clockSteppedMs) }));
    }
    if (e.type === 'fault' && e.phase === 'start' && e.fault.kind === 'clock-step' && e.fault.param > 0) {
      const { client: device, param } = e.fault;
      clockSteppedMs.set(device, (clockSteppedMs.get(device) ?? 0) + param);
      for (const client of enginesOf.get(device) ?? [device]) {
        const countedMs = down.has(client) ? param : Math.min(param, CLOCK_STEP_TOLERANCE_MS);
        add(client, countedMs);
        unseenMs.set(client, (unseenMs.get(client) ?? 0) + param - countedMs);
      }
    }
    if (e.type !== 'engine') return;
    // Any engine event comes from a step that noticed the jumps before it and made their shift durable.
    unseenMs.delete(e.client);
    const ev = e.event;
    if (ev.type === 'request-failed' && ev.status === 429) retryAfter.set(e.client, { clientTime: ev.at, ms: ev.delayMs });
    // A rollback repair or a conflict re-send reschedules the item on purpose.
    if (ev.type === 'repair-enqueued' || ev.type === 'conflict') notBefore.delete(e.client, ev.queueId);
    if (ev.type === 'retried') {
      const asked = retryAfter.get(e.client);
      const answered429 = ev.reason === 'http 429' && asked !== undefined && asked.clientTime === ev.at;
      const due = (delayMs: number): number => e.t + Math.floor(delayMs * (1 - DRIFT_ALLOWANCE)) - 1;
      notBefore.set(e.client, ev.queueId, {
        client: e.client,
        at: due(ev.delayMs),
        index: i,
        steppedMs: steppedMs.get(e.client) ?? 0,
        clockSteppedMs: clockSteppedMs.get(deviceOf(e.client)) ?? 0,
        retryAfterAt: answered429 ? due(asked.ms) : null,
      });
      if (answered429 && ev.delayMs < asked.ms) {
        verdict.add({ rule: 'retry-after-ignored', message: `${ev.queueId} was rescheduled ${ev.delayMs} ms after a 429 that asked for ${asked.ms} ms (Retry-After ignored)`, clients: [e.client], queueIds: [ev.queueId], t: e.t, slice: [i] });
      }
    }
    if (ev.type === 'pulled') lastPull.set(e.client, { requestId: ev.requestId, t: e.t });
    if (ev.type === 'resumed') {
      const pull = lastPull.get(e.client);
      const due = notBefore.get(e.client, ev.queueId);
      if (pull === undefined || pull.requestId !== ev.requestId || pull.t !== e.t) {
        verdict.add({ rule: 'unfounded-resume', message: `${ev.queueId} was released from its backoff at ${clockText(e.t)} by pull ${ev.requestId}, but no such pull was answered then`, clients: [e.client], queueIds: [ev.queueId], t: e.t, slice: due === undefined ? [i] : [due.index, i] });
      } else if (due !== undefined) {
        if (due.retryAfterAt === null) notBefore.delete(e.client, ev.queueId);
        else notBefore.set(e.client, ev.queueId, { ...due, at: due.retryAfterAt });
      }
    }
    if (ev.type === 'sent') {
      for (const queueId of ev.queueIds) {
        const due = notBefore.get(e.client, queueId);
        if (due !== undefined && e.t < due.at - ((steppedMs.get(e.client) ?? 0) - due.steppedMs)) {
          verdict.add({ rule: 'early-retry', message: `${queueId} was sent at ${clockText(e.t)}, before its retry was due (${clockText(due.at)})`, clients: [e.client], queueIds: [queueId], t: e.t, slice: [due.index, i] });
        }
        notBefore.delete(e.client, queueId);
      }
    }
  });
}

/** When a queued item may be sent again: not before `at`, nor before `retryAfterAt` (a 429's Retry-After) even once resumed. */
interface Due {
  /** The engine that scheduled it. */
  readonly client: number;
  readonly at: number;
  readonly index: number;
  /** The scheduling engine's counted clock steps then (checkRetrySchedule's steppedMs). */
  readonly steppedMs: number;
  /** Its device clock's forward steps then, in full. */
  readonly clockSteppedMs: number;
  readonly retryAfterAt: number | null;
}

/**
 * Each engine's schedule of its queued items, and its store's: the last one any engine over that
 * store recorded. Every engine keeps its own in memory (a second tab backs off what it sends by
 * itself); one rebuilt from the store (a restart, a reload) starts from the store's, which another
 * tab may have moved. With one engine per store the two are the same.
 */
class Schedules {
  private readonly engines = new Map<number, Map<string, Due>>();
  private readonly stores = new Map<number, Map<string, Due>>();

  constructor(private readonly storeOf: (client: number) => number) {}

  get(client: number, queueId: string): Due | undefined {
    return this.engines.get(client)?.get(queueId);
  }

  set(client: number, queueId: string, due: Due): void {
    mapIn(this.engines, client).set(queueId, due);
    mapIn(this.stores, this.storeOf(client)).set(queueId, due);
  }

  delete(client: number, queueId: string): void {
    this.engines.get(client)?.delete(queueId);
    this.stores.get(this.storeOf(client))?.delete(queueId);
  }

  /** The engine was rebuilt from its store: its schedule is the store's, each wait as `rebase` maps it. */
  reload(client: number, rebase: (due: Due) => Due): void {
    const schedule = new Map<string, Due>();
    for (const [queueId, due] of this.stores.get(this.storeOf(client)) ?? []) schedule.set(queueId, rebase(due));
    this.engines.set(client, schedule);
  }
}

function mapIn<K, V>(maps: Map<number, Map<K, V>>, key: number): Map<K, V> {
  let map = maps.get(key);
  if (map === undefined) maps.set(key, (map = new Map()));
  return map;
}

/** A retry storm shows as far more requests per minute than the client's writes explain. */
function checkRequestRate(history: History, index: HistoryIndex, verdict: Verdict): void {
  const requests = new Map<string, number>();
  const writes = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
  history.events.select(['engine:sent', 'engine:request-failed'], (e) => {
    if (e.type === 'engine' && e.event.type === 'sent') bump(requests, `${e.client}/${Math.floor(e.t / MINUTE_MS)}`);
    if (e.type === 'engine' && e.event.type === 'request-failed' && e.event.kind === 'pull') bump(requests, `${e.client}/${Math.floor(e.t / MINUTE_MS)}`);
  });
  for (const op of index.ops.values()) if (op.action !== 'read') bump(writes, `${op.client}/${Math.floor(op.t / MINUTE_MS)}`);
  for (const [key, count] of requests) {
    const allowed = REQUESTS_PER_MINUTE_MAX + 3 * (writes.get(key) ?? 0);
    if (count <= allowed) continue;
    const [client, minute] = key.split('/').map(Number) as [number, number];
    verdict.add({
      rule: 'request-rate',
      message: `retry storm: ${history.clients[client]?.clientId ?? client} sent ${count} pushes in the minute from ${clockText(minute * MINUTE_MS)} (at most ${allowed} expected)`,
      clients: [client],
      queueIds: [],
      t: minute * MINUTE_MS,
      slice: [],
    });
  }
}

function canonical(fields: Fields | undefined): string {
  if (fields === undefined) return 'absent';
  return JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k]]));
}

/** 6. After quiescence every client's store equals the server's (entities in manual conflict excepted). */
export function checkConvergence(history: History): CheckResult {
  const verdict = new Verdict('convergence', "after quiescence every client's store equals the server's state");
  const server = history.server;
  if (server === null || !history.converged) return verdict.result('nothing: the run did not reach quiescence (see eventual-delivery)');
  let compared = 0;
  // Fields travel by reference in the simulator: the same object is equal without a look, and a
  // server state every client of a team compares against is made canonical once.
  const canonicalOf = new Map<Fields | undefined, string>();
  const canonicalOnce = (fields: Fields | undefined): string => {
    let text = canonicalOf.get(fields);
    if (text === undefined) {
      text = canonical(fields);
      canonicalOf.set(fields, text);
    }
    return text;
  };
  // A second tab closed by the heal has no state of its own to compare (its writes are in its device's store).
  const devices = history.clients.filter((client) => client.tabOf === undefined);
  for (const client of devices) {
    const expected = server.users[client.user] ?? {};
    const excepted = new Set(client.conflicts.map((c) => c.entityId));
    const ids = new Set([...Object.keys(expected), ...Object.keys(client.entities)]);
    for (const id of ids) {
      if (excepted.has(id)) continue;
      compared++;
      if (client.entities[id] === expected[id]) continue;
      const mine = canonical(client.entities[id]);
      const theirs = canonicalOnce(expected[id]);
      if (mine === theirs) continue;
      verdict.add({ rule: 'diverged', message: `${client.clientId} ends with ${id} = ${mine} but the server has ${theirs}`, clients: [client.client], queueIds: [], t: history.endedAt, slice: [] });
    }
  }
  return verdict.result(`${compared} entity states across ${devices.length} clients`);
}

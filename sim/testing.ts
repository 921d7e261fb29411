// Test helpers for the simulator's acceptance tests (determinism, faults, scale): a dense
// fault-test config, runs with a hand-built fault schedule, and the "the engine survived"
// checks over a History — convergence, empty queues, client state equal to the server's
// (compared canonically), at-most-once apply, and no lost created entity. Test-only: only
// *.test.ts files and the test-only fault case tables they run (sim/fault-cases*.ts) import it.

import type { SyncEvent } from '../engine/events.ts';
import type { Fields } from '../engine/protocol.ts';
import { buildSimConfig, type DeepPartial } from './config.ts';
import { forEachRecord, type History, type HistoryEvent } from './history.ts';
import { generatePlan } from './plan.ts';
import { runSimulation, type RunResult } from './runner.ts';
import type { Fault, SimConfig } from './types.ts';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

/**
 * Dense enough that every fault bites (6 clients in teams of 3, an op every ~6 s per client,
 * 5 simulated minutes) with a small backoff so convergence is quick. No generated faults:
 * the tests put theirs in by hand.
 */
export const FAULT_TEST_CONFIG: DeepPartial<SimConfig> = {
  clients: 6,
  teamSize: 3,
  durationMs: 5 * MINUTE_MS,
  convergenceBudgetMs: HOUR_MS,
  engine: { backoffBaseMs: 500, backoffCapMs: 30_000 },
  workload: { opsPerClientPerHour: 600 },
  faults: { swarm: false, kinds: [], faultsPerHour: 0 },
};

export function faultTestConfig(seed: number, overrides: DeepPartial<SimConfig> = {}): SimConfig {
  const base = FAULT_TEST_CONFIG;
  return buildSimConfig({
    ...base,
    ...overrides,
    seed,
    engine: { ...base.engine, ...overrides.engine },
    workload: { ...base.workload, ...overrides.workload },
    faults: { ...base.faults, ...overrides.faults },
  });
}

/** Runs the config's own workload and clocks with exactly `faults` as the nemesis schedule. */
export function runWithFaults(config: SimConfig, faults: readonly Fault[]): RunResult {
  const plan = generatePlan(config);
  return runSimulation({ config, plan: { ...plan, faults: [...faults].sort((a, b) => a.atMs - b.atMs) } });
}

/** JSON with object keys sorted at every level: equal values give equal strings whatever the insertion order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** The history events of one type (a member whose type is a union, like 'crash' | 'restart', counts for each). */
export type EventOf<T extends HistoryEvent['type']> = HistoryEvent extends infer E ? (E extends { readonly type: infer U } ? (T extends U ? E & { readonly type: T } : never) : never) : never;
export type EngineEventOf<T extends SyncEvent['type']> = EventOf<'engine'> & { readonly event: Extract<SyncEvent, { type: T }> };

/** The records of one type, in order (messages too: they are read from the message log). */
export function eventsOf<T extends HistoryEvent['type']>(history: History, type: T): EventOf<T>[] {
  if (type === 'message') return [...history.messages] as EventOf<T>[];
  return (history.events.filter((e) => e.type === type) as HistoryEvent[]) as EventOf<T>[];
}

/** The engine events of one type (of one client, when given). */
export function engineEvents<T extends SyncEvent['type']>(history: History, type: T, client?: number): EngineEventOf<T>[] {
  return history.events.filter(
    (e): e is EngineEventOf<T> => e.type === 'engine' && e.event.type === type && (client === undefined || e.client === client),
  );
}

export function messagesOf(history: History, client?: number): EventOf<'message'>[] {
  return eventsOf(history, 'message').filter((m) => client === undefined || m.client === client);
}

/** A message as the sending side recorded it (the network took it, dropped it or the device refused it), not its arrival. */
export function isSendSide(m: EventOf<'message'>): boolean {
  return m.fate !== 'delivered' && !(m.fate === 'refused' && m.detail === 'server down');
}

/** How often each queueId was applied, over every apply event of the history. */
export function applyCounts(history: History): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of eventsOf(history, 'apply')) counts.set(e.change.queueId, (counts.get(e.change.queueId) ?? 0) + 1);
  return counts;
}

/** One push of a client, as the history shows it: what it carried and what became of it. */
export interface PushTrace {
  readonly client: number;
  readonly requestId: number;
  readonly sentAt: number;
  readonly queueIds: readonly string[];
  /** Server-side arrivals ('delivered' or 'refused: server down') of this request, in order. */
  readonly arrivals: EventOf<'message'>[];
  /** queueIds the server applied on this push's arrivals (a replay applies nothing). */
  readonly applied: string[];
  /** Response records (sent, duplicated or dropped), in order. */
  readonly responses: EventOf<'message'>[];
}

/**
 * Every push of every client with its arrivals, applies and responses, matched by (client,
 * requestId). The world records a push's arrival, then what it applied, then its response, all
 * at one instant. Only for runs without client crashes: a restarted core numbers requests from 1 again.
 */
export function pushTraces(history: History): PushTrace[] {
  const traces: PushTrace[] = [];
  const byKey = new Map<string, PushTrace>();
  let arriving: PushTrace | null = null;
  forEachRecord(history, (e) => {
    if (e.type === 'crash') throw new Error(`pushTraces: client ${e.client} crashed at ${e.t} ms; requestIds are ambiguous`);
    if (e.type === 'apply') {
      if (arriving !== null) arriving.applied.push(e.change.queueId);
      return;
    }
    if (e.type === 'message') arriving = null;
    if (e.type === 'engine' && e.event.type === 'sent') {
      const trace: PushTrace = { client: e.client, requestId: e.event.requestId, sentAt: e.t, queueIds: e.event.queueIds, arrivals: [], applied: [], responses: [] };
      traces.push(trace);
      byKey.set(`${e.client}/${e.event.requestId}`, trace);
    } else if (e.type === 'message' && e.kind === 'push') {
      const trace = byKey.get(`${e.client}/${e.requestId}`);
      if (trace === undefined) return;
      if (e.dir === 'response') trace.responses.push(e);
      else if (!isSendSide(e)) {
        trace.arrivals.push(e);
        if (e.fate === 'delivered') arriving = trace;
      }
    }
  });
  return traces;
}

/**
 * Every (user, entity id) some client created (ok), no client of the team ever tried to
 * delete, and no client dead-lettered an op of: the server must end up with it live.
 */
export function createdNeverDeleted(history: History): Set<string> {
  const userOf = (client: number): string => history.clients[client]!.user;
  const invokes = new Map<number, EventOf<'invoke'>>();
  const created = new Set<string>();
  const deleted = new Set<string>();
  for (const e of history.events) {
    if (e.type === 'invoke') {
      invokes.set(e.opId, e);
      if (e.action === 'delete') deleted.add(`${userOf(e.client)}/${e.entityId}`);
    } else if (e.type === 'complete' && e.outcome === 'ok') {
      const invoke = invokes.get(e.opId);
      if (invoke?.action === 'create') created.add(`${userOf(invoke.client)}/${invoke.entityId}`);
    }
  }
  for (const key of deleted) created.delete(key);
  // A create refused for good (dead-lettered, payload kept on the client) is not lost.
  for (const client of history.clients) for (const dead of client.deadLetters) created.delete(`${client.user}/${dead.item.entityId}`);
  return created;
}

/**
 * What is wrong with a run that should have survived its faults, in plain words (empty: it
 * survived). It converged; every queue is empty but for paused (manual-conflict) items; no
 * client is down; every client's live entities equal its user's live entities on the server
 * (entities in manual conflict excepted); no queueId is twice in the server's log
 * (at-most-once); every entity created with an ok answer, never deleted and never
 * dead-lettered is live on the server.
 */
export function survivalProblems(history: History): string[] {
  const problems: string[] = [];
  const server = history.server;
  if (!history.converged) problems.push(`did not converge (healed at ${history.healedAt} ms, ended at ${history.endedAt} ms)`);
  if (server === null) return [...problems, 'no final server state'];
  for (const client of history.clients) {
    const name = `client ${client.client} (${client.clientId}, ${client.user})`;
    if (client.tabOf !== undefined) {
      // A second tab is closed by the heal: nothing of its own is left (its writes are in its device's store).
      if (!client.crashed || client.queue.length > 0 || Object.keys(client.entities).length > 0) problems.push(`${name}, a second tab of client ${client.tabOf}, was not closed by the end`);
      continue;
    }
    if (client.crashed) problems.push(`${name} is still down`);
    const pending = client.queue.filter((item) => !item.paused);
    if (pending.length > 0) problems.push(`${name} still has ${pending.length} queued: ${pending.map((i) => `${i.queueId} ${i.action} ${i.entityId} (attempts ${i.attempts}, ${i.lastError ?? 'never failed'})`).join('; ')}`);
    const inConflict = new Set(client.queue.filter((item) => item.paused).map((item) => item.entityId));
    const mine = withoutKeys(client.entities, inConflict);
    const theirs = withoutKeys(server.users[client.user] ?? {}, inConflict);
    if (canonicalJson(mine) !== canonicalJson(theirs)) problems.push(`${name} differs from the server: ${describeDifference(mine, theirs)}`);
    if (client.epoch !== null && client.epoch !== server.epoch) problems.push(`${name} is at epoch ${client.epoch}, the server at ${server.epoch}`);
  }
  for (const [user, queueIds] of Object.entries(server.appliedQueueIds)) {
    const seen = new Set<string>();
    for (const queueId of queueIds) {
      if (seen.has(queueId)) problems.push(`${user}: ${queueId} is applied more than once in the server's log`);
      seen.add(queueId);
    }
  }
  for (const key of createdNeverDeleted(history)) {
    const [user, entityId] = key.split('/') as [string, string];
    if (server.users[user]?.[entityId] === undefined) problems.push(`${user}: ${entityId} was created (ok) and never deleted, but the server does not have it`);
  }
  return problems;
}

function withoutKeys(entities: Readonly<Record<string, Fields>>, keys: ReadonlySet<string>): Record<string, Fields> {
  const out: Record<string, Fields> = {};
  for (const [id, fields] of Object.entries(entities)) if (!keys.has(id)) out[id] = fields;
  return out;
}

function describeDifference(mine: Record<string, Fields>, theirs: Record<string, Fields>): string {
  const ids = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].sort();
  const diffs: string[] = [];
  for (const id of ids) {
    const a = mine[id] === undefined ? 'absent' : canonicalJson(mine[id]);
    const b = theirs[id] === undefined ? 'absent' : canonicalJson(theirs[id]);
    if (a !== b) diffs.push(`${id}: client ${a} vs server ${b}`);
  }
  return diffs.slice(0, 5).join('; ') + (diffs.length > 5 ? ` (and ${diffs.length - 5} more)` : '');
}

/** One request of a client: when the network took it and when (if ever) it first reached the server. */
export interface RequestTrip {
  readonly client: number;
  readonly requestId: number;
  readonly kind: 'push' | 'pull';
  readonly sentAt: number;
  readonly arrivedAt: number | null;
}

/** Requests the network accepted ('sent' or 'duplicated'), with their first arrival. Runs without client crashes only. */
export function requestTrips(history: History, client: number): RequestTrip[] {
  const trips = new Map<number, { sentAt: number; kind: 'push' | 'pull'; arrivedAt: number | null }>();
  for (const e of history.events) {
    if (e.type === 'crash' && e.client === client) throw new Error(`requestTrips: client ${client} crashed at ${e.t} ms; requestIds are ambiguous`);
  }
  for (const e of history.messages) {
    if (e.client !== client || e.dir !== 'request') continue;
    if (e.fate === 'sent' || e.fate === 'duplicated') trips.set(e.requestId, { sentAt: e.t, kind: e.kind, arrivedAt: null });
    else if (e.fate === 'delivered') {
      const trip = trips.get(e.requestId);
      if (trip !== undefined && trip.arrivedAt === null) trip.arrivedAt = e.t;
    }
  }
  return [...trips].map(([requestId, trip]) => ({ client, requestId, ...trip }));
}

/**
 * queueIds whose fate is settled for good: applied (in the server's final log), dropped by a
 * server-wins conflict, dead-lettered, or cancelled by coalescing (create then delete).
 */
export function settledQueueIds(history: History): Set<string> {
  const settled = new Set<string>();
  for (const queueIds of Object.values(history.server?.appliedQueueIds ?? {})) for (const q of queueIds) settled.add(q);
  for (const client of history.clients) for (const dead of client.deadLetters) settled.add(dead.queueId);
  for (const e of history.events) {
    if (e.type !== 'engine') continue;
    const event = e.event;
    if (event.type === 'conflict' && event.outcome === 'server-wins') settled.add(event.queueId);
    else if (event.type === 'coalesced' && event.into === null) settled.add(event.queueId);
  }
  return settled;
}

// A run's history as a trace: one line per record, in recorded order, filtered to the clients,
// entities, items (queue ids), time window and record kinds asked for. What `syncstorm trace` prints; greppable
// and diffable where the HTML report is visual (TigerBeetle's simulator log, Jepsen's
// history.edn). Pure: records in, lines (or the records themselves, for JSON lines) out.
//
// Entity filtering follows an entity's ops through every record that names them: the invoke
// and complete of each op on it, engine events by entity id or by queue id (queue id → entity
// from 'enqueued'/'repair-enqueued'), the push requests that carried its items (by the 'sent'
// event of that request) with their answers and failures, and the server's applies of it.

import type { SyncEvent } from '../engine/events.ts';
import { forEachRecord, type History, type HistoryEvent } from '../sim/history.ts';
import { describeFaultSetting } from './fault-setting.ts';
import type { TraceKind } from './trace-kinds.ts';

export interface TraceFilter {
  /** History lanes (a device's index, or a second tab's); null: every client. */
  readonly clients: ReadonlySet<number> | null;
  /** Entity ids; null: every entity, and the records that name none. */
  readonly entities: ReadonlySet<string> | null;
  /** Queue ids (c3:17): the items' own story (with entities: either's); null: no such filter. */
  readonly queueIds: ReadonlySet<string> | null;
  /** Virtual time window, inclusive, in ms. */
  readonly fromMs: number;
  readonly toMs: number;
  /** null: every kind. */
  readonly kinds: ReadonlySet<TraceKind> | null;
}

export const TRACE_EVERYTHING: TraceFilter = { clients: null, entities: null, queueIds: null, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, kinds: null };

/**
 * Calls `visit` with each record the filter keeps, in recorded order; returns how many records
 * the history holds in all. Two passes when entities or items are asked for (the first learns
 * which queue ids, ops and push requests belong to them).
 */
export function selectTrace(history: History, filter: TraceFilter, visit: (record: HistoryEvent) => void): number {
  const lanesOfClientId = clientIdsOf(history, filter.clients);
  const queueIds = filter.queueIds;
  const related = filter.entities === null && queueIds === null ? null : relatedRecords(history, filter.entities, queueIds);
  const requests = new Incarnations();
  let total = 0;
  forEachRecord(history, (record) => {
    total++;
    requests.see(record);
    if (record.t < filter.fromMs || record.t > filter.toMs) return;
    if (filter.kinds !== null && !filter.kinds.has(record.type)) return;
    if (!clientKeeps(record, filter.clients, lanesOfClientId)) return;
    if (related !== null && !related.keeps(record, requests)) return;
    visit(record);
  });
  return total;
}

/** The clientIds (as the server sees them) of the chosen lanes, for its applies; null for every client. */
function clientIdsOf(history: History, clients: ReadonlySet<number> | null): ReadonlySet<string> | null {
  if (clients === null) return null;
  return new Set(history.clients.filter((c) => clients.has(c.client)).map((c) => c.clientId));
}

function clientKeeps(record: HistoryEvent, clients: ReadonlySet<number> | null, clientIds: ReadonlySet<string> | null): boolean {
  if (clients === null) return true;
  switch (record.type) {
    case 'apply':
      return clientIds!.has(record.change.clientId);
    case 'fault':
      // A server fault (client −1) is everyone's weather.
      return record.fault.client < 0 || clients.has(record.fault.client);
    case 'server':
    case 'phase':
      return true;
    default:
      return clients.has(record.client);
  }
}

/**
 * Counts each client's restarts, so a request is named by (client, incarnation, requestId):
 * a restarted engine numbers its requests from 1 again. (A server's answer recorded after its
 * client restarted counts in the new incarnation: the one imprecision, and only in a crash.)
 */
class Incarnations {
  private readonly count = new Map<number, number>();
  see(record: HistoryEvent): void {
    if (record.type === 'restart') this.count.set(record.client, (this.count.get(record.client) ?? 0) + 1);
  }
  requestKey(client: number, requestId: number): string {
    return `${client}/${this.count.get(client) ?? 0}/${requestId}`;
  }
}

interface Related {
  keeps(record: HistoryEvent, requests: Incarnations): boolean;
}

/**
 * What ties records to the chosen entities or items: the items' queue ids (the entities' from
 * their 'enqueued' events), the ops that made them, and the push requests that carried them.
 */
function relatedRecords(history: History, entities: ReadonlySet<string> | null, items: ReadonlySet<string> | null): Related {
  const queueIds = new Set<string>(items ?? []);
  const ops = new Set<string>();
  const pushes = new Set<string>();
  const requests = new Incarnations();
  const ofEntity = (entityId: string): boolean => entities !== null && entities.has(entityId);
  forEachRecord(history, (record) => {
    requests.see(record);
    if (record.type === 'invoke' && ofEntity(record.entityId)) ops.add(`${record.client}/${record.opId}`);
    // An op is an item's when it returned the item's queue id.
    if (record.type === 'complete' && record.queueId !== null && items !== null && items.has(record.queueId)) ops.add(`${record.client}/${record.opId}`);
    if (record.type !== 'engine') return;
    const event = record.event;
    if ((event.type === 'enqueued' || event.type === 'repair-enqueued') && ofEntity(event.entityId)) queueIds.add(event.queueId);
    if (event.type === 'sent' && event.queueIds.some((q) => queueIds.has(q))) pushes.add(requests.requestKey(record.client, event.requestId));
  });
  const eventKeeps = (client: number, event: SyncEvent, requests: Incarnations): boolean => {
    if ('queueId' in event && queueIds.has(event.queueId)) return true;
    if ('entityId' in event) return ofEntity(event.entityId);
    if (event.type === 'sent') return event.queueIds.some((q) => queueIds.has(q));
    if (event.type === 'coalesced') return queueIds.has(event.queueId) || (event.into !== null && queueIds.has(event.into));
    if ('queueId' in event) return queueIds.has(event.queueId);
    if (event.type === 'request-failed' && event.kind === 'push') return pushes.has(requests.requestKey(client, event.requestId));
    return false;
  };
  return {
    keeps(record, requests) {
      switch (record.type) {
        case 'invoke':
        case 'complete':
          return ops.has(`${record.client}/${record.opId}`);
        case 'engine':
          return eventKeeps(record.client, record.event, requests);
        case 'message':
          return record.kind === 'push' && pushes.has(requests.requestKey(record.client, record.requestId));
        case 'apply':
          return ofEntity(record.change.entityId) || queueIds.has(record.change.queueId);
        case 'fault':
        case 'crash':
        case 'restart':
        case 'migrate':
        case 'server':
        case 'phase':
          // What happened to the machine, not to an entity: kept, so the entity's story has its context.
          return true;
      }
    },
  };
}

/** `h:mm:ss.mmm` (negative times, as a client clock set behind may read, get a sign). */
export function formatTraceTime(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const milli = abs % 1000;
  return `${sign}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(milli).padStart(3, '0')}`;
}

/** Past this a clock reading is a real date (a real-network run's Date.now), not virtual time: 2001-09-09. */
const REAL_DATE_MS = 1e12;

/** A client's clock reading: virtual time as h:mm:ss.mmm, or, from a real-network run, the date it read (ISO, UTC). */
export function formatClockReading(ms: number): string {
  return ms >= REAL_DATE_MS ? new Date(ms).toISOString() : formatTraceTime(ms);
}

/** The lane column: `c3` for a device, `t55@c3` for the second tab in lane 55 over device 3's store, or who else acted. */
export function laneLabels(history: History): (record: HistoryEvent) => string {
  const tabOf = new Map<number, number>();
  for (const c of history.clients) if (c.tabOf !== undefined) tabOf.set(c.client, c.tabOf);
  const client = (lane: number): string => (tabOf.has(lane) ? `t${lane}@c${tabOf.get(lane)!}` : `c${lane}`);
  return (record) => {
    switch (record.type) {
      case 'apply':
      case 'server':
        return 'server';
      case 'fault':
        return 'nemesis';
      case 'phase':
        return 'run';
      default:
        return client(record.client);
    }
  };
}

/** One record as a trace line: true time, lane, then what happened (client-clock reading where the record has one). */
export function formatTraceLine(record: HistoryEvent, lane: string): string {
  return `${formatTraceTime(record.t)}  ${lane.padEnd(8)}  ${describeRecord(record)}`;
}

function describeRecord(record: HistoryEvent): string {
  switch (record.type) {
    case 'invoke': {
      const fields = record.action === 'read' || Object.keys(record.fields).length === 0 ? '' : ` ${JSON.stringify(record.fields)}`;
      return `invoke op ${record.opId}: ${record.action} ${record.entityId}${fields}  [clock ${formatClockReading(record.clientTime)}]`;
    }
    case 'complete': {
      const queueId = record.queueId === null ? '' : ` → ${record.queueId}`;
      const error = record.error === null ? '' : `: ${record.error}`;
      const value = record.value === undefined ? '' : ` read ${JSON.stringify(record.value)}`;
      return `${record.outcome} op ${record.opId}${queueId}${error}${value}`;
    }
    case 'engine': {
      const { type, at: _at, ...rest } = record.event;
      const args = keyValues(rest);
      return `${type}${args === '' ? '' : ` ${args}`}  [clock ${formatClockReading(record.clientTime)}]`;
    }
    case 'message':
      return `${record.kind} #${record.requestId} ${record.dir} ${record.fate}${record.detail === '' ? '' : ` (${record.detail})`}`;
    case 'apply': {
      const c = record.change;
      return `apply ${c.queueId}: ${c.action} ${c.entityId} rev ${c.revision} seq ${c.seq}${c.deleted ? ' (deleted)' : ''} for ${c.user}, instance ${record.instance}`;
    }
    case 'fault': {
      const f = record.fault;
      const on = f.client < 0 ? 'on the server' : `on c${f.client}`;
      const setting = describeFaultSetting(f.kind, f.param);
      return record.phase === 'start'
        ? `fault #${record.index} ${f.kind} starts ${on} for ${formatTraceTime(f.durationMs)}${setting === null ? '' : `: ${setting}`}`
        : `fault #${record.index} ${f.kind} stops ${on}`;
    }
    case 'crash':
      return `down (${record.cause}): ${record.detail}`;
    case 'restart':
      return `restart${record.detail === '' ? '' : `: ${record.detail}`}`;
    case 'migrate':
      return `migrate ${record.name}: schema v${record.fromVersion} → v${record.toVersion} for ${record.release} (${record.ops} ops)`;
    case 'server':
      return `server ${record.action}: epoch ${record.epoch}, instance ${record.instance}${record.detail === undefined ? '' : ` (${record.detail})`}`;
    case 'phase':
      return `— ${record.phase} —`;
  }
}

/** `queueId=c3:17 revision=4 replayed=false`: strings bare unless they need quotes, the rest as JSON. */
function keyValues(fields: Readonly<Record<string, unknown>>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`)
    .join(' ');
}

/**
 * The `syncstorm trace` filter that tells a violation's story: its clients — each with its
 * device's every lane, since tabs share one store — and the entities of its queue ids (from
 * their 'enqueued' events); '' when it names neither.
 */
export function traceArgsFor(history: History, violation: { readonly clients: readonly number[]; readonly queueIds: readonly string[] }): string {
  const wanted = new Set(violation.queueIds);
  const entities = new Set<string>();
  if (wanted.size > 0) {
    history.events.select(['engine:enqueued', 'engine:repair-enqueued'], (e) => {
      if (e.type === 'engine' && (e.event.type === 'enqueued' || e.event.type === 'repair-enqueued') && wanted.has(e.event.queueId)) entities.add(e.event.entityId);
    });
  }
  const args: string[] = [];
  const deviceOf = new Map<number, number>();
  for (const c of history.clients) if (c.tabOf !== undefined) deviceOf.set(c.client, c.tabOf);
  const devices = new Set(violation.clients.map((client) => deviceOf.get(client) ?? client));
  const lanes = new Set([...devices, ...[...deviceOf].filter(([, device]) => devices.has(device)).map(([lane]) => lane)]);
  if (lanes.size > 0) args.push(`--clients ${[...lanes].sort((a, b) => a - b).join(',')}`);
  if (entities.size > 0) args.push(`--entities ${[...entities].sort().join(',')}`);
  return args.join(' ');
}

// The message space-time diagram of a counterexample (Lamport / Maelstrom style): one lane per
// client of the slice plus the server, one arrow per message from where it was sent to where
// it arrived. This file derives what to draw from the History (pure, one pass); the drawing is
// space-time-svg.ts. Requests pair by (client, requestId): sent at the client, delivered (or
// refused) at the server, once per copy when the network duplicated it. The simulator records
// no arrival of a response, so a response's arrival is the first thing the client did with it:
// `pulled`/`request-failed` naming its request, or an ack/conflict/retry/dead letter of an item
// the request carried. An answer to a request the client had timed out or already had answered
// (the second answer to a duplicated request) is drawn as ignored; any other never acted on, as lost.

import { forEachRecord, type History, type HistoryEvent } from '../sim/history.ts';
import type { FaultPeriod } from './metrics-schema.ts';
import type { CounterexampleSlice } from './slice.ts';

/** Lane of the server in marks and fault spans (clients use their index). */
export const SERVER_LANE = -1;
/** Messages drawn at most; past this, those carrying the violating ops first, then the nearest in time. */
export const SPACE_TIME_MESSAGES_MAX = 48;
/** Lane marks (ops, applies, crashes, server events, violating events) drawn at most. */
export const SPACE_TIME_MARKS_MAX = 60;
const FAULTS_MAX = 16;

export type MessageEnd =
  | 'delivered' // arrived (at the server: delivered; at a client: acted on)
  | 'dropped' // lost by the network, or by a server instance that went away
  | 'refused' // device offline, or server down
  | 'ignored' // reached a client that had timed the request out or already had its answer
  | 'lost'; // never seen arriving before the run ended

export interface SpaceTimeMessage {
  readonly client: number;
  readonly kind: 'push' | 'pull';
  readonly dir: 'request' | 'response';
  readonly requestId: number;
  readonly sentAt: number;
  readonly end: MessageEnd;
  /** Time of arrival, refusal at the far end, or drop at the far end; null when it ended on the way. */
  readonly endAt: number | null;
  /** The network duplicated this message. */
  readonly duplicated: boolean;
  /** This arrow is an extra copy of a duplicated message. */
  readonly copy: boolean;
  /** It carried a violating op (a push of one of its queue ids, or the answer to one). */
  readonly highlighted: boolean;
  readonly queueIds: readonly string[];
  /** What the record says: a drop reason, the server's answer (`200`, `commit-then-fail`, …). */
  readonly detail: string;
}

export type MarkKind = 'op' | 'apply' | 'crash' | 'restart' | 'server' | 'event';

export interface SpaceTimeMark {
  /** Client index, or SERVER_LANE. */
  readonly lane: number;
  readonly t: number;
  readonly kind: MarkKind;
  readonly label: string;
  readonly highlighted: boolean;
  /** Op outcome colour hint: 'ok' | 'fail' | 'info' for ops, '' otherwise. */
  readonly outcome: string;
}

export interface SpaceTimeFault {
  readonly lane: number;
  readonly kind: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly param: number;
}

export interface SpaceTime {
  readonly clients: readonly number[];
  readonly clientIds: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
  readonly messages: readonly SpaceTimeMessage[];
  /** Messages of the slice's clients in the window, drawn or not. */
  readonly messagesInWindow: number;
  readonly marks: readonly SpaceTimeMark[];
  readonly marksInWindow: number;
  readonly faults: readonly SpaceTimeFault[];
}

interface Chain {
  readonly client: number;
  readonly kind: 'push' | 'pull';
  readonly requestId: number;
  readonly sentAt: number;
  readonly fate: string;
  readonly detail: string;
  /** Copies that arrived so far (a duplicated request arrives twice). */
  copies: number;
}

type MessageEvent = HistoryEvent & { type: 'message' };
type EngineEvent = HistoryEvent & { type: 'engine' };

/** Pairs message records into arrows for the slice's clients (all of the run; select() windows them). */
class MessagePairing {
  readonly messages: SpaceTimeMessage[] = [];
  private readonly carried = new Map<string, readonly string[]>();
  private readonly requests = new Map<string, Chain>();
  /** Answers sent and not yet acted on, oldest first, by `client/requestId` (a duplicated request is answered twice). */
  private readonly responses = new Map<string, Chain[]>();
  /** Requests the client timed out, or already had an answer to: a later answer is ignored. */
  private readonly settled = new Set<string>();

  constructor(private readonly violating: ReadonlySet<string>) {}

  onMessage(e: MessageEvent): void {
    const key = `${e.client}/${e.requestId}`;
    if (e.dir === 'request') {
      const open = this.requests.get(key);
      if (open !== undefined && (e.fate === 'delivered' || e.fate === 'refused')) {
        open.copies++;
        this.emit(open, 'request', e.fate, e.t, e.detail || open.detail);
        return;
      }
      this.requests.delete(key);
      const chain = this.chainOf(e);
      if (e.fate === 'dropped' || e.fate === 'refused') this.emit(chain, 'request', e.fate, null);
      else this.requests.set(key, chain);
      return;
    }
    const open = this.responses.get(key);
    if (open !== undefined && open.length > 0 && e.fate === 'dropped') {
      // Dropped at the client's end: the server instance that answered is gone.
      this.emit(open.shift()!, 'response', 'dropped', e.t, e.detail);
      return;
    }
    const chain = this.chainOf(e);
    if (e.fate === 'dropped') this.emit(chain, 'response', 'dropped', null);
    else if (open === undefined) this.responses.set(key, [chain]);
    else open.push(chain);
  }

  onEngine(e: EngineEvent): void {
    const ev = e.event;
    const key = 'requestId' in ev ? `${e.client}/${ev.requestId}` : '';
    if (ev.type === 'sent') {
      // A restarted client numbers its requests afresh: what was open under this id is over.
      this.endAll(key);
      this.carried.set(key, ev.queueIds);
      this.settled.delete(key);
    } else if (ev.type === 'pulled') this.arrived(key, e.t);
    else if (ev.type === 'request-failed') {
      // `http` is an answer that arrived; `unknown` a timeout, after which any answer is ignored.
      if (ev.outcome === 'http') this.arrived(key, e.t);
      else if (ev.outcome === 'unknown') this.settled.add(key);
    } else if (ev.type === 'acked' || ev.type === 'conflict' || ev.type === 'retried' || ev.type === 'dead-lettered') {
      this.arrivedByItem(e.client, ev.queueId, e.t);
    }
  }

  /** Requests and answers still open when the run ended. */
  finish(): void {
    for (const chain of this.requests.values()) if (chain.copies === 0) this.emit(chain, 'request', 'lost', null);
    for (const key of [...this.responses.keys()]) this.endAll(key);
  }

  private chainOf(e: MessageEvent): Chain {
    return { client: e.client, kind: e.kind, requestId: e.requestId, sentAt: e.t, fate: e.fate, detail: e.detail, copies: 0 };
  }

  private arrived(key: string, t: number): void {
    const open = this.responses.get(key);
    if (open === undefined || this.settled.has(key) || open[0] === undefined || open[0].sentAt > t) return;
    this.emit(open.shift()!, 'response', 'delivered', t);
    this.settled.add(key);
  }

  /** The oldest open answer to a push that carried queueId. */
  private arrivedByItem(client: number, queueId: string, t: number): void {
    let best: string | null = null;
    let bestSentAt = Infinity;
    for (const [key, open] of this.responses) {
      const chain = open[0];
      if (chain === undefined || chain.client !== client || chain.kind !== 'push' || chain.sentAt > t || chain.sentAt >= bestSentAt || this.settled.has(key)) continue;
      if ((this.carried.get(key) ?? []).includes(queueId)) {
        best = key;
        bestSentAt = chain.sentAt;
      }
    }
    if (best !== null) this.arrived(best, t);
  }

  /** Every answer still open under key: ignored when its request was settled, else never seen arriving. */
  private endAll(key: string): void {
    const open = this.responses.get(key);
    this.responses.delete(key);
    for (const chain of open ?? []) this.emit(chain, 'response', this.settled.has(key) ? 'ignored' : 'lost', null);
  }

  private emit(chain: Chain, dir: 'request' | 'response', end: MessageEnd, endAt: number | null, detail = chain.detail): void {
    const queueIds = this.carried.get(`${chain.client}/${chain.requestId}`) ?? [];
    this.messages.push({
      client: chain.client, kind: chain.kind, dir, requestId: chain.requestId, sentAt: chain.sentAt, end, endAt,
      duplicated: chain.fate === 'duplicated', copy: chain.copies > 1, highlighted: queueIds.some((q) => this.violating.has(q)), queueIds, detail,
    });
  }
}

export function buildSpaceTime(history: History, slice: CounterexampleSlice, faultPeriods: readonly FaultPeriod[], messagesMax = SPACE_TIME_MESSAGES_MAX): SpaceTime {
  const lanes = new Set(slice.clients);
  const inWindow = (t: number): boolean => t >= slice.startMs && t <= slice.endMs;
  const pairing = new MessagePairing(slice.queueIds);
  const marks: SpaceTimeMark[] = [];
  const invokes = new Map<string, { t: number; what: string }>();
  const clientOf = new Map(history.clients.filter((c) => c.tabOf === undefined).map((c) => [c.clientId, c.client]));
  forEachRecord(history, (e, index) => {
    if (e.type === 'server') {
      if (inWindow(e.t)) marks.push({ lane: SERVER_LANE, t: e.t, kind: 'server', label: `server ${e.action} (epoch ${e.epoch})`, highlighted: slice.events.has(index), outcome: '' });
    } else if (e.type === 'apply') {
      const client = clientOf.get(e.change.clientId);
      if (!inWindow(e.t) || client === undefined || !lanes.has(client)) return;
      const label = `apply ${e.change.queueId} (${e.change.action} ${e.change.entityId}) → revision ${e.change.revision}`;
      marks.push({ lane: SERVER_LANE, t: e.t, kind: 'apply', label, highlighted: slice.queueIds.has(e.change.queueId) || slice.events.has(index), outcome: '' });
    } else if (!('client' in e) || !lanes.has(e.client)) {
      return;
    } else if (e.type === 'message') {
      pairing.onMessage(e);
    } else if (e.type === 'engine') {
      pairing.onEngine(e);
      const ev = e.event;
      if (slice.events.has(index) && inWindow(e.t) && ev.type !== 'sent') {
        marks.push({ lane: e.client, t: e.t, kind: 'event', label: `${ev.type}${'queueId' in ev ? ` ${ev.queueId}` : ''}`, highlighted: true, outcome: '' });
      }
    } else if (e.type === 'invoke') {
      invokes.set(`${e.client}/${e.opId}`, { t: e.t, what: `${e.action} ${e.entityId}` });
    } else if (e.type === 'complete') {
      const key = `${e.client}/${e.opId}`;
      const invoke = invokes.get(key);
      invokes.delete(key);
      if (invoke === undefined || !inWindow(invoke.t)) return;
      const label = `${invoke.what}${e.queueId === null ? '' : ` → ${e.queueId}`}${e.outcome === 'ok' ? '' : ` (${e.outcome}${e.error === null ? '' : `: ${e.error}`})`}`;
      marks.push({ lane: e.client, t: invoke.t, kind: 'op', label, highlighted: slice.ops.has(key), outcome: e.outcome });
    } else if (e.type === 'crash' || e.type === 'restart') {
      // A down engine names its cause ('crash: …', 'rebuild: storage stale', 'close: …'); a restart is just that.
      if (inWindow(e.t)) marks.push({ lane: e.client, t: e.t, kind: e.type, label: `${e.type === 'crash' ? e.cause : e.type}: ${e.detail}`, highlighted: false, outcome: '' });
    }
  });
  pairing.finish();
  return select(history, slice, pairing.messages, marks, faultPeriods, messagesMax);
}

/** What falls in the window, capped: violating first, then nearest the violation's time; drawn in time order. */
function select(history: History, slice: CounterexampleSlice, messages: readonly SpaceTimeMessage[], marks: readonly SpaceTimeMark[], faultPeriods: readonly FaultPeriod[], messagesMax: number): SpaceTime {
  const inWindow = (t: number | null): boolean => t !== null && t >= slice.startMs && t <= slice.endMs;
  const near = (t: number): number => Math.abs(t - slice.focusMs);
  const windowMessages = messages.filter((m) => inWindow(m.sentAt) || inWindow(m.endAt));
  const drawn = [...windowMessages]
    .sort((a, b) => Number(b.highlighted) - Number(a.highlighted) || near(a.sentAt) - near(b.sentAt) || a.sentAt - b.sentAt)
    .slice(0, messagesMax)
    .sort((a, b) => a.sentAt - b.sentAt || (a.dir === b.dir ? 0 : a.dir === 'request' ? -1 : 1) || a.requestId - b.requestId);
  const keptMarks = [...marks]
    .sort((a, b) => Number(b.highlighted) - Number(a.highlighted) || near(a.t) - near(b.t) || a.t - b.t)
    .slice(0, SPACE_TIME_MARKS_MAX)
    .sort((a, b) => a.t - b.t);
  const lanes = new Set([...slice.clients, SERVER_LANE]);
  const faults = faultPeriods
    .filter((p) => lanes.has(p.client < 0 ? SERVER_LANE : p.client) && p.endMs >= slice.startMs && p.startMs <= slice.endMs)
    .slice(0, FAULTS_MAX)
    .map((p) => ({ lane: p.client < 0 ? SERVER_LANE : p.client, kind: p.kind, startMs: Math.max(p.startMs, slice.startMs), endMs: Math.min(p.endMs, slice.endMs), param: p.param }));
  return {
    clients: slice.clients,
    clientIds: slice.clients.map((c) => history.clients[c]?.clientId ?? `c${c}`),
    startMs: slice.startMs,
    endMs: slice.endMs,
    messages: drawn,
    messagesInWindow: windowMessages.length,
    marks: keptMarks,
    marksInWindow: marks.length,
    faults,
  };
}

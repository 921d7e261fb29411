// The simulated world: one scheduler, the virtual clients, the in-process server and the
// network between them. Every event is plain data fired in (time, sequence) order; handlers
// never recurse into each other, they schedule. Faults live in nemesis.ts, the workload in
// workload.ts; the phases (chaos, heal, converge) in runner.ts.

import type { TimerName } from '../engine/core/types.ts';
import type { PullQuery, PullResponse, PushRequest, PushResponse } from '../engine/protocol.ts';
import type { TransportOutcome } from '../engine/ports.ts';
import type { SyncEvent } from '../engine/events.ts';
import type { ClientHost, VirtualClient } from './client.ts';
import type { HistoryEvent, HistoryRecorder } from './history.ts';
import { ANSWER_DELAY_MS } from './answers.ts';
import { decideDelivery } from './link.ts';
import type { Rng } from './rng.ts';
import { Scheduler } from './scheduler.ts';
import type { SimServer } from './server.ts';

export type SimEvent =
  | { readonly k: 'op'; readonly index: number }
  | { readonly k: 'fault-start' | 'fault-stop'; readonly index: number }
  | { readonly k: 'timer'; readonly client: number; readonly generation: number; readonly timer: TimerName }
  | { readonly k: 'server-recv'; readonly client: number; readonly generation: number; readonly requestId: number; readonly kind: 'push' | 'pull'; readonly body: PushRequest | PullQuery; readonly token: string }
  | {
      readonly k: 'client-recv';
      readonly client: number;
      readonly generation: number;
      readonly requestId: number;
      readonly kind: 'push' | 'pull';
      readonly outcome: TransportOutcome<PushResponse | PullResponse>;
      /** Server instance that answered (null for a refusal): a crash or failover kills its connections. */
      readonly instance: number | null;
    }
  | { readonly k: 'token'; readonly client: number; readonly generation: number }
  /** The device's person answers the conflicts open on it (sim/answers.ts); outlives crashes, as people do. */
  | { readonly k: 'answer'; readonly client: number }
  | { readonly k: 'heal' }
  | { readonly k: 'check' };

/** Time a client waits to learn that a request was refused (connection refused/reset). */
const REFUSED_NOTICE_MS = 5;
/** Time to fetch a new token (out of band, never faulted: auth is not what we test here). */
const TOKEN_FETCH_MS = 50;

export class World implements ClientHost {
  readonly scheduler: Scheduler<SimEvent>;
  /** Every engine by history index: the devices (0 … config.clients − 1), then one slot per second-tab fault of the plan. */
  readonly clients: VirtualClient[] = [];
  /** The devices alone (each with its store): what starts, heals and must converge. */
  readonly devices: VirtualClient[] = [];
  /** Fault index of each second-tab fault → the index of the tab it opens in `clients`. */
  readonly tabSlots = new Map<number, number>();

  constructor(
    readonly server: SimServer,
    readonly recorder: HistoryRecorder,
    private readonly networkRng: Rng,
    private readonly answersRng: Rng,
    limits: { eventsMax: number; timeMsMax: number },
  ) {
    this.scheduler = new Scheduler<SimEvent>(limits);
  }

  get now(): number {
    return this.scheduler.now;
  }

  record(event: HistoryEvent): void {
    this.recorder.record(event);
  }

  recordEngine(client: number, clientTime: number, event: SyncEvent): void {
    this.recorder.engine(this.now, client, clientTime, event);
    if (event.type === 'conflict' && event.outcome === 'manual') this.scheduler.after(ANSWER_DELAY_MS, { k: 'answer', client });
  }

  armTimer(client: number, generation: number, timer: TimerName, trueDelayMs: number): number {
    return this.scheduler.after(trueDelayMs, { k: 'timer', client, generation, timer });
  }

  cancelTimer(eventId: number): void {
    this.scheduler.cancel(eventId);
  }

  refreshToken(client: VirtualClient): void {
    this.scheduler.after(TOKEN_FETCH_MS, { k: 'token', client: client.index, generation: client.generation });
  }

  sendRequest(client: VirtualClient, requestId: number, kind: 'push' | 'pull', body: PushRequest | PullQuery): void {
    const t = this.now;
    const index = client.index;
    if (client.token === null) client.token = this.server.issueToken(client.user, t);
    // Messages go straight to the recorder's columns, no record object (a hot path: ~1 M messages an hour at 1,000 clients).
    const device = client.device;
    if (!device.online) {
      this.recorder.message(t, index, kind, 'request', requestId, 'refused', 'device offline');
      this.scheduler.after(REFUSED_NOTICE_MS, { k: 'client-recv', client: client.index, generation: client.generation, requestId, kind, outcome: { kind: 'unsent', reason: 'offline' }, instance: null });
      return;
    }
    const decision = decideDelivery(device.link, 'request', this.networkRng);
    if (decision.kind === 'drop') {
      this.recorder.message(t, index, kind, 'request', requestId, 'dropped', decision.reason);
      return;
    }
    this.recorder.message(t, index, kind, 'request', requestId, decision.delaysMs.length > 1 ? 'duplicated' : 'sent', '');
    for (const delayMs of decision.delaysMs) {
      this.scheduler.after(delayMs, { k: 'server-recv', client: client.index, generation: client.generation, requestId, kind, body, token: client.token });
    }
  }

  /** A request reached the server: answer it (or not), and send the answer back. */
  onServerRecv(e: Extract<SimEvent, { k: 'server-recv' }>): void {
    const t = this.now;
    const client = this.clients[e.client]!;
    const server = this.server;
    if (!server.up) {
      this.recorder.message(t, e.client, e.kind, 'request', e.requestId, 'refused', 'server down');
      this.scheduler.after(REFUSED_NOTICE_MS, { k: 'client-recv', client: e.client, generation: e.generation, requestId: e.requestId, kind: e.kind, outcome: { kind: 'unsent', reason: 'connection refused' }, instance: null });
      return;
    }
    this.recorder.message(t, e.client, e.kind, 'request', e.requestId, 'delivered', '');
    const answer = e.kind === 'push' ? server.push(e.token, e.body as PushRequest, t) : server.pull(e.token, e.body as PullQuery, t);
    for (const change of answer.applied) this.record({ t, type: 'apply', user: change.user, instance: server.instance, change });
    const decision = decideDelivery(client.device.link, 'response', this.networkRng);
    if (decision.kind === 'drop') {
      this.recorder.message(t, e.client, e.kind, 'response', e.requestId, 'dropped', `${decision.reason} (${answer.detail})`);
      return;
    }
    this.recorder.message(t, e.client, e.kind, 'response', e.requestId, decision.delaysMs.length > 1 ? 'duplicated' : 'sent', answer.detail);
    for (const delayMs of decision.delaysMs) {
      this.scheduler.after(delayMs + answer.delayMs, { k: 'client-recv', client: e.client, generation: e.generation, requestId: e.requestId, kind: e.kind, outcome: answer.outcome, instance: server.instance });
    }
  }

  onClientRecv(e: Extract<SimEvent, { k: 'client-recv' }>): void {
    const client = this.clients[e.client]!;
    if (client.generation !== e.generation || !client.isUp) return; // the connection died with the client
    if (e.instance !== null && e.instance !== this.server.instance) {
      this.recorder.message(this.now, e.client, e.kind, 'response', e.requestId, 'dropped', 'server instance gone');
      return;
    }
    if (!client.device.online && e.outcome.kind !== 'unsent') return; // an offline device hears nothing
    const now = client.clientTime();
    if (e.kind === 'push') client.step({ type: 'push-result', now, requestId: e.requestId, outcome: e.outcome as TransportOutcome<PushResponse> });
    else client.step({ type: 'pull-result', now, requestId: e.requestId, outcome: e.outcome as TransportOutcome<PullResponse> });
  }

  onToken(e: Extract<SimEvent, { k: 'token' }>): void {
    const client = this.clients[e.client]!;
    if (client.generation !== e.generation || !client.isUp) return;
    client.token = this.server.issueToken(client.user, this.now);
    client.step({ type: 'token-refreshed', now: client.clientTime(), ok: true });
  }

  /** With the app closed, or an answer lost (a crash as it was saved), the person tries again later. */
  onAnswer(e: Extract<SimEvent, { k: 'answer' }>): void {
    const client = this.clients[e.client]!;
    // A closed tab's conflicts are in its device's store: the person answers them there.
    if (client.tabOf !== null && !client.isUp) {
      this.scheduler.after(ANSWER_DELAY_MS, { k: 'answer', client: client.tabOf.index });
      return;
    }
    if (client.isUp) client.answerConflicts(this.answersRng);
    if (!client.isUp || client.core!.conflicts().length > 0) this.scheduler.after(ANSWER_DELAY_MS, e);
  }

  onTimer(e: Extract<SimEvent, { k: 'timer' }>): void {
    const client = this.clients[e.client]!;
    if (client.generation !== e.generation || !client.isUp) return;
    client.onTimer(e.timer);
  }
}

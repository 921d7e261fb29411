// A virtual client: the real SyncCore over a crashable store, its own skewed clock, timers
// on the simulation's scheduler, and the simulated network. It carries out the core's
// effects synchronously; a crash between two effects drops the rest, and a restart rebuilds
// the core from what the store made durable, exactly as a device would.

import { SyncCore } from '../engine/core/sync-core.ts';
import type { CoreEffect, CoreInput, TimerName } from '../engine/core/types.ts';
import type { CoreVariant } from '../engine/core/variant.ts';
import type { EngineOptions } from '../engine/options.ts';
import type { PullQuery, PushRequest } from '../engine/protocol.ts';
import type { RandomPort } from '../engine/ports.ts';
import type { ClientClock } from './clock.ts';
import type { CrashableStore } from './store.ts';
import type { HistoryEvent } from './history.ts';
import type { LinkConfig } from './link.ts';
import type { Fault } from './types.ts';

export interface ClientHost {
  readonly now: number;
  armTimer(client: number, generation: number, timer: TimerName, trueDelayMs: number): number;
  cancelTimer(eventId: number): void;
  sendRequest(client: VirtualClient, requestId: number, kind: 'push' | 'pull', body: PushRequest | PullQuery): void;
  refreshToken(client: VirtualClient): void;
  record(event: HistoryEvent): void;
}

/** Which step an armed crash cuts; a client-crash fault's param picks one (bits 3–4) and the cut (bits 0–2). */
export const CRASH_TARGETS = ['any', 'write', 'pull-result', 'push-result'] as const;
export type CrashTarget = (typeof CRASH_TARGETS)[number];

export function crashOfParam(param: number): { afterEffects: number; target: CrashTarget } {
  return { afterEffects: param & 7, target: CRASH_TARGETS[(param >> 3) & 3]! };
}

export class VirtualClient {
  core: SyncCore | null = null;
  /** Bumped on every crash: events meant for an older incarnation are dropped. */
  generation = 0;
  /** The device's connectivity as the OS reports it. */
  online = true;
  token: string | null = null;
  link: LinkConfig;
  readonly activeFaults: Fault[] = [];
  /** An armed crash: the next step of the target kind, long enough, crashes after `afterEffects` effects. */
  crash: { readonly afterEffects: number; readonly target: CrashTarget } | null = null;
  private readonly timers = new Map<TimerName, number>();
  /** opIds not answered yet (a crash leaves them unknown). */
  private readonly openOps = new Set<number>();
  /** A commit of the current step already reached storage. */
  private committedThisStep = false;
  /** Failed commits since the last one that succeeded (backs off the restart's first sync). */
  private storageFailures = 0;

  constructor(
    readonly index: number,
    readonly user: string,
    readonly options: EngineOptions,
    readonly clock: ClientClock,
    readonly store: CrashableStore,
    private readonly random: RandomPort,
    private readonly variant: CoreVariant,
    private readonly host: ClientHost,
    readonly baseLink: LinkConfig,
  ) {
    this.link = baseLink;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  get isUp(): boolean {
    return this.core !== null;
  }

  clientTime(): number {
    return this.clock.read(this.host.now);
  }

  /** Build the core from durable storage and start it. */
  start(): void {
    this.core = new SyncCore(this.options, this.store.loadSnapshot(), this.random, this.variant);
    this.step({ type: 'start', now: this.clientTime(), online: this.online, storageFailures: this.storageFailures });
  }

  /** Lose memory, timers and connections. Open ops become unknown (info), or failed when nothing of them can have been durable. */
  crashNow(detail: string, openOutcome: 'info' | 'fail' = 'info'): void {
    if (this.core === null) return;
    this.core = null;
    this.generation++;
    for (const id of this.timers.values()) this.host.cancelTimer(id);
    this.timers.clear();
    this.crash = null;
    const t = this.host.now;
    for (const opId of this.openOps) this.host.record({ t, type: 'complete', client: this.index, opId, outcome: openOutcome, queueId: null, error: `crashed before the answer: ${detail}` });
    this.openOps.clear();
    this.host.record({ t, type: 'crash', client: this.index, detail });
  }

  restart(): void {
    if (this.core !== null) return;
    this.host.record({ t: this.host.now, type: 'restart', client: this.index, detail: '' });
    this.start();
  }

  /** Feed one input; `opId` (for writes) is tracked so a crash can report it as unknown. */
  step(input: CoreInput, opId?: number): void {
    const core = this.core;
    if (core === null) return;
    if (opId !== undefined) this.openOps.add(opId);
    const effects = core.step(input, this.host.now);
    this.committedThisStep = false;
    // An armed crash waits for a step long enough to cut: it lands between two effects.
    const armed = this.crash;
    const crashAt = armed !== null && armed.afterEffects < effects.length && (armed.target === 'any' || armed.target === input.type) ? armed.afterEffects : null;
    for (let i = 0; i < effects.length; i++) {
      if (crashAt !== null && i >= crashAt) {
        this.crashNow(`between effects ${i} and ${i + 1} of ${effects.length} (${input.type})`);
        return;
      }
      if (!this.perform(effects[i]!)) return;
    }
  }

  /** Carry out one effect; false when it crashed the client (storage failure). */
  private perform(effect: CoreEffect): boolean {
    const host = this.host;
    switch (effect.type) {
      case 'commit': {
        const result = this.store.commit(effect.ops);
        if (result.ok) {
          this.committedThisStep = true;
          this.storageFailures = 0;
          for (const event of effect.events) host.record({ t: host.now, type: 'engine', client: this.index, clientTime: this.clientTime(), event });
          return true;
        }
        // The engine's rule for a failed commit: rebuild from durable storage (a soft crash).
        this.storageFailures++;
        // A refused atomic commit applied nothing: its write definitely failed, unless an
        // earlier commit of the same step (or a torn one) left part of it durable.
        this.crashNow(`storage ${result.code}`, result.code === 'quota' && !this.committedThisStep ? 'fail' : 'info');
        this.restart();
        return false;
      }
      case 'push':
      case 'pull':
        host.sendRequest(this, effect.requestId, effect.type, effect.type === 'push' ? effect.request : effect.query);
        return true;
      case 'arm': {
        const prior = this.timers.get(effect.timer);
        if (prior !== undefined) host.cancelTimer(prior);
        this.timers.set(effect.timer, host.armTimer(this.index, this.generation, effect.timer, this.clock.trueDelayFor(effect.delayMs)));
        return true;
      }
      case 'disarm': {
        const prior = this.timers.get(effect.timer);
        if (prior !== undefined) host.cancelTimer(prior);
        this.timers.delete(effect.timer);
        return true;
      }
      case 'refresh-token':
        host.refreshToken(this);
        return true;
      case 'event':
        host.record({ t: host.now, type: 'engine', client: this.index, clientTime: this.clientTime(), event: effect.event });
        return true;
      case 'reply': {
        this.openOps.delete(effect.opId);
        const r = effect.reply;
        host.record({ t: host.now, type: 'complete', client: this.index, opId: effect.opId, outcome: r.ok ? 'ok' : 'fail', queueId: r.ok ? r.queueId : null, error: r.ok ? null : `${r.code}: ${r.message}` });
        return true;
      }
    }
  }

  /** A timer fired: forget its handle, then step. */
  onTimer(timer: TimerName): void {
    this.timers.delete(timer);
    this.step({ type: 'timer', now: this.clientTime(), timer });
  }
}

// SyncEngine: the async driver of SyncCore over real ports. It feeds inputs one at a time,
// carries out each step's effects in order (awaiting every commit before the effects after
// it), and turns transport answers, timers and connectivity into inputs. A storage failure
// is handled like a crash: the rest of that step is dropped and the core is rebuilt from
// what storage holds, so memory never runs ahead of disk.

import { buildEngineOptions, type EngineOptions } from './options.ts';
import { StorageError, type ClockPort, type ConnectivityPort, type EventSinkPort, type RandomPort, type StoragePort, type TimerHandle, type TimerPort, type TokenProviderPort, type TransportPort } from './ports.ts';
import type { SyncEvent, SyncStatus } from './events.ts';
import type { Action, Fields } from './protocol.ts';
import { HEAD_KEY, headOf, type EntityRecord, type ConflictRecord, type DeadLetterRecord } from './model.ts';
import { SyncCore } from './core/sync-core.ts';
import type { ConflictResolution, CoreEffect, CoreInput, OpReply, TimerName } from './core/types.ts';
import { CORRECT_VARIANT, type CoreVariant } from './core/variant.ts';
import { migrateOnStart } from './schema/versioned-storage.ts';

export interface EnginePorts {
  readonly clock: ClockPort;
  readonly timers: TimerPort;
  readonly random: RandomPort;
  readonly storage: StoragePort;
  readonly transport: TransportPort;
  readonly connectivity: ConnectivityPort;
  readonly tokens: TokenProviderPort;
  readonly events?: EventSinkPort;
}

export class WriteRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WriteRefusedError';
  }
}

type Listener<T> = (value: T) => void;
type InputWithoutTime = CoreInput extends infer I ? (I extends { now: number } ? Omit<I, 'now'> : never) : never;

export class SyncEngine {
  private core!: SyncCore;
  /** Bumped on every rebuild: answers meant for an older core are dropped. */
  private generation = 0;
  private readonly inputs: Array<{ input: InputWithoutTime; generation: number }> = [];
  /** The running drain loop, if any. */
  private draining: Promise<void> | null = null;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly replies = new Map<number, { resolve: (r: OpReply) => void; reject: (e: unknown) => void }>();
  private opIdNext = 1;
  private readonly statusListeners = new Set<Listener<SyncStatus>>();
  private readonly changeListeners = new Set<Listener<ReadonlySet<string>>>();
  private readonly unsubscribeConnectivity: () => void;
  private lastStatusJson = '';
  /** Failed commits since the last one that succeeded. */
  private storageFailures = 0;
  private closed = false;

  private constructor(
    readonly options: EngineOptions,
    private readonly ports: EnginePorts,
    private readonly variant: CoreVariant,
  ) {
    this.unsubscribeConnectivity = ports.connectivity.subscribe((online) => this.enqueue({ type: 'connectivity', online }));
  }

  /**
   * Migrates the store to the schema this engine writes (engine/schema/: one atomic commit per
   * version, so a crash here leaves a store the next open continues from), then boots the core.
   * Rejects with SchemaError, nothing written, for a store written by a newer release.
   */
  static async open(options: Partial<EngineOptions> & { clientId: string }, ports: EnginePorts, variant: CoreVariant = CORRECT_VARIANT): Promise<SyncEngine> {
    const built = buildEngineOptions(options);
    await migrateOnStart(ports.storage);
    const engine = new SyncEngine(built, ports, variant);
    await engine.rebuild();
    return engine;
  }

  /** Apply a local write; resolves with its queueId once it is durable. */
  write(action: Action, entityType: string, entityId: string, fields: Fields): Promise<string | null> {
    return this.ask({ type: 'write', opId: this.opIdNext++, action, entityType, entityId, fields });
  }

  resolveConflict(conflictId: string, resolution: ConflictResolution): Promise<string | null> {
    return this.ask({ type: 'resolve-conflict', opId: this.opIdNext++, conflictId, resolution });
  }

  /** Push and pull now (single-flight: joins a sync already running). */
  forceSync(): void {
    this.enqueue({ type: 'sync' });
  }

  get(entityType: string, entityId: string): EntityRecord | undefined {
    return this.core.get(entityType, entityId);
  }
  list(entityType?: string): EntityRecord[] {
    return this.core.list(entityType);
  }
  status(): SyncStatus {
    return this.core.status();
  }
  conflicts(): ConflictRecord[] {
    return this.core.conflicts();
  }
  deadLetters(): DeadLetterRecord[] {
    return this.core.deadLetters();
  }

  /** Called with the status after every change of it; returns an unsubscribe function. */
  onStatus(listener: Listener<SyncStatus>): () => void {
    this.statusListeners.add(listener);
    listener(this.core.status());
    return () => this.statusListeners.delete(listener);
  }

  /** Called with the entity types whose records changed; returns an unsubscribe function. */
  onChange(listener: Listener<ReadonlySet<string>>): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Reloads from storage if another engine over the same store (another tab) committed since
   * this one's image: call it when the app's tab regains focus. Resolves true when it reloaded.
   * (A commit made from a stale image is refused and reloads anyway; this shows the other
   * tab's writes sooner, and sends them if that tab closed before it could.)
   */
  async refresh(): Promise<boolean> {
    while (this.draining !== null) await this.draining;
    let reloaded = false;
    // Runs in the input loop's place, so no step interleaves with the reload.
    const job = (async () => {
      const stored = headOf((await this.ports.storage.load()).metadata.get(HEAD_KEY));
      if (this.closed || stored === this.core.head()) return;
      await this.rebuild(this.core.clockBaseline);
      reloaded = true;
    })().finally(() => {
      this.draining = null;
      if (this.inputs.length > 0) this.startDrain();
    });
    this.draining = job;
    await job;
    if (reloaded) this.notify(new Set(this.core.list().map((record) => record.entityType)));
    return reloaded;
  }

  /** Resolves once no input is waiting and no step is running. */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    for (const handle of this.timers.values()) this.ports.timers.clear(handle);
    this.timers.clear();
    this.unsubscribeConnectivity();
    await this.ports.storage.close();
  }

  private ask(input: InputWithoutTime & { opId: number }): Promise<string | null> {
    return new Promise<OpReply>((resolve, reject) => {
      this.replies.set(input.opId, { resolve, reject });
      this.enqueue(input);
    }).then((reply) => {
      if (!reply.ok) throw new WriteRefusedError(reply.code, reply.message);
      return reply.queueId;
    });
  }

  private enqueue(input: InputWithoutTime, generation = this.generation): void {
    if (this.closed) return;
    this.inputs.push({ input, generation });
    this.startDrain();
  }

  private startDrain(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
      // An input enqueued after the loop's last check, before this callback, would wait forever.
      if (this.inputs.length > 0) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    while (this.inputs.length > 0) {
      const { input, generation } = this.inputs.shift()!;
      if (generation !== this.generation) continue;
      const baselineBefore = this.core.clockBaseline;
      const effects = this.core.step({ ...input, now: this.ports.clock.now() } as CoreInput, this.ports.clock.monotonic?.());
      await this.carryOut(effects, baselineBefore, input);
    }
  }

  /**
   * `baselineBefore`: the core's clock baseline before the step (SyncCore.clockBaseline), kept if none of its commits lands.
   * `input`: the step's input; a write whose first commit is refused as stale is made again after the rebuild.
   */
  private async carryOut(effects: readonly CoreEffect[], baselineBefore: number | null, input: InputWithoutTime | null = null): Promise<void> {
    const changedTypes = new Set<string>();
    let committed = false;
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i]!;
      if (effect.type === 'commit') {
        try {
          await this.ports.storage.commit(effect.ops, effect.head);
          this.storageFailures = 0;
          committed = true;
        } catch (error) {
          this.storageFailures++;
          // Stale: another engine over the store (a tab) committed since this image was loaded. The
          // refused commit applied nothing, so the write is made again over what the store holds now.
          const retry = !committed && input?.type === 'write' && error instanceof StorageError && error.code === 'stale' ? input : null;
          await this.recoverFromStorageFailure(effects.slice(i + 1), error, committed ? this.core.clockBaseline : baselineBefore, retry);
          return;
        }
        for (const op of effect.ops) if (op.box === 'entities') changedTypes.add(op.key.slice(0, op.key.indexOf('\u0000')));
        for (const event of effect.events) this.ports.events?.emit(event);
      } else {
        this.perform(effect);
      }
    }
    this.notify(changedTypes);
  }

  private perform(effect: Exclude<CoreEffect, { type: 'commit' }>): void {
    const generation = this.generation;
    switch (effect.type) {
      case 'push':
        void this.tokenThen((token) => this.ports.transport.push(effect.request, token)).then((outcome) => this.enqueue({ type: 'push-result', requestId: effect.requestId, outcome }, generation));
        break;
      case 'pull':
        void this.tokenThen((token) => this.ports.transport.pull(effect.query, token)).then((outcome) => this.enqueue({ type: 'pull-result', requestId: effect.requestId, outcome }, generation));
        break;
      case 'arm': {
        const prior = this.timers.get(effect.timer);
        if (prior !== undefined) this.ports.timers.clear(prior);
        this.timers.set(effect.timer, this.ports.timers.set(effect.delayMs, () => {
          this.timers.delete(effect.timer);
          this.enqueue({ type: 'timer', timer: effect.timer }, generation);
        }));
        break;
      }
      case 'disarm': {
        const prior = this.timers.get(effect.timer);
        if (prior !== undefined) this.ports.timers.clear(prior);
        this.timers.delete(effect.timer);
        break;
      }
      case 'refresh-token':
        this.ports.tokens.refresh().then(
          () => this.enqueue({ type: 'token-refreshed', ok: true }, generation),
          () => this.enqueue({ type: 'token-refreshed', ok: false }, generation),
        );
        break;
      case 'event':
        this.ports.events?.emit(effect.event);
        break;
      case 'reply': {
        const waiter = this.replies.get(effect.opId);
        this.replies.delete(effect.opId);
        waiter?.resolve(effect.reply);
        break;
      }
    }
  }

  /** A transport call made with a token; a failure to get one counts as an unsent request. */
  private async tokenThen<T>(send: (token: string) => Promise<T>): Promise<T | { kind: 'unsent'; reason: string }> {
    let token: string;
    try {
      token = await this.ports.tokens.token();
    } catch (error) {
      return { kind: 'unsent', reason: `no token: ${String(error)}` };
    }
    return send(token);
  }

  private async recoverFromStorageFailure(dropped: readonly CoreEffect[], error: unknown, clockBaseline: number | null, retry: InputWithoutTime | null): Promise<void> {
    for (const effect of dropped) {
      if (effect.type !== 'reply' || (retry?.type === 'write' && effect.opId === retry.opId)) continue;
      const waiter = this.replies.get(effect.opId);
      this.replies.delete(effect.opId);
      waiter?.reject(error);
    }
    await this.rebuild(clockBaseline);
    if (retry !== null) this.inputs.unshift({ input: retry, generation: this.generation });
  }

  /** (Re)build the core from durable storage and start it; `clockBaseline` carries clock-step detection over an in-process rebuild. */
  private async rebuild(clockBaseline: number | null = null): Promise<void> {
    this.generation++;
    for (const handle of this.timers.values()) this.ports.timers.clear(handle);
    this.timers.clear();
    const snapshot = await this.ports.storage.load();
    this.core = new SyncCore(this.options, snapshot, this.ports.random, this.variant);
    const effects = this.core.step({ type: 'start', now: this.ports.clock.now(), online: this.ports.connectivity.isOnline(), storageFailures: this.storageFailures }, this.ports.clock.monotonic?.());
    // After the start step, so a carried step is noticed at the next input (after the storage backoff), not in a loop here.
    this.core.adoptClockBaseline(clockBaseline);
    await this.carryOut(effects, clockBaseline);
  }

  private notify(changedTypes: ReadonlySet<string>): void {
    if (changedTypes.size > 0) for (const listener of this.changeListeners) listener(changedTypes);
    if (this.statusListeners.size === 0) return;
    const status = this.core.status();
    const json = JSON.stringify(status);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    for (const listener of this.statusListeners) listener(status);
  }
}

export type { SyncEvent };

// A virtual client: the real SyncCore over a crashable store, its own skewed clock, timers
// on the simulation's scheduler, and the simulated network. It carries out the core's
// effects synchronously; a crash between two effects drops the rest, and a restart rebuilds
// the core from what the store made durable, exactly as a device would.

import { SyncCore } from '../engine/core/sync-core.ts';
import { perTimer, TIMER_NAMES, type CoreEffect, type CoreInput, type PerTimer, type TimerName } from '../engine/core/types.ts';
import type { CoreVariant } from '../engine/core/variant.ts';
import { buildEngineOptions, type EngineOptions } from '../engine/options.ts';
import { decodeSnapshot, encodeWriteOps, LATEST_SCHEMA_VERSION, nextMigrationStep, SchemaError, type Migration } from '../engine/schema/index.ts';
import type { PullQuery, PushRequest } from '../engine/protocol.ts';
import type { RandomPort } from '../engine/ports.ts';
import type { SyncEvent } from '../engine/events.ts';
import type { ClientClock } from './clock.ts';
import type { CrashableStore } from './store.ts';
import type { DownCause, HistoryEvent } from './history.ts';
import type { LinkConfig } from './link.ts';
import type { Fault } from './types.ts';
import type { ClientRelease } from './releases.ts';
import { ANSWER_OP_ID, answerOf } from './answers.ts';
import type { Rng } from './rng.ts';

export interface ClientHost {
  readonly now: number;
  armTimer(client: number, generation: number, timer: TimerName, trueDelayMs: number): number;
  cancelTimer(eventId: number): void;
  sendRequest(client: VirtualClient, requestId: number, kind: 'push' | 'pull', body: PushRequest | PullQuery): void;
  refreshToken(client: VirtualClient): void;
  record(event: HistoryEvent): void;
  /** An engine event of this client (record() would do, with a record object built around it). */
  recordEngine(client: number, clientTime: number, event: SyncEvent): void;
}

/** Which step an armed crash cuts; a client-crash fault's param picks one (bits 3–4) and the cut (bits 0–2). */
export const CRASH_TARGETS = ['any', 'write', 'pull-result', 'push-result'] as const;
export type CrashTarget = (typeof CRASH_TARGETS)[number];

export function crashOfParam(param: number): { afterEffects: number; target: CrashTarget } {
  return { afterEffects: param & 7, target: CRASH_TARGETS[(param >> 3) & 3]! };
}

/** How carrying out one effect went (VirtualClient.perform). */
type Performed = 'done' | 'down' | 'redo';

export class VirtualClient {
  core: SyncCore | null = null;
  /** Bumped on every crash: events meant for an older incarnation are dropped. */
  generation = 0;
  /** The device's connectivity as the OS reports it (a tab reads its device's). */
  online = true;
  /**
   * For a second tab: the client whose store it opens (it shares the store, the clock, the link
   * and the connectivity, and has an index of its own in the history); null for a device's own engine.
   */
  tabOf: VirtualClient | null = null;
  /** The tabs open over this device's store now, oldest first: the person works in the newest. */
  readonly tabs: VirtualClient[] = [];
  token: string | null = null;
  link: LinkConfig;
  readonly activeFaults: Fault[] = [];
  /** An armed crash: the next step of the target kind, long enough, crashes after `afterEffects` effects. */
  crash: { readonly afterEffects: number; readonly target: CrashTarget } | null = null;
  /** The scheduler event of each armed timer; -1 when not armed. */
  private readonly timers: PerTimer<number> = perTimer(-1);
  /** opIds not answered yet (a crash leaves them unknown). */
  private readonly openOps = new Set<number>();
  /** A commit of the current step already reached storage. */
  private committedThisStep = false;
  /** The core's clock baseline before the current step (kept over a rebuild when none of the step's commits landed). */
  private clockBaselineBeforeStep: number | null = null;
  /** Failed commits since the last one that succeeded (backs off the restart's first sync). */
  private storageFailures = 0;
  /** The next start loses power just before this migration step commits (1-based; 0: none). */
  private crashBeforeMigrationStep = 0;

  constructor(
    readonly index: number,
    readonly user: string,
    /** Engine options; an upgrade replaces the protocol version with its release's. */
    public options: EngineOptions,
    /** The engine release this device runs (sim/releases.ts): its store's schema and its protocol version. */
    public release: ClientRelease,
    /** The local schema history the engine migrates by (a broken one for the bug zoo). */
    private readonly migrations: readonly Migration[],
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

  /** The client whose store, clock, link and connectivity this one uses: itself, or the device a tab was opened on. */
  get device(): VirtualClient {
    return this.tabOf ?? this;
  }

  /** The engine the person works in: the newest tab open over this device's store, or the device's own. */
  get front(): VirtualClient {
    return this.tabs.length === 0 ? this : this.tabs[this.tabs.length - 1]!;
  }

  /** A second tab opens over the device's store: its engine loads what the store holds now and starts syncing. */
  openTab(tab: VirtualClient): void {
    if (tab.tabOf !== this || tab.core !== null) throw new Error(`openTab: client ${tab.index} is not a closed tab of client ${this.index}`);
    tab.options = this.options;
    tab.release = this.release;
    this.tabs.push(tab);
    this.host.record({ t: this.host.now, type: 'restart', client: tab.index, detail: `a second tab opened over ${this.clientId}'s store` });
    tab.start();
  }

  /**
   * The tab closes: its memory, timers and connections are gone; what it committed stays in the
   * store. The person comes back to the tab before it, which reloads if the store moved on since
   * its image (as an app refreshes its engine when its tab regains focus: SyncEngine.refresh).
   */
  closeTab(tab: VirtualClient, detail: string): void {
    const at = this.tabs.indexOf(tab);
    if (at < 0) return;
    this.tabs.splice(at, 1);
    tab.crashNow('close', detail);
    const front = this.front;
    if (front.core !== null && front.core.head() !== this.store.head) {
      front.crashNow('rebuild', 'reloaded: another tab wrote to the store');
      front.restart();
    }
  }

  clientTime(): number {
    return this.clock.read(this.host.now);
  }

  /** Bring the store to this release's schema, then build the core from durable storage and start it. */
  start(): void {
    if (!this.migrate()) return;
    const snapshot = decodeSnapshot(this.store.loadSnapshot(), this.release.schemaVersion, this.migrations);
    this.core = new SyncCore(this.options, snapshot, this.random, this.variant);
    this.step({ type: 'start', now: this.clientTime(), online: this.device.online, storageFailures: this.storageFailures });
  }

  /**
   * Migrate the store to the release's schema, one atomic commit per step, re-planned from what
   * is durable before each (so a crash between steps resumes where it stopped). False when the
   * device could not start: its app stays closed until the next restart (heal at the latest).
   */
  private migrate(): boolean {
    const host = this.host;
    const options = { targetVersion: this.release.schemaVersion, migrations: this.migrations };
    for (let stepNumber = 1; ; stepNumber++) {
      let step;
      try {
        step = nextMigrationStep(this.store.loadSnapshot(), options);
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        host.record({ t: host.now, type: 'crash', client: this.index, cause: 'start-failed', detail: `${this.release.name} refused its store: ${error.message}` });
        return false;
      }
      if (step === null) return true;
      if (stepNumber === this.crashBeforeMigrationStep) {
        this.crashBeforeMigrationStep = 0;
        host.record({ t: host.now, type: 'crash', client: this.index, cause: 'crash', detail: `power lost before migration step ${stepNumber} (${step.name})` });
        host.record({ t: host.now, type: 'restart', client: this.index, detail: `resuming the migration to ${this.release.name}` });
        stepNumber = 0; // re-planned from the durable store, counted afresh
        continue;
      }
      const result = this.store.commit(step.ops);
      if (!result.ok) {
        // A torn commit left part of the step durable: the schema record goes last, so the
        // store still reads as the old version and the next start redoes the step.
        host.record({ t: host.now, type: 'crash', client: this.index, cause: 'start-failed', detail: `migration ${step.name} failed: storage ${result.code}` });
        return false;
      }
      // Stamping a new store with its version is bookkeeping, not a migration: not recorded.
      if (step.fromVersion !== null) host.record({ t: host.now, type: 'migrate', client: this.index, release: this.release.name, name: step.name, fromVersion: step.fromVersion, toVersion: step.toVersion, ops: step.ops.length });
    }
  }

  /** The app closes to install another release; it restarts into it with restart(). */
  upgradeTo(release: ClientRelease, crashBeforeMigrationStep: number): void {
    // Every tab of the app closes too: none may go on writing the old schema into a store the new release migrates.
    const detail = `closed to upgrade from ${this.release.name} to ${release.name}`;
    for (const tab of this.tabs.splice(0)) tab.crashNow('close', detail);
    this.crashNow('close', detail);
    this.release = release;
    this.options = buildEngineOptions({ ...this.options, protocolVersion: release.protocolVersion });
    this.crashBeforeMigrationStep = crashBeforeMigrationStep;
  }

  /** Lose memory, timers and connections. Open ops become unknown (info), or failed when nothing of them can have been durable. */
  crashNow(cause: DownCause, detail: string, openOutcome: 'info' | 'fail' = 'info'): void {
    if (this.core === null) return;
    this.core = null;
    this.generation++;
    for (const timer of TIMER_NAMES) {
      const id = this.timers[timer];
      if (id !== -1) this.host.cancelTimer(id);
      this.timers[timer] = -1;
    }
    this.crash = null;
    const t = this.host.now;
    for (const opId of this.openOps) this.host.record({ t, type: 'complete', client: this.index, opId, outcome: openOutcome, queueId: null, error: `crashed before the answer: ${detail}` });
    this.openOps.clear();
    this.host.record({ t, type: 'crash', client: this.index, cause, detail });
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
    // The write being stepped, if any: a stale refusal of its first commit makes it again.
    const writeOpId = input.type === 'write' ? (opId ?? null) : null;
    this.clockBaselineBeforeStep = core.clockBaseline;
    const effects = core.step(input, this.host.now);
    this.committedThisStep = false;
    // An armed crash waits for a step long enough to cut: it lands between two effects.
    const armed = this.crash;
    const crashAt = armed !== null && armed.afterEffects < effects.length && (armed.target === 'any' || armed.target === input.type) ? armed.afterEffects : null;
    for (let i = 0; i < effects.length; i++) {
      if (crashAt !== null && i >= crashAt) {
        this.crashNow('crash', `between effects ${i} and ${i + 1} of ${effects.length} (${input.type})`);
        return;
      }
      const performed = this.perform(effects[i]!, writeOpId);
      if (performed === 'done') continue;
      // A write refused as stale (another tab committed since this image was loaded) applied
      // nothing: made again on the rebuilt engine, over what the store holds now (SyncEngine does the same).
      if (performed === 'redo') {
        if (this.core !== null) this.step(input, opId);
        else this.host.record({ t: this.host.now, type: 'complete', client: this.index, opId: writeOpId!, outcome: 'fail', queueId: null, error: 'the store changed in another tab, and the engine could not start again' });
      }
      return;
    }
  }

  /**
   * Carry out one effect: 'done'; or 'down' when a refused commit took the engine down (it
   * rebuilt from storage); or 'redo' when that refusal was a stale one of the stepped write's
   * first commit (`writeOpId`), which applied nothing and left the op unanswered, to be made again.
   */
  private perform(effect: CoreEffect, writeOpId: number | null): Performed {
    const host = this.host;
    switch (effect.type) {
      case 'commit': {
        // An old release writes its own on-disk shape (identity at the latest schema).
        const ops = this.release.schemaVersion === LATEST_SCHEMA_VERSION ? effect.ops : encodeWriteOps(effect.ops, this.release.schemaVersion, this.migrations);
        const result = this.store.commit(ops, effect.head);
        if (result.ok) {
          this.committedThisStep = true;
          this.storageFailures = 0;
          // One clock reading for the commit's events: time does not move within a step.
          const clientTime = effect.events.length === 0 ? 0 : this.clientTime();
          for (const event of effect.events) host.recordEngine(this.index, clientTime, event);
          return 'done';
        }
        // The engine's rule for a failed commit: rebuild from durable storage (a soft crash).
        // A stale one (another tab committed since this image was loaded) is the same rule.
        this.storageFailures++;
        // A refused atomic commit applied nothing: its write definitely failed, unless an
        // earlier commit of the same step (or a torn one) left part of it durable.
        // The rebuild happens in the same process: the clock-step baseline carries over (SyncCore.clockBaseline).
        const clockBaseline = this.committedThisStep ? this.core!.clockBaseline : this.clockBaselineBeforeStep;
        const redo = result.code === 'stale' && !this.committedThisStep && writeOpId !== null;
        if (redo) this.openOps.delete(writeOpId); // not answered: step() makes it again
        this.crashNow('rebuild', `storage ${result.code}`, result.code !== 'torn' && !this.committedThisStep ? 'fail' : 'info');
        this.restart();
        this.core?.adoptClockBaseline(clockBaseline);
        return redo ? 'redo' : 'down';
      }
      case 'push':
      case 'pull':
        host.sendRequest(this, effect.requestId, effect.type, effect.type === 'push' ? effect.request : effect.query);
        return 'done';
      case 'arm': {
        const prior = this.timers[effect.timer];
        if (prior !== -1) host.cancelTimer(prior);
        this.timers[effect.timer] = host.armTimer(this.index, this.generation, effect.timer, this.clock.trueDelayFor(effect.delayMs));
        return 'done';
      }
      case 'disarm': {
        const prior = this.timers[effect.timer];
        if (prior !== -1) host.cancelTimer(prior);
        this.timers[effect.timer] = -1;
        return 'done';
      }
      case 'refresh-token':
        host.refreshToken(this);
        return 'done';
      case 'event':
        host.recordEngine(this.index, this.clientTime(), effect.event);
        return 'done';
      case 'reply': {
        if (effect.opId === ANSWER_OP_ID) return 'done'; // an answer is no workload op: the conflict-resolved event records it
        this.openOps.delete(effect.opId);
        const r = effect.reply;
        host.record({ t: host.now, type: 'complete', client: this.index, opId: effect.opId, outcome: r.ok ? 'ok' : 'fail', queueId: r.ok ? r.queueId : null, error: r.ok ? null : `${r.code}: ${r.message}` });
        return 'done';
      }
    }
  }

  /** Its person answers every conflict open on it, oldest first; a crash on the way stops them. */
  answerConflicts(rng: Rng): void {
    const open = this.core?.conflicts() ?? [];
    for (const record of open) {
      if (this.core === null) return;
      this.step({ type: 'resolve-conflict', now: this.clientTime(), opId: ANSWER_OP_ID, conflictId: record.conflictId, resolution: answerOf(rng) });
    }
  }

  /** A timer fired: forget its handle, then step. */
  onTimer(timer: TimerName): void {
    this.timers[timer] = -1;
    this.step({ type: 'timer', now: this.clientTime(), timer });
  }
}

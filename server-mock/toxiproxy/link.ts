// One direction of one proxied connection: bytes from a source socket pass through a chain of
// toxic stages to a sink that writes the destination socket. Each stage carries out its toxic's
// plans (toxics.ts) with one timer, in order; toxics are added, updated and removed on live
// links the way Toxiproxy's link.go does: held data is flushed forward, never dropped.
// No sockets here: the link talks to its connection through LinkPorts.

import type { Random } from './random.ts';
import type { Toxic } from './spec.ts';
import { behaviourFor, type Behaviour, type StageMemory, type Step } from './toxics.ts';

export type LinkEvent = { readonly kind: 'data'; readonly bytes: Buffer; readonly stampMs: number } | { readonly kind: 'end' };

interface Target {
  push(event: LinkEvent): void;
}

/** What a link may do to the outside world. */
export interface LinkPorts {
  nowMs(): number;
  write(bytes: Buffer): void;
  /** The chain closed its output: close the destination. */
  end(): void;
  /** A reset_peer toxic fired: RST both sockets. */
  reset(): void;
  /** Bytes queued in the destination socket. */
  destinationBufferedBytes(): number;
  pauseSource(): void;
  resumeSource(): void;
}

/** Above this many bytes held in a link, the source is paused until half of it has drained. */
export const LINK_BUFFERED_BYTES_MAX = 4 * 1024 * 1024;

class Stage implements Target {
  next: Target;
  toxic: Toxic;
  private readonly inbox: LinkEvent[] = [];
  private inboxBytes = 0;
  private plan: Step[] = [];
  private planBytes = 0;
  private behaviour: Behaviour | null = null;
  private timer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private ended = false;
  private stopped = false;
  private readonly memory: StageMemory = { bytesTransmitted: 0 };

  constructor(
    private readonly link: Link,
    toxic: Toxic,
    next: Target,
  ) {
    this.toxic = toxic;
    this.next = next;
  }

  /** (Re)starts the toxic: rolls its toxicity, arms its deadline, resumes the inbox. */
  start(): void {
    const behaviour = behaviourFor(this.toxic, this.link.random, this.memory);
    this.behaviour = behaviour;
    const deadline = behaviour.deadline(this.link.ports.nowMs());
    if (deadline !== null) {
      this.deadlineTimer = setTimeout(() => this.perform(deadline), Math.max(0, deadline.atMs - this.link.ports.nowMs()));
    }
    this.pump();
  }

  push(event: LinkEvent): void {
    if (this.ended || this.stopped) return;
    this.inbox.push(event);
    if (event.kind === 'data') this.inboxBytes += event.bytes.length;
    this.pump();
  }

  bufferedBytes(): number {
    return this.inboxBytes + this.planBytes;
  }

  /** Flushes held data and ends forward now; a pending reset is dropped (Go's interrupt). */
  interrupt(): void {
    this.clearTimers();
    const plan = this.plan;
    this.plan = [];
    this.planBytes = 0;
    for (const step of plan) {
      if (step.kind !== 'reset') this.perform(step);
    }
  }

  /** A new configuration for the same toxic: interrupt, then start again with a fresh roll. */
  reconfigure(toxic: Toxic): void {
    this.interrupt();
    this.toxic = toxic;
    this.start();
  }

  /** Leaves the chain: held and queued data go forward in order; `closeOutput` then ends it (timeout's cleanup). */
  remove(closeOutput: boolean): void {
    this.interrupt();
    this.stopped = true;
    const queued = this.inbox.splice(0);
    this.inboxBytes = 0;
    if (closeOutput) {
      if (!this.ended) this.next.push({ kind: 'end' });
      return;
    }
    if (this.ended) return;
    for (const event of queued) this.next.push(event);
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.timer = null;
    this.deadlineTimer = null;
  }

  /** Runs due steps; when the plan is empty, turns the next queued event into a plan. */
  private pump(): void {
    const behaviour = this.behaviour;
    while (!this.stopped && behaviour === this.behaviour && behaviour !== null) {
      const step = this.plan[0];
      const nowMs = this.link.ports.nowMs();
      if (step !== undefined) {
        if (step.atMs > nowMs) {
          this.armTimer(step.atMs - nowMs);
          break;
        }
        this.plan.shift();
        if (step.kind === 'data') this.planBytes -= step.bytes.length;
        this.perform(step);
        continue;
      }
      const event = this.inbox.shift();
      if (event === undefined) break;
      if (event.kind === 'data') this.inboxBytes -= event.bytes.length;
      this.plan = event.kind === 'data' ? behaviour.onData(event.bytes, event.stampMs, nowMs) : behaviour.onEnd(nowMs);
      this.planBytes = this.plan.reduce((sum, s) => sum + (s.kind === 'data' ? s.bytes.length : 0), 0);
    }
    this.link.checkFlow();
  }

  private armTimer(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, delayMs);
  }

  private perform(step: Step): void {
    if (this.ended) return;
    switch (step.kind) {
      case 'data':
        this.next.push({ kind: 'data', bytes: step.bytes, stampMs: step.stampMs });
        return;
      case 'end':
        this.ended = true;
        this.clearTimers();
        this.inbox.length = 0;
        this.inboxBytes = 0;
        this.plan = [];
        this.planBytes = 0;
        this.next.push({ kind: 'end' });
        return;
      case 'reset':
        this.link.ports.reset();
        return;
    }
  }
}

class Sink implements Target {
  ended = false;
  sentBytes = 0;

  constructor(private readonly ports: LinkPorts) {}

  push(event: LinkEvent): void {
    if (this.ended) return;
    if (event.kind === 'end') {
      this.ended = true;
      this.ports.end();
      return;
    }
    this.sentBytes += event.bytes.length;
    this.ports.write(event.bytes);
  }
}

export class Link {
  receivedBytes = 0;
  private readonly stages: Stage[] = [];
  private readonly sink: Sink;
  private inputEnded = false;
  private sourcePaused = false;

  constructor(
    readonly ports: LinkPorts,
    readonly random: Random,
    toxics: readonly Toxic[],
  ) {
    this.sink = new Sink(ports);
    for (const toxic of toxics) this.addToxic(toxic);
  }

  get sentBytes(): number {
    return this.sink.sentBytes;
  }

  input(bytes: Buffer): void {
    if (this.inputEnded) return;
    this.receivedBytes += bytes.length;
    this.head().push({ kind: 'data', bytes, stampMs: this.ports.nowMs() });
    this.checkFlow();
  }

  inputEnd(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.head().push({ kind: 'end' });
  }

  /** New toxics join the end of the chain, as in Go. */
  addToxic(toxic: Toxic): void {
    const stage = new Stage(this, toxic, this.sink);
    const last = this.stages.at(-1);
    this.stages.push(stage);
    if (last !== undefined) last.next = stage;
    stage.start();
  }

  updateToxic(toxic: Toxic): void {
    this.stages.find((stage) => stage.toxic.name === toxic.name)?.reconfigure(toxic);
  }

  /** Removing a timeout toxic closes the link's output (Go's TimeoutToxic.Cleanup). */
  removeToxic(name: string): void {
    const index = this.stages.findIndex((stage) => stage.toxic.name === name);
    const stage = this.stages[index];
    if (stage === undefined) return;
    const previous = this.stages[index - 1];
    if (previous !== undefined) previous.next = stage.next;
    this.stages.splice(index, 1);
    stage.remove(stage.toxic.type === 'timeout');
  }

  /** Cancels every timer; the link does nothing more. */
  stop(): void {
    this.inputEnded = true;
    for (const stage of this.stages) stage.stop();
  }

  /** Pauses the source above LINK_BUFFERED_BYTES_MAX held, resumes below half of it. */
  checkFlow(): void {
    const held = this.stages.reduce((sum, stage) => sum + stage.bufferedBytes(), this.ports.destinationBufferedBytes());
    if (!this.sourcePaused && held > LINK_BUFFERED_BYTES_MAX) {
      this.sourcePaused = true;
      this.ports.pauseSource();
    } else if (this.sourcePaused && held <= LINK_BUFFERED_BYTES_MAX / 2) {
      this.sourcePaused = false;
      this.ports.resumeSource();
    }
  }

  private head(): Target {
    return this.stages[0] ?? this.sink;
  }
}

// A hand-driven clock and timer port for tests of the async engine: time moves only when a
// test calls advance(), and due timers fire in (time, order) order. Not the simulator's
// scheduler (sim/): just enough to test the Repository and driver without real time.

import type { ClockPort, TimerHandle, TimerPort } from '../ports.ts';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fire: () => void;
}

export class ManualTime implements ClockPort, TimerPort {
  private nowMs: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  set(delayMs: number, fire: () => void): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, at: this.nowMs + Math.max(0, delayMs), fire });
    return id;
  }

  clear(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Timers armed now. */
  get armed(): number {
    return this.pending.size;
  }

  /** Move time forward by `ms`, firing due timers in order; `settle` runs after each firing. */
  async advance(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      let due: Pending | undefined;
      for (const p of this.pending.values()) if (p.at <= until && (due === undefined || p.at < due.at || (p.at === due.at && p.id < due.id))) due = p;
      if (due === undefined) break;
      this.pending.delete(due.id);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fire();
      await settle();
    }
    this.nowMs = until;
    await settle();
  }
}

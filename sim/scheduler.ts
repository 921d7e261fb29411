// The simulator's virtual time and event queue (DESIGN §8): integer milliseconds, events fire
// in (time, sequence) order so ties fire FIFO, time never goes backwards, and every run is
// bounded by eventsMax and timeMsMax. Hot path: a flat binary heap in parallel typed arrays,
// no allocation per event except the caller's payload; cancellation is lazy via a bitmap.

export type EventId = number;

export interface SchedulerOptions {
  /** Most events one run may process; the next one throws. */
  readonly eventsMax: number;
  /** Virtual time may not advance past this. */
  readonly timeMsMax: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = { eventsMax: 50_000_000, timeMsMax: 30 * 24 * 60 * 60 * 1000 };

export interface ScheduledEvent<T> {
  readonly time: number;
  readonly event: T;
}

/** One bit per issued id in the done bitmap (fired or cancelled): 2^31 ids is 256 MiB. */
const IDS_MAX = 2 ** 31;
const CAPACITY_INITIAL = 1024;
/** Rebuild the heap once this many cancelled entries linger and they are most of it. */
const COMPACT_CANCELLED_MIN = 1024;

function requireLimit(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${field} should be a safe integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

export class Scheduler<T> {
  readonly eventsMax: number;
  readonly timeMsMax: number;
  private nowMs = 0;
  private processed = 0;
  private size = 0;
  private idNext = 0;
  private cancelledInHeap = 0;
  private running = false;
  // The heap, in parallel arrays: entry i is (times[i], ids[i], payloads[i]); ids are the seqs.
  private times = new Float64Array(CAPACITY_INITIAL);
  private ids = new Float64Array(CAPACITY_INITIAL);
  private payloads: (T | undefined)[] = [];
  /** Bit per id: set once the event fired or was cancelled. */
  private done = new Uint8Array(CAPACITY_INITIAL >>> 3);

  constructor(options: Partial<SchedulerOptions> = {}) {
    const merged = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.eventsMax = requireLimit('eventsMax', merged.eventsMax);
    this.timeMsMax = requireLimit('timeMsMax', merged.timeMsMax);
  }

  /** Virtual time of the event being (or last) processed, in ms. */
  get now(): number {
    return this.nowMs;
  }

  get eventsProcessed(): number {
    return this.processed;
  }

  /** Scheduled events not yet fired nor cancelled. */
  get pending(): number {
    return this.size - this.cancelledInHeap;
  }

  at(timeMs: number, event: T): EventId {
    if (!Number.isSafeInteger(timeMs) || timeMs < this.nowMs) {
      throw new Error(`at: timeMs should be an integer ≥ now (${this.nowMs}), got ${timeMs}`);
    }
    return this.push(timeMs, event);
  }

  after(delayMs: number, event: T): EventId {
    if (!Number.isSafeInteger(delayMs) || delayMs < 0) {
      throw new Error(`after: delayMs should be an integer ≥ 0, got ${delayMs}`);
    }
    return this.push(this.nowMs + delayMs, event);
  }

  /** True if the event was pending and now never fires; false if it already fired or was cancelled. */
  cancel(id: EventId): boolean {
    if (!Number.isInteger(id) || id < 0 || id >= this.idNext) {
      throw new Error(`cancel: ${id} is not an id this scheduler issued`);
    }
    if (this.isDone(id)) return false;
    this.done[id >>> 3] = this.done[id >>> 3]! | (1 << (id & 7));
    this.cancelledInHeap++;
    if (this.cancelledInHeap >= COMPACT_CANCELLED_MIN && this.cancelledInHeap * 2 > this.size) this.compact();
    return true;
  }

  /** Time of the next due event, or null when none is pending. */
  peekTime(): number | null {
    return this.dropCancelledHead() ? this.times[0]! : null;
  }

  /** Pops the next due event and advances `now` to its time. */
  next(): ScheduledEvent<T> | null {
    if (!this.dropCancelledHead()) return null;
    const time = this.times[0]!;
    this.admit(time);
    return { time, event: this.popHead() };
  }

  /**
   * Pops the next due event's payload and advances `now` to its time, or returns undefined
   * when none is pending: next() without its wrapper object, for the run loop's hot path.
   */
  pop(): T | undefined {
    if (!this.dropCancelledHead()) return undefined;
    this.admit(this.times[0]!);
    return this.popHead();
  }

  /**
   * Processes every event due at or before timeMs in order (including ones the handler
   * schedules within the window), then sets `now` to timeMs. Returns how many fired.
   */
  runUntil(timeMs: number, handler: (event: T, timeMs: number) => void): number {
    if (!Number.isSafeInteger(timeMs) || timeMs < this.nowMs) {
      throw new Error(`runUntil: timeMs should be an integer ≥ now (${this.nowMs}), got ${timeMs}`);
    }
    if (timeMs > this.timeMsMax) {
      throw new Error(`timeMsMax exceeded: runUntil(${timeMs}) > timeMsMax=${this.timeMsMax}`);
    }
    if (this.running) throw new Error('runUntil: already running (called from a handler)');
    this.running = true;
    let fired = 0;
    try {
      while (this.dropCancelledHead() && this.times[0]! <= timeMs) {
        const time = this.times[0]!;
        this.admit(time);
        handler(this.popHead(), time);
        fired++;
      }
      this.nowMs = timeMs;
    } finally {
      this.running = false;
    }
    return fired;
  }

  /** Checks the limits and the monotonic-time invariant, then advances `now` to time. */
  private admit(time: number): void {
    if (time < this.nowMs) {
      throw new Error(`time went backwards: next event at t=${time} < now=${this.nowMs}`);
    }
    if (time > this.timeMsMax) {
      throw new Error(`timeMsMax exceeded: next event at t=${time} > timeMsMax=${this.timeMsMax}`);
    }
    if (this.processed >= this.eventsMax) {
      throw new Error(`eventsMax exceeded: ${this.processed + 1} events by t=${time} (eventsMax=${this.eventsMax})`);
    }
    this.nowMs = time;
    this.processed++;
  }

  private push(time: number, event: T): EventId {
    const id = this.idNext;
    if (id >= IDS_MAX) throw new Error(`scheduler ids exhausted: ${IDS_MAX} events scheduled`);
    this.idNext = id + 1;
    if (id >>> 3 >= this.done.length) this.done = grow(this.done, this.done.length * 2);
    if (this.size === this.times.length) {
      this.times = grow(this.times, this.size * 2);
      this.ids = grow(this.ids, this.size * 2);
    }
    this.siftUp(this.size++, time, id, event);
    return id;
  }

  /** Places (time, id, event) at hole i or above it. */
  private siftUp(i: number, time: number, id: number, event: T): void {
    const times = this.times;
    const ids = this.ids;
    const payloads = this.payloads;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const parentTime = times[parent]!;
      if (parentTime < time || (parentTime === time && ids[parent]! < id)) break;
      times[i] = parentTime;
      ids[i] = ids[parent]!;
      payloads[i] = payloads[parent];
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
    payloads[i] = event;
  }

  /** Places (time, id, event) at hole i or below it, within the first n entries. */
  private siftDown(i: number, n: number, time: number, id: number, event: T | undefined): void {
    const times = this.times;
    const ids = this.ids;
    const payloads = this.payloads;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let childTime = times[child]!;
      let childId = ids[child]!;
      const right = child + 1;
      if (right < n) {
        const rightTime = times[right]!;
        if (rightTime < childTime || (rightTime === childTime && ids[right]! < childId)) {
          child = right;
          childTime = rightTime;
          childId = ids[right]!;
        }
      }
      if (time < childTime || (time === childTime && id < childId)) break;
      times[i] = childTime;
      ids[i] = childId;
      payloads[i] = payloads[child];
      i = child;
    }
    times[i] = time;
    ids[i] = id;
    payloads[i] = event;
  }

  /** Removes the head, marks its id done, and returns its payload. Requires size > 0. */
  private popHead(): T {
    const event = this.payloads[0] as T;
    const id = this.ids[0]!;
    this.done[id >>> 3] = this.done[id >>> 3]! | (1 << (id & 7));
    this.removeHead();
    return event;
  }

  private removeHead(): void {
    const last = --this.size;
    if (last > 0) this.siftDown(0, last, this.times[last]!, this.ids[last]!, this.payloads[last]);
    this.payloads[last] = undefined;
  }

  private isDone(id: number): boolean {
    return (this.done[id >>> 3]! & (1 << (id & 7))) !== 0;
  }

  /** Discards cancelled entries at the head; true if a live event remains. */
  private dropCancelledHead(): boolean {
    while (this.cancelledInHeap > 0 && this.size > 0) {
      if (!this.isDone(this.ids[0]!)) return true;
      this.removeHead();
      this.cancelledInHeap--;
    }
    return this.size > 0;
  }

  /** Drops every cancelled entry and re-heapifies (Floyd), so lazy cancellation stays O(live). */
  private compact(): void {
    const { times, ids, payloads } = this;
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.isDone(ids[i]!)) continue;
      times[kept] = times[i]!;
      ids[kept] = ids[i]!;
      payloads[kept++] = payloads[i];
    }
    for (let i = kept; i < this.size; i++) payloads[i] = undefined;
    this.size = kept;
    this.cancelledInHeap = 0;
    for (let i = (kept >>> 1) - 1; i >= 0; i--) this.siftDown(i, kept, times[i]!, ids[i]!, payloads[i]);
  }
}

function grow<A extends Float64Array | Uint8Array>(array: A, length: number): A {
  const bigger = new (array.constructor as new (n: number) => A)(length);
  bigger.set(array);
  return bigger;
}

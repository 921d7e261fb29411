// Per-client clocks over the scheduler's true time (DESIGN §5 clock faults): a constant offset,
// a drift in ppm, and steps (jumps forward or back). The server keeps true time and needs none.
// Piecewise linear: reading = baseReading + (trueNow - baseTrue) * (1 + driftPpm / 1e6), rounded
// to integer ms on read; every step or drift change starts a new piece at the current reading.

export const CLOCK_OFFSET_MS_MAX = 24 * 60 * 60 * 1000;
export const CLOCK_DRIFT_PPM_MAX = 1000;
/** Longest timer delay trueDelayFor converts (100 days), so its integer math stays exact. */
export const LOCAL_DELAY_MS_MAX = 100 * 24 * 60 * 60 * 1000;

const PPM = 1_000_000;

export interface ClientClockOptions {
  /** Reading minus true time at trueStartMs; within ±24 h. */
  readonly offsetMs: number;
  /** Rate error in parts per million, an integer within ±1000; positive runs fast. */
  readonly driftPpm: number;
  /** True time at which the clock starts (default 0). */
  readonly trueStartMs?: number;
}

function requireIntegerWithin(field: string, value: unknown, limit: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > limit) {
    throw new Error(`${field} should be an integer from ${-limit} to ${limit}, got ${String(value)}`);
  }
  return value;
}

export class ClientClock {
  private ppm: number;
  private baseTrueMs: number;
  /** Unrounded reading at baseTrueMs, so rounding never accumulates across pieces. */
  private baseReadingMs: number;

  constructor(options: ClientClockOptions) {
    const offsetMs = requireIntegerWithin('offsetMs', options.offsetMs, CLOCK_OFFSET_MS_MAX);
    this.ppm = requireIntegerWithin('driftPpm', options.driftPpm, CLOCK_DRIFT_PPM_MAX);
    const trueStartMs = options.trueStartMs ?? 0;
    if (!Number.isSafeInteger(trueStartMs)) {
      throw new Error(`trueStartMs should be a safe integer, got ${String(trueStartMs)}`);
    }
    this.baseTrueMs = trueStartMs;
    this.baseReadingMs = trueStartMs + offsetMs;
  }

  get driftPpm(): number {
    return this.ppm;
  }

  /** The client's reading at true time trueNowMs, in integer ms. */
  read(trueNowMs: number): number {
    return Math.round(this.exactReading(trueNowMs));
  }

  /** Reading minus true time at trueNowMs. */
  offsetAt(trueNowMs: number): number {
    return this.read(trueNowMs) - trueNowMs;
  }

  /** Jumps the clock by deltaMs at trueNowMs (negative jumps backward, as after an NTP correction). */
  step(trueNowMs: number, deltaMs: number): void {
    requireIntegerWithin('deltaMs', deltaMs, CLOCK_OFFSET_MS_MAX);
    this.rebase(trueNowMs);
    this.baseReadingMs += deltaMs;
  }

  /** Changes the drift from trueNowMs on; the time elapsed so far keeps the old rate. */
  setDrift(trueNowMs: number, driftPpm: number): void {
    requireIntegerWithin('driftPpm', driftPpm, CLOCK_DRIFT_PPM_MAX);
    this.rebase(trueNowMs);
    this.ppm = driftPpm;
  }

  /**
   * The true ms a timer of localDelayMs (measured on this clock, e.g. a 10 s backoff) takes
   * at the current drift: the least integer T with T * (1 + ppm/1e6) ≥ localDelayMs.
   */
  trueDelayFor(localDelayMs: number): number {
    if (!Number.isInteger(localDelayMs) || localDelayMs < 0 || localDelayMs > LOCAL_DELAY_MS_MAX) {
      throw new Error(`localDelayMs should be an integer from 0 to ${LOCAL_DELAY_MS_MAX}, got ${localDelayMs}`);
    }
    const scaled = localDelayMs * PPM;
    const rate = PPM + this.ppm;
    // Below LOCAL_DELAY_MS_MAX the quotient's rounding error (< quotient·2^-53) is under 1/rate,
    // so ceil is already exact; the exact integer check below keeps it so if the limits change.
    let trueMs = Math.ceil(scaled / rate);
    if (trueMs * rate < scaled) trueMs++;
    else if (trueMs > 0 && (trueMs - 1) * rate >= scaled) trueMs--;
    return trueMs;
  }

  private exactReading(trueNowMs: number): number {
    if (!Number.isSafeInteger(trueNowMs) || trueNowMs < this.baseTrueMs) {
      throw new Error(`trueNowMs should be an integer ≥ ${this.baseTrueMs} (the last adjustment), got ${trueNowMs}`);
    }
    return this.baseReadingMs + ((trueNowMs - this.baseTrueMs) * (PPM + this.ppm)) / PPM;
  }

  private rebase(trueNowMs: number): void {
    this.baseReadingMs = this.exactReading(trueNowMs);
    this.baseTrueMs = trueNowMs;
  }
}

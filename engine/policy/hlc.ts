// Hybrid logical clock over a server-corrected physical clock: the skew-safe LWW stamp.
// physical = client clock + offset learned from serverTime, so a client whose clock is hours
// off still stamps close to true time; the logical part orders events within one ms and
// after observed remote stamps. Stamps sort as strings.

export interface HlcState {
  readonly wallMs: number;
  readonly counter: number;
}

/** A local event (a write): strictly after every stamp issued or observed before. */
export function hlcTick(state: HlcState, physicalMs: number): HlcState {
  if (physicalMs > state.wallMs) return { wallMs: physicalMs, counter: 0 };
  return carry(state.wallMs, state.counter + 1);
}

const COUNTER_MAX = 999_999;

/** Keep the counter within its 6 digits: past the last one, move to the next ms. */
function carry(wallMs: number, counter: number): HlcState {
  return counter > COUNTER_MAX ? { wallMs: wallMs + 1, counter: 0 } : { wallMs, counter };
}

/** An observed remote stamp: later local stamps sort after it. */
export function hlcReceive(state: HlcState, remote: HlcState, physicalMs: number): HlcState {
  const wallMs = Math.max(state.wallMs, remote.wallMs, physicalMs);
  let counter = 0;
  if (wallMs === state.wallMs && wallMs === remote.wallMs) counter = Math.max(state.counter, remote.counter) + 1;
  else if (wallMs === state.wallMs) counter = state.counter + 1;
  else if (wallMs === remote.wallMs) counter = remote.counter + 1;
  return carry(wallMs, counter);
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;

export function encodeStamp(state: HlcState, clientId: string): string {
  const wall = Math.max(0, Math.floor(state.wallMs)).toString().padStart(WALL_DIGITS, '0');
  const counter = state.counter.toString().padStart(COUNTER_DIGITS, '0');
  return `${wall}.${counter}.${clientId}`;
}

/** The clock part of a stamp ("<15 digits>.<6 digits>.<client>"), or null when it has none. */
export function decodeStamp(stamp: string): HlcState | null {
  // Read digit by digit: this runs for every pulled change, and a regex match allocates.
  if (stamp.length < STAMP_CLOCK_LENGTH || stamp.charCodeAt(WALL_DIGITS) !== DOT || stamp.charCodeAt(STAMP_CLOCK_LENGTH - 1) !== DOT) return null;
  const wallMs = digitsValue(stamp, 0, WALL_DIGITS);
  const counter = digitsValue(stamp, WALL_DIGITS + 1, STAMP_CLOCK_LENGTH - 1);
  return wallMs < 0 || counter < 0 ? null : { wallMs, counter };
}

const DOT = 46;
const ZERO = 48;
/** "<wall>.<counter>." */
const STAMP_CLOCK_LENGTH = WALL_DIGITS + 1 + COUNTER_DIGITS + 1;

/** The decimal value of text[from, to), or -1 when a character there is not a digit. */
function digitsValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** A stamp for a write that carried only a client time (written under another policy). */
export function stampFromTime(timeMs: number): string {
  return encodeStamp({ wallMs: timeMs, counter: 0 }, '');
}

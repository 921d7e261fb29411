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

export function decodeStamp(stamp: string): HlcState | null {
  const match = /^(\d{15})\.(\d{6})\./.exec(stamp);
  if (match === null) return null;
  return { wallMs: Number(match[1]), counter: Number(match[2]) };
}

/** A stamp for a write that carried only a client time (written under another policy). */
export function stampFromTime(timeMs: number): string {
  return encodeStamp({ wallMs: timeMs, counter: 0 }, '');
}

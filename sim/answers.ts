// The person at each device who answers a conflict the engine cannot settle alone (the
// field-merge policy's clashes, every conflict under 'manual'). Without one, such a conflict
// pauses its op for good and no run under those policies could ever converge. A minute after a
// conflict opens (ANSWER_DELAY_MS, on true time: people are not skewed clocks), the person
// answers every conflict open on the device: keep mine or keep theirs, half each, drawn from the
// seed's own 'answers' stream. (A merge answer would write values of the person's choosing: the
// checkers would first have to learn what such an op writes.)

import type { ConflictResolution } from '../engine/core/types.ts';
import type { Rng } from './rng.ts';

export const ANSWER_DELAY_MS = 60_000;

/** The opId of an answer: not a workload op (those count from 1); its record is the engine's conflict-resolved event. */
export const ANSWER_OP_ID = 0;

const KEEP_LOCAL: ConflictResolution = Object.freeze({ kind: 'keep-local' });
const KEEP_SERVER: ConflictResolution = Object.freeze({ kind: 'keep-server' });

export function answerOf(rng: Rng): ConflictResolution {
  return rng.chance(500) ? KEEP_LOCAL : KEEP_SERVER;
}

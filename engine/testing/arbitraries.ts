// Shared fast-check arbitraries for the policy tests: fields over a small key and value domain
// (so equal values and shared keys are common, not a one-in-a-million draw), queue items and
// server entity states. Test-only: nothing in the engine imports this file.

import fc from 'fast-check';
import type { Action, Fields, JsonValue, ServerEntityState } from '../protocol.ts';
import type { QueueItem } from '../model.ts';
import type { HlcState } from '../policy/hlc.ts';

/** One seed for every policy property, so a failure reproduces from the printed seed alone. */
export const SEED = 20261125;
export const RUNS = 500;

export const FIELD_KEYS = ['title', 'done', 'tags', 'note', 'rank'] as const;
export const fieldKeyArb: fc.Arbitrary<string> = fc.constantFrom(...FIELD_KEYS);

/** Small JSON values: few enough that two independent draws are often equal. */
export const smallJsonArb: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom('', 'a', 'b'),
  fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 2 }),
  fc.record({ x: fc.integer({ min: 0, max: 1 }) }),
);

/** Non-null small JSON values (field-merge treats a field set to null specially for deletes). */
export const nonNullSmallJsonArb: fc.Arbitrary<JsonValue> = smallJsonArb.filter((v) => v !== null);

export const fieldsArb: fc.Arbitrary<Fields> = fc.dictionary(fieldKeyArb, smallJsonArb, { maxKeys: FIELD_KEYS.length, noNullPrototype: true });

export const actionArb: fc.Arbitrary<Action> = fc.constantFrom('create', 'update', 'delete');

/** Client-clock times: integers in a window around a realistic epoch. */
export const timeMsArb: fc.Arbitrary<number> = fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 });

export const clientIdArb: fc.Arbitrary<string> = fc.constantFrom('c1', 'c2', 'c10', 'alice', 'bob');

/**
 * HLC states inside the encoding limits (wallMs < 10^15, a 6-digit counter), with room for a
 * few ticks and receives before the counter's limit; hlc.test.ts probes the limit itself.
 */
export const hlcStateArb: fc.Arbitrary<HlcState> = fc.record({
  wallMs: fc.integer({ min: 0, max: 10 ** 15 - 1 }),
  counter: fc.integer({ min: 0, max: 999_990 }),
});

export interface QueueItemShape {
  readonly action?: fc.Arbitrary<Action>;
  readonly payload?: fc.Arbitrary<Fields>;
  readonly flags?: fc.Arbitrary<{ sent: boolean; paused: boolean; attempts: number }>;
}

export const unsentFlagsArb = fc.constant({ sent: false, paused: false, attempts: 0 });
/** Any flags, biased so the untouched (unsent, unpaused, never tried) case is common. */
export const anyFlagsArb = fc.oneof(
  unsentFlagsArb,
  fc.record({ sent: fc.boolean(), paused: fc.boolean(), attempts: fc.integer({ min: 0, max: 5 }) }),
);

/** A queue item whose payload matches its action ({} for a delete). */
export function queueItemArb(shape: QueueItemShape = {}): fc.Arbitrary<QueueItem> {
  return fc
    .record({
      queueId: fc.constantFrom('q1', 'q2', 'q3'),
      seq: fc.integer({ min: 1, max: 1000 }),
      action: shape.action ?? actionArb,
      payload: shape.payload ?? fieldsArb,
      baseRevision: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
      baseFields: fc.option(fieldsArb, { nil: null }),
      createdAt: timeMsArb,
      stamp: fc.option(fc.tuple(hlcStateArb, clientIdArb).map(([s, id]) => encodeStampLocal(s, id)), { nil: null }),
      flags: shape.flags ?? anyFlagsArb,
    })
    .map(({ flags, ...rest }) => ({
      ...rest,
      // Fields no policy reads: fixed, so generation stays cheap (they must still be carried over).
      entityType: 'todo',
      entityId: 'e1',
      nextAttemptAt: 0,
      priority: 1,
      lastError: null,
      payload: rest.action === 'delete' ? {} : rest.payload,
      sent: flags.sent,
      paused: flags.paused,
      attempts: flags.attempts,
    }));
}

/** A server state the entity really has (revision ≥ 1), alive unless `deleted` says otherwise. */
export function serverStateArb(deleted: fc.Arbitrary<boolean> = fc.constant(false)): fc.Arbitrary<ServerEntityState> {
  return fc
    .record({
      revision: fc.integer({ min: 1, max: 50 }),
      deleted,
      fields: fieldsArb,
      updatedAt: timeMsArb,
      stamp: fc.option(fc.tuple(hlcStateArb, clientIdArb).map(([s, id]) => encodeStampLocal(s, id)), { nil: undefined }),
    })
    .map(({ stamp, ...rest }) => (stamp === undefined ? rest : { ...rest, stamp }));
}

// The stamp format, restated here so item arbitraries do not depend on the module under test.
function encodeStampLocal(state: HlcState, clientId: string): string {
  return `${String(state.wallMs).padStart(15, '0')}.${String(state.counter).padStart(6, '0')}.${clientId}`;
}

// Properties of conflict resolution: the rules before any policy (tombstone final, revision 0
// re-creates), each policy's decision, the skew hazard of lww-client-clock next to lww-hlc
// on the same true-time scenario, and field-merge's three-way rules on constructed histories.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFLICT_POLICIES, type ConflictPolicy } from '../options.ts';
import type { Action, Fields, ServerEntityState } from '../protocol.ts';
import type { QueueItem } from '../model.ts';
import { resolveConflict } from './conflict.ts';
import { applyDelta, jsonEqual } from './fields.ts';
import { encodeStamp, stampFromTime, type HlcState } from './hlc.ts';
import {
  clientIdArb,
  fieldKeyArb,
  fieldsArb,
  hlcStateArb,
  nonNullSmallJsonArb,
  queueItemArb,
  RUNS,
  SEED,
  serverStateArb,
  smallJsonArb,
  timeMsArb,
} from '../testing/arbitraries.ts';

const params = { seed: SEED, numRuns: RUNS };

const policyArb: fc.Arbitrary<ConflictPolicy> = fc.constantFrom(...CONFLICT_POLICIES);
const localViewArb: fc.Arbitrary<Fields | null> = fc.option(fieldsArb, { nil: null });
const aliveServerArb = serverStateArb(fc.constant(false));

/** The action a winning op is re-sent as: a create that met an existing entity becomes an update. */
const resentAction = (action: Action): Action => (action === 'create' ? 'update' : action);
const localWins = (item: QueueItem) => ({ kind: 'resend', outcome: 'local-wins', action: resentAction(item.action), payload: item.payload });
const SERVER_WINS = { kind: 'drop', outcome: 'server-wins' };

describe('conflict rules before any policy', () => {
  it('resolving never mutates the item, the server state or the local view', () => {
    fc.assert(
      fc.property(policyArb, queueItemArb(), serverStateArb(fc.boolean()), localViewArb, (policy, item, server, view) => {
        const copies = structuredClone({ item, server, view });
        resolveConflict(policy, deepFreeze(item), deepFreeze(server), deepFreeze(view));
        expect({ item, server, view }).toEqual(copies);
      }),
      params,
    );
  });

  it('a deleted server state is final for every policy: the op is dropped', () => {
    fc.assert(
      fc.property(policyArb, queueItemArb(), serverStateArb(fc.constant(true)), localViewArb, (policy, item, server, view) => {
        expect(resolveConflict(policy, item, server, view)).toEqual(SERVER_WINS);
      }),
      params,
    );
  });

  it('an entity the server never had (revision 0) is re-created from the local view, for every policy', () => {
    const missingArb = fc.record({ revision: fc.constant(0), deleted: fc.boolean(), fields: fc.constant({}), updatedAt: fc.constantFrom(0, 1_700_000_000_000) });
    fc.assert(
      fc.property(policyArb, queueItemArb(), missingArb, localViewArb, (policy, item, server, view) => {
        const decision = resolveConflict(policy, item, server, view);
        if (item.action === 'delete' || view === null) expect(decision).toEqual(SERVER_WINS);
        else expect(decision).toEqual({ kind: 'resend', outcome: 'local-wins', action: 'create', payload: view });
      }),
      params,
    );
  });

  it('whenever an op wins against an existing entity, a create is re-sent as an update and other actions keep theirs', () => {
    fc.assert(
      fc.property(policyArb, queueItemArb(), aliveServerArb, localViewArb, (policy, item, server, view) => {
        const decision = resolveConflict(policy, item, server, view);
        if (decision.kind === 'resend') expect(decision.action).toBe(resentAction(item.action));
      }),
      params,
    );
  });
});

describe('conflict policies against a live server state', () => {
  it('server-wins always drops the op', () => {
    fc.assert(
      fc.property(queueItemArb(), aliveServerArb, localViewArb, (item, server, view) => {
        expect(resolveConflict('server-wins', item, server, view)).toEqual(SERVER_WINS);
      }),
      params,
    );
  });

  it('client-wins always re-sends the local payload', () => {
    fc.assert(
      fc.property(queueItemArb(), aliveServerArb, localViewArb, (item, server, view) => {
        expect(resolveConflict('client-wins', item, server, view)).toEqual(localWins(item));
      }),
      params,
    );
  });

  it('manual always opens a manual conflict (no clashing fields: the whole op is in question)', () => {
    fc.assert(
      fc.property(queueItemArb(), aliveServerArb, localViewArb, (item, server, view) => {
        expect(resolveConflict('manual', item, server, view)).toEqual({ kind: 'manual', clashingFields: [] });
      }),
      params,
    );
  });

  it('lww-client-clock: the local op wins iff its client time is after the server write\'s', () => {
    const nearTimesArb = fc.tuple(queueItemArb(), aliveServerArb, fc.integer({ min: -3, max: 3 })).map(([item, server, d]) => [item, { ...server, updatedAt: item.createdAt + d }] as const);
    fc.assert(
      fc.property(fc.oneof(fc.tuple(queueItemArb(), aliveServerArb), nearTimesArb), localViewArb, ([item, server], view) => {
        const expected = item.createdAt > server.updatedAt ? localWins(item) : SERVER_WINS;
        expect(resolveConflict('lww-client-clock', item, server, view)).toEqual(expected);
      }),
      params,
    );
  });

  it('lww-client-clock is unsafe under skew: a client behind by S loses to an earlier write when the true gap < S', () => {
    // True time: A writes at tA with an exact clock; B writes later at tB = tA + gap with a clock
    // behind by skewMs > gap. The server holds A's write; B's op conflicts with it.
    const scenarioArb = fc
      .record({ tA: timeMsArb, skewMs: fc.integer({ min: 2, max: 24 * 60 * 60 * 1000 }), gapSeed: fc.nat(), item: queueItemArb({ action: fc.constant('update') }), server: aliveServerArb })
      .map(({ tA, skewMs, gapSeed, item, server }) => {
        const gapMs = 1 + (gapSeed % (skewMs - 1)); // 1 ≤ gap < skew
        const tB = tA + gapMs;
        return {
          item: { ...item, createdAt: tB - skewMs, stamp: encodeStamp({ wallMs: tB, counter: 0 }, 'B') },
          server: { ...server, updatedAt: tA, stamp: encodeStamp({ wallMs: tA, counter: 0 }, 'A') },
        };
      });
    fc.assert(
      fc.property(scenarioArb, ({ item, server }) => {
        // The later write in true time is dropped: a lost update the checkers must catch.
        expect(resolveConflict('lww-client-clock', item, server, null)).toEqual(SERVER_WINS);
        // The same scenario with server-corrected HLC stamps keeps the later write.
        expect(resolveConflict('lww-hlc', item, server, null)).toEqual(localWins(item));
      }),
      params,
    );
  });

  it('lww-hlc: the local op wins iff its stamp sorts after the server\'s, by (wallMs, counter, clientId)', () => {
    type Stamped = { readonly state: HlcState; readonly clientId: string } | null;
    const stampedArb: fc.Arbitrary<Stamped> = fc.option(fc.record({ state: hlcStateArb, clientId: clientIdArb }), { nil: null });
    // Often the same wall time or the same (wall, counter), so the later tie-breakers matter.
    const pairArb = fc.oneof(
      fc.tuple(stampedArb, stampedArb),
      fc.tuple(hlcStateArb, clientIdArb, clientIdArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(
        ([s, idL, idS, cL, cS]) => [{ state: { ...s, counter: cL }, clientId: idL }, { state: { ...s, counter: cS }, clientId: idS }] as [Stamped, Stamped],
      ),
    );
    fc.assert(
      fc.property(queueItemArb(), aliveServerArb, pairArb, (item0, server0, [local, remote]) => {
        const item = { ...item0, stamp: local === null ? null : encodeStamp(local.state, local.clientId) };
        const { stamp: _dropped, ...serverNoStamp } = server0;
        const server: ServerEntityState = remote === null ? serverNoStamp : { ...serverNoStamp, stamp: encodeStamp(remote.state, remote.clientId) };
        // The model: a write without a stamp counts as (its client time, 0, '').
        const key = (s: Stamped, timeMs: number): [number, number, string] => (s === null ? [timeMs, 0, ''] : [s.state.wallMs, s.state.counter, s.clientId]);
        const [l, r] = [key(local, item.createdAt), key(remote, server.updatedAt)];
        const after = l[0] !== r[0] ? l[0] > r[0] : l[1] !== r[1] ? l[1] > r[1] : l[2] > r[2];
        expect(resolveConflict('lww-hlc', item, server, null)).toEqual(after ? localWins(item) : SERVER_WINS);
      }),
      params,
    );
  });

  it('lww-hlc without stamps on either side falls back to client times (ties go to the server)', () => {
    fc.assert(
      fc.property(queueItemArb(), aliveServerArb, fc.integer({ min: -2, max: 2 }), (item0, server0, d) => {
        const item = { ...item0, stamp: null };
        const { stamp: _dropped, ...server } = { ...server0, updatedAt: item0.createdAt + d };
        expect(stampFromTime(item.createdAt) > stampFromTime(server.updatedAt)).toBe(d < 0);
        expect(resolveConflict('lww-hlc', item, server, null)).toEqual(d < 0 ? localWins(item) : SERVER_WINS);
      }),
      params,
    );
  });
});

describe('field-merge on constructed three-way histories', () => {
  interface History {
    readonly base: Fields;
    readonly serverDelta: Fields;
    readonly localDelta: Fields;
    readonly action: Action;
    readonly item: QueueItem;
    readonly server: ServerEntityState;
  }

  /** A base, a server delta on top of it, and a local delta on top of it (a create's base is {}). */
  const historyArb: fc.Arbitrary<History> = fc.record({
    base: fieldsArb,
    serverDelta: fieldsArb,
    localDelta: fieldsArb,
    action: fc.constantFrom<Action>('update', 'create'),
    item: queueItemArb(),
    server: aliveServerArb,
  });

  /** Build the conflicting item and server state of a history. */
  function conflictOf(h: History): { base: Fields; item: QueueItem; server: ServerEntityState } {
    const base = h.action === 'create' ? {} : h.base;
    // A create's base is {} whatever baseFields it carries: it was made against no server state.
    const item: QueueItem = { ...h.item, action: h.action, payload: h.localDelta, baseFields: h.action === 'create' ? h.item.baseFields : h.base };
    const server: ServerEntityState = { ...h.server, fields: applyDelta(base, h.serverDelta) };
    return { base, item, server };
  }

  /** Fields both sides changed, to different values (the model of a clash). */
  const expectedClashes = (base: Fields, serverDelta: Fields, localDelta: Fields): string[] =>
    Object.keys(localDelta).filter(
      (f) => Object.hasOwn(serverDelta, f) && !jsonEqual(serverDelta[f], base[f]) && !jsonEqual(serverDelta[f], localDelta[f]),
    );

  it('disjoint field changes re-send as merged, carrying only the local delta', () => {
    const disjointArb = historyArb.map((h) => ({
      ...h,
      action: 'update' as Action,
      serverDelta: Object.fromEntries(Object.entries(h.serverDelta).filter(([f]) => !Object.hasOwn(h.localDelta, f))),
    }));
    fc.assert(
      fc.property(disjointArb, (h) => {
        const { item, server } = conflictOf(h);
        expect(resolveConflict('field-merge', item, server, null)).toEqual({ kind: 'resend', outcome: 'merged', action: 'update', payload: h.localDelta });
      }),
      params,
    );
  });

  it('the same field changed differently on both sides opens a manual conflict with exactly the clashing fields', () => {
    // Force at least one clash: both sides set one shared field to two different non-base values.
    const clashArb = fc
      .tuple(historyArb, fieldKeyArb, smallJsonArb, smallJsonArb)
      .filter(([h, f, serverValue, localValue]) => !jsonEqual(serverValue, localValue) && !jsonEqual(serverValue, h.base[f]))
      .map(([h, f, serverValue, localValue]) => ({
        ...h,
        action: 'update' as Action,
        serverDelta: { ...h.serverDelta, [f]: serverValue },
        localDelta: { ...h.localDelta, [f]: localValue },
      }));
    fc.assert(
      fc.property(clashArb, (h) => {
        const { base, item, server } = conflictOf(h);
        const expected = expectedClashes(base, h.serverDelta, h.localDelta);
        expect(expected.length).toBeGreaterThan(0);
        const decision = resolveConflict('field-merge', item, server, null);
        expect(decision.kind === 'manual' ? [...decision.clashingFields].sort() : decision).toEqual([...expected].sort());
      }),
      params,
    );
  });

  it('any history: manual with exactly the fields both sides changed differently, else merged with the local delta', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { base, item, server } = conflictOf(h);
        const expected = expectedClashes(base, h.serverDelta, h.localDelta);
        const decision = resolveConflict('field-merge', item, server, null);
        if (expected.length === 0) expect(decision).toEqual({ kind: 'resend', outcome: 'merged', action: 'update', payload: h.localDelta });
        else expect(decision.kind === 'manual' ? [...decision.clashingFields].sort() : decision).toEqual([...expected].sort());
      }),
      params,
    );
  });

  it('the same field changed to the same value on both sides is no clash', () => {
    const sameArb = fc
      .tuple(historyArb, fc.uniqueArray(fieldKeyArb, { minLength: 1 }), fc.array(smallJsonArb, { minLength: 5, maxLength: 5 }))
      .map(([h, keys, values]) => {
        const shared = Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
        // Only the shared fields change locally; the server changes them the same way and maybe others too.
        return { ...h, localDelta: shared, serverDelta: { ...h.serverDelta, ...shared } };
      });
    fc.assert(
      fc.property(sameArb, (h) => {
        const { item, server } = conflictOf(h);
        expect(resolveConflict('field-merge', item, server, null)).toEqual({ kind: 'resend', outcome: 'merged', action: 'update', payload: h.localDelta });
      }),
      params,
    );
  });

  it('a delete merges when the server changed nothing since the base, and goes manual on the fields it changed', () => {
    const deleteArb = fc.record({
      base: fieldsArb,
      // Non-null values: the module models a delete as setting every field to null, so a field the
      // server set to null meanwhile counts as agreeing with the delete (not a clash) by design.
      serverDelta: fc.dictionary(fieldKeyArb, nonNullSmallJsonArb, { maxKeys: 3, noNullPrototype: true }),
      item: queueItemArb({ action: fc.constant('delete') }),
      server: aliveServerArb,
    });
    fc.assert(
      fc.property(deleteArb, ({ base, serverDelta, item: item0, server: server0 }) => {
        const item = { ...item0, baseFields: base };
        const server = { ...server0, fields: applyDelta(base, serverDelta) };
        const changed = Object.keys(serverDelta).filter((f) => !jsonEqual(serverDelta[f], base[f]));
        const decision = resolveConflict('field-merge', item, server, null);
        if (changed.length === 0) expect(decision).toEqual({ kind: 'resend', outcome: 'merged', action: 'delete', payload: {} });
        else expect(decision.kind === 'manual' ? [...decision.clashingFields].sort() : decision).toEqual([...changed].sort());
      }),
      params,
    );
  });

  it('a create meeting an existing entity merges as an update only where the server agrees on every field it sets', () => {
    fc.assert(
      fc.property(historyArb.map((h) => ({ ...h, action: 'create' as Action })), (h) => {
        const { server } = conflictOf(h);
        const clashes = Object.keys(h.localDelta).filter((f) => Object.hasOwn(server.fields, f) && !jsonEqual(server.fields[f], h.localDelta[f]));
        const decision = resolveConflict('field-merge', conflictOf(h).item, server, null);
        if (clashes.length === 0) expect(decision).toEqual({ kind: 'resend', outcome: 'merged', action: 'update', payload: h.localDelta });
        else expect(decision.kind === 'manual' ? [...decision.clashingFields].sort() : decision).toEqual(clashes.sort());
      }),
      params,
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

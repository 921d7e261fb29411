// The columnar event log: every record type and engine event type reads back exactly as
// recorded (same fields, same key order, absent optional fields still absent), past chunk
// boundaries, and a real run's history reads back event for event as the simulator recorded it.

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLog, EVENT_LOG_KINDS } from './event-log.ts';
import type { StoredEvent } from './history.ts';
import { runSimulation } from './runner.ts';
import { buildSimConfig } from './config.ts';
import type { SimConfig } from './types.ts';

const FC_SEED = Number(process.env['SYNCSTORM_FC_SEED'] ?? 20261126);

const server = { revision: 3, deleted: false, fields: { title: 'x' }, updatedAt: 9, stamp: '0000000000009:0000:c1' };

/** One event of every layout, every field set (optional ones both ways). */
const FIXTURES: readonly StoredEvent[] = [
  { t: 1, type: 'invoke', client: 2, clientTime: -5, opId: 7, action: 'create', entityId: 'n1', fields: { title: 'c2#7', tags: [] } },
  { t: 2, type: 'complete', client: 2, opId: 7, outcome: 'ok', queueId: 'c2:1', error: null },
  { t: 2, type: 'complete', client: 2, opId: 8, outcome: 'ok', queueId: null, error: null, value: null },
  { t: 2, type: 'complete', client: 2, opId: 9, outcome: 'fail', queueId: null, error: 'invalid: no', value: { title: 'seen' } },
  { t: 3, type: 'apply', user: 'team-0', instance: 1, change: { user: 'team-0', queueId: 'c2:1', clientId: 'c2', entityType: 'note', entityId: 'n1', action: 'create', revision: 1, seq: 1, serverTime: 3, deleted: false } },
  { t: 4, type: 'fault', phase: 'start', index: 0, fault: { atMs: 4, kind: 'loss', durationMs: 10, client: 2, param: 300 } },
  { t: 5, type: 'crash', client: 2, cause: 'crash', detail: 'between effects 1 and 2 of 3 (write)' },
  { t: 6, type: 'restart', client: 2, detail: '' },
  { t: 7, type: 'migrate', client: 2, release: 'v2', name: 'add-priority', fromVersion: 1, toVersion: 2, ops: 12 },
  { t: 8, type: 'server', action: 'rollback', epoch: 'e2', instance: 3 },
  { t: 8, type: 'server', action: 'upgrade', epoch: 'e2', instance: 3, detail: 'to v3' },
  { t: 9, type: 'phase', phase: 'heal' },
  ...(
    [
      { type: 'enqueued', at: 10, queueId: 'c2:1', entityType: 'note', entityId: 'n1', action: 'create', payload: { title: 'a' } },
      { type: 'coalesced', at: 10, queueId: 'c2:2', into: null },
      { type: 'coalesced', at: 10, queueId: 'c2:3', into: 'c2:3' },
      { type: 'sent', at: 11, requestId: 4, queueIds: ['c2:1', 'c2:3'], bytes: 420 },
      { type: 'acked', at: 12, queueId: 'c2:1', revision: 1, replayed: true, attempts: 2 },
      { type: 'retried', at: 12, queueId: 'c2:3', attempts: 1, delayMs: 10_500, reason: 'http 503' },
      { type: 'resumed', at: 13, queueId: 'c2:3', requestId: 9 },
      { type: 'dead-lettered', at: 13, queueId: 'c2:4', code: 'too_large', message: 'payload over the limit' },
      { type: 'conflict', at: 14, queueId: 'c2:5', entityType: 'note', entityId: 'n2', policy: 'lww-hlc', local: { payload: { title: 'l' }, clientTime: 13, stamp: null }, server, outcome: 'server-wins' },
      { type: 'conflict-resolved', at: 15, conflictId: 'conflict:c2:5', queueId: 'c2:5', resolution: 'keep-local' },
      { type: 'pulled', at: 16, requestId: 5, count: 3, cursor: 1_234_567, epoch: 'e1' },
      { type: 'applied', at: 16, entityType: 'note', entityId: 'n3', revision: 4, deleted: true, originClientId: 'c9' },
      { type: 'epoch-changed', at: 17, from: 'e1', to: 'e2' },
      { type: 'repair-enqueued', at: 17, queueId: 'c2:6', entityType: 'note', entityId: 'n1', reuploads: 'c2:1' },
      { type: 'request-failed', at: 18, requestId: 6, kind: 'push', outcome: 'http', status: 429, delayMs: 0 },
      { type: 'request-failed', at: 18, requestId: 7, kind: 'pull', outcome: 'unknown', status: null, delayMs: 20_000 },
      { type: 'upgrade-required', at: 19, kind: 'pull', protocolVersion: 1, accepted: { min: 2, max: 3 }, message: 'too old' },
      { type: 'upgrade-required', at: 19, kind: 'push', protocolVersion: 1, accepted: null, message: 'too old' },
    ] as const
  ).map((event, i): StoredEvent => ({ t: 10 + i, type: 'engine', client: 2, clientTime: 1_700_000_000_000 + i, event })),
];

function kindOf(e: StoredEvent): string {
  return e.type === 'engine' ? `engine:${e.event.type}` : e.type;
}

describe('EventLog', () => {
  it('has a fixture for every layout', () => {
    expect(new Set(FIXTURES.map(kindOf))).toEqual(new Set(EVENT_LOG_KINDS));
  });

  it('reads every layout back as recorded: fields, key order, absent optional fields', () => {
    const log = EventLog.of(FIXTURES);
    expect(log.length).toBe(FIXTURES.length);
    FIXTURES.forEach((e, i) => {
      const back = log.at(i);
      expect(JSON.stringify(back), kindOf(e)).toBe(JSON.stringify(e));
      expect(back, kindOf(e)).toStrictEqual(e);
      expect(log.typeAt(i)).toBe(e.type);
      expect(log.timeAt(i)).toBe(e.t);
    });
    // References are kept, not copied.
    const invoke = FIXTURES[0] as Extract<StoredEvent, { type: 'invoke' }>;
    expect((log.at(0) as typeof invoke).fields).toBe(invoke.fields);
  });

  it('reads back past chunk boundaries, whatever the mix of layouts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(FIXTURES.length - 1), fc.integer({ min: 0, max: 2 ** 45 })), { minLength: 20_000, maxLength: 40_000 }), (picks) => {
        const events = picks.map(([k, t]) => ({ ...FIXTURES[k]!, t }));
        const log = EventLog.of(events);
        expect(log.length).toBe(events.length);
        for (let i = 0; i < events.length; i += 97) expect(log.at(i)).toStrictEqual(events[i]);
        expect(log.at(events.length - 1)).toStrictEqual(events.at(-1));
        expect([...log].map((e) => e.t)).toEqual(events.map((e) => e.t));
      }),
      // Arrays this long take too long to shrink: the first failure is reported as found.
      { seed: FC_SEED, numRuns: 3, endOnFailure: true },
    );
  });

  it('keeps every number exactly, those a 32-bit word cannot hold too', () => {
    // A word holds an int32 above -2^31 + 2^28; anything else is escaped to a reference.
    const edges = [0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) + 2 ** 28, -(2 ** 31) + 2 ** 28 + 1, -86_400_000, 0.5, -1e-300, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, NaN];
    const numbers = fc.sample(fc.oneof(fc.double(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(...edges)), { seed: FC_SEED, numRuns: 2_000 });
    const values = [...edges, ...numbers];
    const log = EventLog.of(values.map((t, i): StoredEvent => ({ t, type: 'engine', client: i, clientTime: -t, event: { type: 'request-failed', at: t, requestId: i, kind: 'pull', outcome: 'http', status: i % 2 === 0 ? null : t, delayMs: t } })));
    values.forEach((t, i) => {
      const back = log.at(i) as Extract<StoredEvent, { type: 'engine' }>;
      const event = back.event as Extract<typeof back.event, { type: 'request-failed' }>;
      const exact = [back.t, back.clientTime, event.at, event.status, event.delayMs].every((v, k) => Object.is(v, [t, -t, t, i % 2 === 0 ? null : t, t][k]));
      expect(exact, `number ${Object.is(t, -0) ? '-0' : String(t)} (event ${i})`).toBe(true);
      expect(Object.is(log.timeAt(i), t)).toBe(true);
    });
  });

  it('refuses an index outside the log, and an event it has no layout for, naming it', () => {
    const log = EventLog.of(FIXTURES.slice(0, 2));
    expect(() => log.at(2)).toThrow(/from 0 to 1, got 2/);
    expect(() => log.at(-1)).toThrow(/got -1/);
    expect(() => log.push({ t: 0, type: 'engine', client: 0, clientTime: 0, event: { type: 'teleported', at: 0 } } as never)).toThrow(/engine event "teleported"/);
    expect(() => log.push({ t: 0, type: 'dream' } as never)).toThrow(/record "dream"/);
    expect(log.length).toBe(2);
  });

  it('forgets everything on clear()', () => {
    const log = EventLog.of(FIXTURES);
    log.clear();
    expect(log.length).toBe(0);
    log.push(FIXTURES[3]!);
    expect(log.at(0)).toStrictEqual(FIXTURES[3]);
  });
});

describe('a simulated history', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['the default run', buildSimConfig({ seed: 3, clients: 12, durationMs: 10 * 60_000 })],
    ['a run of old clients on a newer server, under client-clock LWW', buildSimConfig({ seed: 4, clients: 12, durationMs: 10 * 60_000, release: { client: 'v1', server: 'v2' }, engine: { conflictPolicy: 'lww-client-clock' } })],
  ] satisfies [string, SimConfig][])('reads back event for event as %s recorded it', (_name, config) => {
    // Records as the simulator hands them over: whole, or an engine event with its parts.
    const recorded: StoredEvent[] = [];
    const push = EventLog.prototype.push;
    const pushEngine = EventLog.prototype.pushEngine;
    vi.spyOn(EventLog.prototype, 'push').mockImplementation(function (this: EventLog, event: StoredEvent) {
      if (event.type !== 'engine') recorded.push(event);
      push.call(this, event);
    });
    vi.spyOn(EventLog.prototype, 'pushEngine').mockImplementation(function (this: EventLog, t, client, clientTime, event) {
      recorded.push({ t, type: 'engine', client, clientTime, event });
      pushEngine.call(this, t, client, clientTime, event);
    });
    const { history } = runSimulation({ config });
    expect(history.events.length).toBe(recorded.length);
    recorded.forEach((e, i) => expect(JSON.stringify(history.events.at(i)), `event ${i} (${kindOf(e)})`).toBe(JSON.stringify(e)));
    expect(new Set(recorded.map(kindOf)).size).toBeGreaterThan(10);
  });
});

// The trace: its time format, one line per record kind, and what each filter keeps — an
// entity's story complete across crashes (request ids restart with each engine).

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from '../sim/config.ts';
import { forEachRecord, splitRecords, type History, type HistoryEvent } from '../sim/history.ts';
import { runSimulation } from '../sim/runner.ts';
import { formatClockReading, formatTraceLine, formatTraceTime, laneLabels, selectTrace, TRACE_EVERYTHING, traceArgsFor } from './trace-text.ts';

describe('formatTraceTime', () => {
  it('reads h:mm:ss.mmm, with a sign for a clock set behind zero', () => {
    expect(formatTraceTime(0)).toBe('0:00:00.000');
    expect(formatTraceTime(61_001)).toBe('0:01:01.001');
    expect(formatTraceTime(3_723_456)).toBe('1:02:03.456');
    expect(formatTraceTime(-90_000)).toBe('-0:01:30.000');
  });

  it('shows a real-network clock reading as the date it read', () => {
    expect(formatClockReading(Date.UTC(2026, 10, 26, 21, 30, 0, 125))).toBe('2026-11-26T21:30:00.125Z');
    expect(formatClockReading(86_400_000)).toBe('24:00:00.000');
  });
});

describe('formatTraceLine', () => {
  const history = (records: HistoryEvent[]): History => ({ ...splitRecords(records), healedAt: 0, endedAt: 0, converged: true, clients: [], server: null, traceHash: 'x' });

  it('says what each kind of record recorded, with the client clock where the record has it', () => {
    const records: HistoryEvent[] = [
      { t: 1_500, type: 'invoke', client: 3, clientTime: 61_500, opId: 7, action: 'update', entityId: 'n2', fields: { title: 'a b' } },
      { t: 1_500, type: 'engine', client: 3, clientTime: 61_500, event: { type: 'acked', at: 61_500, queueId: 'c3:4', revision: 2, replayed: true, attempts: 3 } },
      { t: 1_600, type: 'complete', client: 3, opId: 7, outcome: 'fail', queueId: null, error: 'quota: full' },
      { t: 1_700, type: 'message', client: 3, kind: 'push', dir: 'response', requestId: 12, fate: 'dropped', detail: 'partition (200)' },
      { t: 1_800, type: 'apply', user: 'team-0', instance: 2, change: { user: 'team-0', queueId: 'c3:4', clientId: 'c3', entityType: 'note', entityId: 'n2', action: 'delete', revision: 5, seq: 9, serverTime: 1_800, deleted: true } },
      { t: 2_000, type: 'fault', phase: 'start', index: 4, fault: { atMs: 2_000, kind: 'server-crash', durationMs: 30_000, client: -1, param: 0 } },
      { t: 2_100, type: 'crash', client: 3, cause: 'rebuild', detail: 'storage stale' },
      { t: 2_100, type: 'restart', client: 3, detail: '' },
      { t: 2_200, type: 'server', action: 'rollback', epoch: 'e2', instance: 3 },
      { t: 2_300, type: 'phase', phase: 'heal' },
    ];
    const lane = laneLabels(history(records));
    expect(records.map((r) => formatTraceLine(r, lane(r)))).toEqual([
      '0:00:01.500  c3        invoke op 7: update n2 {"title":"a b"}  [clock 0:01:01.500]',
      '0:00:01.500  c3        acked queueId=c3:4 revision=2 replayed=true attempts=3  [clock 0:01:01.500]',
      '0:00:01.600  c3        fail op 7: quota: full',
      '0:00:01.700  c3        push #12 response dropped (partition (200))',
      '0:00:01.800  server    apply c3:4: delete n2 rev 5 seq 9 (deleted) for team-0, instance 2',
      '0:00:02.000  nemesis   fault #4 server-crash starts on the server for 0:00:30.000',
      '0:00:02.100  c3        down (rebuild): storage stale',
      '0:00:02.100  c3        restart',
      '0:00:02.200  server    server rollback: epoch e2, instance 3',
      '0:00:02.300  run       — heal —',
    ]);
  });

  it('labels a second tab by its lane and its device', () => {
    const h = { ...history([]), clients: [{ client: 5, tabOf: 1, clientId: 'c1', user: 'team-0', crashed: false, cursor: 0, epoch: null, entities: {}, tombstones: [], queue: [], deadLetters: [], conflicts: [] }] };
    expect(laneLabels(h)({ t: 0, type: 'restart', client: 5, detail: '' })).toBe('t5@c1');
    expect(laneLabels(h)({ t: 0, type: 'restart', client: 1, detail: '' })).toBe('c1');
  });
});

describe('traceArgsFor', () => {
  it("names a violation's clients with their devices' every lane (tabs share a store), and its items' entities", () => {
    const enqueued = (client: number, queueId: string, entityId: string): HistoryEvent => ({ t: 1, type: 'engine', client, clientTime: 1, event: { type: 'enqueued', at: 1, queueId, entityType: 'note', entityId, action: 'create', payload: {} } });
    const final = (client: number, tabOf?: number) => ({ ...(tabOf === undefined ? {} : { tabOf }), client, clientId: `c${tabOf ?? client}`, user: 'team-0', crashed: false, cursor: 0, epoch: null, entities: {}, tombstones: [], queue: [], deadLetters: [], conflicts: [] });
    // Lanes 0 and 1 are devices; lane 2 is a tab of device 0, lane 3 of device 1.
    const h: History = { ...splitRecords([enqueued(2, 'c0:1', 'n5'), enqueued(1, 'c1:1', 'n7')]), healedAt: 0, endedAt: 1, converged: true, clients: [final(0), final(1), final(2, 0), final(3, 1)], server: null, traceHash: 'x' };
    expect(traceArgsFor(h, { clients: [2], queueIds: ['c0:1'] })).toBe('--clients 0,2 --entities n5');
    expect(traceArgsFor(h, { clients: [0, 1], queueIds: ['c0:1', 'c1:1'] })).toBe('--clients 0,1,2,3 --entities n5,n7');
    expect(traceArgsFor(h, { clients: [], queueIds: [] })).toBe('');
  });
});

describe('selectTrace', () => {
  // Client crashes on: engines restart and number their requests from 1 again.
  const run = runSimulation({ config: buildSimConfig({ seed: 3, clients: 10, durationMs: 600_000, faults: { kinds: ['client-crash', 'loss', 'commit-then-fail'] } }) });
  const history = run.history;
  const all: HistoryEvent[] = [];
  forEachRecord(history, (r) => void all.push(r));

  it('keeps everything with no filter, and counts every record', () => {
    const kept: HistoryEvent[] = [];
    expect(selectTrace(history, TRACE_EVERYTHING, (r) => void kept.push(r))).toBe(all.length);
    expect(kept).toEqual(all);
  });

  it('follows an entity through every record that names it or carries its items, in a run with crashes', () => {
    expect(all.filter((r) => r.type === 'crash').length, 'the run has crashes').toBeGreaterThan(0);
    // An entity the first crashed client wrote early on: its pushes have low request ids, which the restarted engine uses again.
    const crashed = all.find((r) => r.type === 'crash')!.client;
    const entity = all.find((r): r is Extract<HistoryEvent, { type: 'invoke' }> => r.type === 'invoke' && r.client === crashed && r.action !== 'read')!.entityId;
    const kept: HistoryEvent[] = [];
    selectTrace(history, { ...TRACE_EVERYTHING, entities: new Set([entity]) }, (r) => void kept.push(r));
    const queueIds = new Set<string>();
    for (const r of all) if (r.type === 'engine' && r.event.type === 'enqueued' && r.event.entityId === entity) queueIds.add(r.event.queueId);
    // Every invoke and apply of it, and nothing of another entity.
    expect(kept.filter((r) => r.type === 'invoke').length).toBe(all.filter((r) => r.type === 'invoke' && r.entityId === entity).length);
    expect(kept.filter((r) => r.type === 'apply').length).toBe(all.filter((r) => r.type === 'apply' && r.change.entityId === entity).length);
    for (const r of kept) if (r.type === 'invoke') expect(r.entityId).toBe(entity);
    // Each push that carried its items, with its request on the wire.
    const sends = kept.filter((r): r is Extract<HistoryEvent, { type: 'engine' }> => r.type === 'engine' && r.event.type === 'sent');
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) {
      const event = send.event as Extract<typeof send.event, { type: 'sent' }>;
      expect(event.queueIds.some((q) => queueIds.has(q)), `request ${event.requestId} of c${send.client}`).toBe(true);
      expect(kept.some((m) => m.type === 'message' && m.client === send.client && m.requestId === event.requestId && m.dir === 'request' && m.t === send.t), `its request message`).toBe(true);
    }
    // And each push sent on the wire is one of those: the 'sent' event of its moment carried the entity's items.
    for (const m of kept) {
      if (m.type !== 'message' || m.dir !== 'request' || m.fate === 'delivered') continue;
      const send = all.find((r) => r.type === 'engine' && r.client === m.client && r.t === m.t && r.event.type === 'sent' && r.event.requestId === m.requestId);
      const carried = send?.type === 'engine' && send.event.type === 'sent' ? send.event.queueIds : [];
      expect(carried.some((q) => queueIds.has(q)), `push #${m.requestId} of c${m.client} at ${m.t}`).toBe(true);
    }
    // No pull: it names no entity.
    expect(kept.some((r) => r.type === 'message' && r.kind === 'pull')).toBe(false);
  });

  it("follows one item by its queue id: the op that made it, its engine events, the pushes that carried it, its apply", () => {
    const acked = all.find((r): r is Extract<HistoryEvent, { type: 'engine' }> => r.type === 'engine' && r.event.type === 'acked')!;
    const queueId = (acked.event as { queueId: string }).queueId;
    const kept: HistoryEvent[] = [];
    selectTrace(history, { ...TRACE_EVERYTHING, queueIds: new Set([queueId]), kinds: new Set(['invoke', 'complete', 'engine', 'apply']) }, (r) => void kept.push(r));
    const complete = kept.find((r) => r.type === 'complete');
    expect(complete, 'the op that returned it').toMatchObject({ queueId, outcome: 'ok' });
    expect(kept.some((r) => r.type === 'invoke' && r.client === (complete as { client: number }).client && r.opId === (complete as { opId: number }).opId), 'its invoke').toBe(true);
    expect(kept.some((r) => r.type === 'engine' && r.event.type === 'enqueued' && r.event.queueId === queueId)).toBe(true);
    expect(kept.some((r) => r.type === 'engine' && r.event.type === 'acked' && r.event.queueId === queueId)).toBe(true);
    expect(kept.filter((r) => r.type === 'apply').map((r) => (r as Extract<HistoryEvent, { type: 'apply' }>).change.queueId)).toEqual([queueId]);
    for (const r of kept) {
      if (r.type === 'engine' && 'queueId' in r.event) expect(r.event.queueId).toBe(queueId);
      if (r.type === 'engine' && r.event.type === 'sent') expect(r.event.queueIds).toContain(queueId);
    }
  });

  it('tells a push before a restart from the one after it that reuses its request id', () => {
    const enqueue = (t: number, queueId: string, entityId: string): HistoryEvent => ({ t, type: 'engine', client: 0, clientTime: t, event: { type: 'enqueued', at: t, queueId, entityType: 'note', entityId, action: 'create', payload: {} } });
    const push = (t: number, queueId: string): HistoryEvent[] => [
      { t, type: 'message', client: 0, kind: 'push', dir: 'request', requestId: 1, fate: 'sent', detail: '' },
      { t, type: 'engine', client: 0, clientTime: t, event: { type: 'sent', at: t, requestId: 1, queueIds: [queueId], bytes: 100 } },
      { t: t + 5, type: 'message', client: 0, kind: 'push', dir: 'response', requestId: 1, fate: 'sent', detail: '200' },
    ];
    const records: HistoryEvent[] = [
      enqueue(10, 'c0:1', 'nA'), ...push(10, 'c0:1'),
      { t: 20, type: 'crash', client: 0, cause: 'crash', detail: 'x' }, { t: 30, type: 'restart', client: 0, detail: '' },
      enqueue(40, 'c0:2', 'nB'), ...push(40, 'c0:2'),
    ];
    const h: History = { ...splitRecords(records), healedAt: 0, endedAt: 50, converged: true, clients: [], server: null, traceHash: 'x' };
    const kept: HistoryEvent[] = [];
    selectTrace(h, { ...TRACE_EVERYTHING, entities: new Set(['nA']), kinds: new Set(['message']) }, (r) => void kept.push(r));
    expect(kept.map((r) => r.t)).toEqual([10, 15]);
  });

  it('keeps a client, a time window and some kinds; server-wide records stay for any client', () => {
    const kept: HistoryEvent[] = [];
    selectTrace(history, { clients: new Set([2]), entities: null, queueIds: null, fromMs: 60_000, toMs: 180_000, kinds: new Set(['invoke', 'message', 'phase', 'apply']) }, (r) => void kept.push(r));
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) {
      expect(r.t).toBeGreaterThanOrEqual(60_000);
      expect(r.t).toBeLessThanOrEqual(180_000);
      expect(['invoke', 'message', 'phase', 'apply']).toContain(r.type);
      if (r.type === 'apply') expect(r.change.clientId).toBe('c2');
      else if ('client' in r) expect(r.client).toBe(2);
    }
  });
});

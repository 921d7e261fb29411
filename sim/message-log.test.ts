// The columnar message log: a message reads back exactly as recorded, the log grows past its
// first capacity, and the records of a history merge back into the order they were recorded in.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOWN_CAUSES, forEachRecord, HistoryRecorder, recordCount, splitRecords, type HistoryEvent } from './history.ts';
import { MessageLog, type MessageRecord } from './message-log.ts';

const FC_SEED = Number(process.env['SYNCSTORM_FC_SEED'] ?? 20261125);

const messageArb: fc.Arbitrary<MessageRecord> = fc.record({
  t: fc.integer({ min: 0, max: 2 ** 40 }),
  type: fc.constant('message' as const),
  client: fc.integer({ min: 0, max: 100_000 }),
  kind: fc.constantFrom('push' as const, 'pull' as const),
  dir: fc.constantFrom('request' as const, 'response' as const),
  requestId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fate: fc.constantFrom('sent' as const, 'delivered' as const, 'dropped' as const, 'duplicated' as const, 'refused' as const),
  detail: fc.constantFrom('', 'loss (200)', 'server down', 'device offline', '503'),
});

const crashArb: fc.Arbitrary<HistoryEvent> = fc.record({
  t: fc.integer({ min: 0, max: 2 ** 40 }),
  type: fc.constant('crash' as const),
  client: fc.integer({ min: 0, max: 100 }),
  cause: fc.constantFrom(...DOWN_CAUSES),
  detail: fc.string(),
});

describe('MessageLog', () => {
  it('reads every field back as appended, past its first capacity', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 3000 }), (messages) => {
        const log = new MessageLog();
        messages.forEach((m, i) => log.append(i, m.t, m.client, m.kind, m.dir, m.requestId, m.fate, m.detail));
        expect(log.length).toBe(messages.length);
        expect([...log]).toEqual(messages);
        expect(messages.map((_, i) => log.fateOf(i))).toEqual(messages.map((m) => m.fate));
        expect(messages.map((_, i) => log.positionOf(i))).toEqual(messages.map((_, i) => i));
      }),
      { seed: FC_SEED, numRuns: 30 },
    );
  });

  it('spans many chunks: every message reads back by index, and iteration gives them all in order', () => {
    const log = new MessageLog();
    const n = 40_000; // more than two chunks of 16 K
    for (let i = 0; i < n; i++) log.append(i >> 1, i * 3, i % 97, i % 2 ? 'pull' : 'push', i % 3 ? 'request' : 'response', i + 1, i % 5 === 0 ? 'dropped' : 'sent', i % 7 === 0 ? `d${i % 11}` : '');
    expect(log.length).toBe(n);
    for (const i of [0, 16_383, 16_384, 32_767, 32_768, n - 1]) {
      expect(log.at(i)).toMatchObject({ t: i * 3, client: i % 97, requestId: i + 1, fate: i % 5 === 0 ? 'dropped' : 'sent', detail: i % 7 === 0 ? `d${i % 11}` : '' });
      expect(log.positionOf(i)).toBe(i >> 1);
    }
    let k = 0;
    for (const m of log) expect(m.requestId).toBe(++k);
    expect(k).toBe(n);
  });

  it('refuses an index it does not hold, naming it', () => {
    const log = new MessageLog();
    log.append(0, 5, 1, 'pull', 'request', 1, 'sent', '');
    expect(() => log.at(1)).toThrow(/from 0 to 0, got 1/);
    expect(() => log.at(-1)).toThrow(/got -1/);
  });

  it('refuses a request id or position a 32-bit column cannot hold, naming it, and keeps nothing of it', () => {
    const log = new MessageLog();
    expect(() => log.append(0, 5, 1, 'pull', 'request', 2 ** 32, 'sent', '')).toThrow(/requestId should be an integer from 0 to 4294967295, got 4294967296/);
    expect(() => log.append(0, 5, 1, 'pull', 'request', 1.5, 'sent', '')).toThrow(/requestId .* got 1.5/);
    expect(() => log.append(-1, 5, 1, 'pull', 'request', 1, 'sent', '')).toThrow(/position should be an integer from 0 to 4294967295, got -1/);
    expect(log.length).toBe(0);
  });
});

describe('forEachRecord', () => {
  it('gives back the records in the order they were recorded, with each event’s index', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(messageArb, crashArb), { maxLength: 200 }), (records) => {
        const history = splitRecords(records);
        const seen: HistoryEvent[] = [];
        const indices: number[] = [];
        forEachRecord(history, (record, index) => {
          seen.push(record);
          if (index >= 0) expect(history.events.at(index)).toEqual(record);
          else expect(record.type).toBe('message');
          indices.push(index);
        });
        expect(seen).toEqual(records);
        expect(indices.filter((i) => i >= 0)).toEqual([...history.events].map((_, i) => i));
        expect(recordCount(history)).toBe(records.length);
      }),
      { seed: FC_SEED, numRuns: 100 },
    );
  });

  it('is what the recorder builds: messages recorded by object or by fields land in the log, in place', () => {
    const recorder = new HistoryRecorder(true);
    recorder.record({ t: 1, type: 'crash', client: 0, cause: 'crash', detail: 'a' });
    recorder.message(2, 0, 'push', 'request', 7, 'sent', '');
    recorder.record({ t: 3, type: 'message', client: 0, kind: 'push', dir: 'response', requestId: 7, fate: 'dropped', detail: 'loss (200)' });
    recorder.record({ t: 4, type: 'restart', client: 0, detail: '' });
    const order: string[] = [];
    forEachRecord(recorder.history, (r) => order.push(r.type === 'message' ? `${r.t}:${r.fate}` : `${r.t}:${r.type}`));
    expect(order).toEqual(['1:crash', '2:sent', '3:dropped', '4:restart']);
    expect([...recorder.history.events].map((e) => e.type)).toEqual(['crash', 'restart']);
  });

  it('records no message when messages are off, and hashes none', () => {
    const off = new HistoryRecorder(false);
    const on = new HistoryRecorder(true);
    for (const recorder of [off, on]) {
      recorder.record({ t: 1, type: 'crash', client: 0, cause: 'rebuild', detail: '' });
      recorder.message(2, 0, 'pull', 'request', 1, 'sent', '');
    }
    expect(off.history.messages.length).toBe(0);
    expect(on.history.messages.length).toBe(1);
    expect(off.finish().traceHash).not.toBe(on.finish().traceHash);
  });
});

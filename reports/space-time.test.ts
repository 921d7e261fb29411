// The counterexample slice and its space-time diagram over a hand-written history (a lost ack
// replayed twice, the story of the no-server-dedup bug), then over a real failing run of the
// bug zoo: which clients and window a violation selects, how message records pair into arrows
// (duplicates, drops, refusals, timeouts), the cap on messages, and the SVG drawn from it.

import { describe, expect, it } from 'vitest';
import type { Violation } from '../scenarios/checkers/index.ts';
import { runChecks } from '../scenarios/checkers/index.ts';
import { checkContextOf } from '../scenarios/chaos/run-seed.ts';
import { bugByName } from '../scenarios/bugs.ts';
import { buildSimConfig } from '../sim/config.ts';
import { splitRecords, type History, type HistoryEvent } from '../sim/history.ts';
import { runSimulation } from '../sim/runner.ts';
import { counterexampleSection } from './counterexample.ts';
import { computeMetrics } from './metrics.ts';
import { SLICE_FALLBACK_WINDOW_MS, sliceOfViolation } from './slice.ts';
import { renderSpaceTimeSvg } from './space-time-svg.ts';
import { buildSpaceTime, SERVER_LANE, SPACE_TIME_MESSAGES_MAX, type SpaceTimeMessage } from './space-time.ts';

const change = (queueId: string, revision: number, t: number) => ({
  user: 'team-0', queueId, clientId: 'c0', entityType: 'note', entityId: 'n1', action: 'update' as const, revision, seq: revision, serverTime: t, deleted: false,
});
const msg = (t: number, client: number, kind: 'push' | 'pull', dir: 'request' | 'response', requestId: number, fate: 'sent' | 'delivered' | 'dropped' | 'duplicated' | 'refused', detail = ''): HistoryEvent =>
  ({ t, type: 'message', client, kind, dir, requestId, fate, detail });
const engine = (t: number, client: number, event: object): HistoryEvent => ({ t, type: 'engine', client, clientTime: t, event } as HistoryEvent);

/**
 * c0 updates n1; the ack of push #5 is lost after the apply; the retry #6 is duplicated by the
 * network and applied again. Records in order; the numbers are indices in history.events
 * (messages live apart, in history.messages).
 */
const EVENTS: HistoryEvent[] = [
  { t: 100, type: 'invoke', client: 0, clientTime: 100, opId: 1, action: 'update', entityId: 'n1', fields: { title: 'x' } }, // 0
  engine(100, 0, { type: 'enqueued', at: 100, queueId: 'c0:1', entityType: 'note', entityId: 'n1', action: 'update', payload: {} }), // 1
  { t: 100, type: 'complete', client: 0, opId: 1, outcome: 'ok', queueId: 'c0:1', error: null }, // 2
  msg(100, 0, 'push', 'request', 5, 'sent'), // message
  engine(100, 0, { type: 'sent', at: 100, requestId: 5, queueIds: ['c0:1'], bytes: 100 }), // 3
  msg(140, 0, 'push', 'request', 5, 'delivered'), // message
  { t: 140, type: 'apply', user: 'team-0', instance: 1, change: change('c0:1', 2, 140) }, // 4
  msg(140, 0, 'push', 'response', 5, 'dropped', 'loss (200)'), // message
  engine(5000, 0, { type: 'request-failed', at: 5000, requestId: 5, kind: 'push', outcome: 'unknown', status: null, delayMs: 0 }), // 5
  engine(5000, 0, { type: 'retried', at: 5000, queueId: 'c0:1', attempts: 1, delayMs: 4000, reason: 'timeout' }), // 6
  msg(9000, 0, 'push', 'request', 6, 'duplicated'), // message
  engine(9000, 0, { type: 'sent', at: 9000, requestId: 6, queueIds: ['c0:1'], bytes: 100 }), // 7
  msg(9040, 0, 'push', 'request', 6, 'delivered'), // message
  { t: 9040, type: 'apply', user: 'team-0', instance: 1, change: change('c0:1', 3, 9040) }, // 8
  msg(9040, 0, 'push', 'response', 6, 'sent', '200'), // message
  msg(9060, 0, 'push', 'request', 6, 'delivered'), // message: the network's extra copy
  msg(9060, 0, 'push', 'response', 6, 'sent', '200'), // message
  engine(9080, 0, { type: 'acked', at: 9080, queueId: 'c0:1', revision: 3, replayed: false, attempts: 2 }), // 9
  msg(9100, 1, 'pull', 'request', 2, 'refused', 'device offline'), // message
  msg(9200, 0, 'pull', 'request', 7, 'sent'), // message
  msg(9230, 0, 'pull', 'request', 7, 'refused', 'server down'), // message
  { t: 20_000, type: 'crash', client: 1, cause: 'crash', detail: 'client-crash' }, // 10
  { t: 21_000, type: 'restart', client: 1, detail: '' }, // 11
];

const clientFinal = (client: number) => ({ client, clientId: `c${client}`, user: 'team-0', crashed: false, cursor: 0, epoch: null, entities: {}, tombstones: [], queue: [], deadLetters: [], conflicts: [] });
const HISTORY: History = { ...splitRecords(EVENTS), healedAt: 15_000, endedAt: 30_000, converged: true, clients: [clientFinal(0), clientFinal(1)], server: null, traceHash: 'test' };
const APPLIED_TWICE: Violation = { rule: 'applied-twice', message: 'c0:1 (n1, update) was applied twice', clients: [0], queueIds: ['c0:1'], t: 9040, slice: [4, 8] };

const brief = (m: SpaceTimeMessage): string => `${m.dir} #${m.requestId} ${m.end}@${m.endAt ?? '-'}${m.copy ? ' copy' : ''}${m.duplicated ? ' dup' : ''}${m.highlighted ? ' !' : ''}`;

describe('sliceOfViolation', () => {
  it('takes the clients the violation names and the window of its own slice, padded', () => {
    const slice = sliceOfViolation(HISTORY, APPLIED_TWICE);
    expect(slice.clients).toEqual([0]);
    expect(slice.clientsFrom).toBe('violation');
    // The applies at 140 and 9040 ms, padded by at least 10 s each side (clamped at 0).
    expect([slice.startMs, slice.endMs]).toEqual([0, 19_040]);
    expect(slice.focusMs).toBe(9040);
    expect([...slice.ops]).toEqual(['0/1']);
    // Every event naming c0:1 is highlighted: enqueue, completion, both sends, applies, retry, ack (and the op's invocation).
    expect([...slice.events].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('falls back to the clients of the violating events when the violation names none', () => {
    const slice = sliceOfViolation(HISTORY, { ...APPLIED_TWICE, clients: [], slice: [] });
    expect(slice.clients).toEqual([0]);
    expect(slice.clientsFrom).toBe('violating events');
    // No slice of its own: the window spans every event naming c0:1 (100 … 9080 ms).
    expect([slice.startMs, slice.endMs]).toEqual([0, 19_080]);
  });

  it('falls back to the first clients in the window when the violation names nothing at all', () => {
    const slice = sliceOfViolation(HISTORY, { rule: 'not-converged', message: 'not converged', clients: [], queueIds: [], t: 30_000, slice: [] });
    expect(slice.clientsFrom).toBe('first clients in the window');
    expect(slice.startMs).toBe(0);
    expect(30_000 - SLICE_FALLBACK_WINDOW_MS, "the premise: the fallback window reaches back to the start").toBeLessThan(0);
    expect(slice.clients).toEqual([0, 1]);
  });
});

describe('buildSpaceTime', () => {
  const slice = sliceOfViolation(HISTORY, APPLIED_TWICE);
  const st = buildSpaceTime(HISTORY, slice, []);

  it('pairs every message record of the slice clients into arrows, in time order', () => {
    expect(st.messages.map(brief)).toEqual([
      'request #5 delivered@140 !',
      'response #5 dropped@- !',
      'request #6 delivered@9040 dup !',
      'request #6 delivered@9060 copy dup !',
      'response #6 delivered@9080 !', // the ack is the client acting on the first answer
      'response #6 ignored@- !', // the answer to the extra copy: the request was already answered
      'request #7 refused@9230', // the server was down when it arrived
    ]);
    expect(st.messagesInWindow).toBe(7);
    // c1 is not in the slice: its refused pull is not drawn.
    expect(st.messages.every((m) => m.client === 0)).toBe(true);
  });

  it('marks the op, the applies and the violating engine events on their lanes', () => {
    const marks = st.marks.map((m) => `${m.lane === SERVER_LANE ? 'server' : `c${m.lane}`} ${m.kind}${m.highlighted ? ' !' : ''} @${m.t}`);
    expect(marks).toEqual([
      'c0 event ! @100',
      'c0 op ! @100',
      'server apply ! @140',
      'c0 event ! @5000',
      'server apply ! @9040',
      'c0 event ! @9080',
    ]);
  });

  it('draws at most the cap, those carrying the violating op first', () => {
    // Focused on 9230 ms, the unrelated refused pull #7 is the nearest message; it still goes first.
    const capped = buildSpaceTime(HISTORY, sliceOfViolation(HISTORY, { ...APPLIED_TWICE, t: 9230 }), [], 2);
    expect(capped.messages).toHaveLength(2);
    expect(capped.messages.every((m) => m.highlighted)).toBe(true);
    expect(capped.messagesInWindow).toBe(7);
  });

  it('renders one arrow group per message, a cross per drop or refusal, the violating ones flagged', () => {
    const svg = renderSpaceTimeSvg(st);
    expect(svg.startsWith('<svg id="space-time"')).toBe(true);
    expect(svg.match(/<g class="msg"/g)).toHaveLength(st.messages.length);
    expect(svg.match(/class="cross"/g)).toHaveLength(2);
    expect(svg.match(/data-violating="yes"/g)).toHaveLength(st.messages.filter((m) => m.highlighted).length);
    expect(svg.match(/<g class="lane-client"/g)).toHaveLength(1);
    expect(svg.match(/<g class="lane-server"/g)).toHaveLength(1);
    expect(svg).toContain('push #5 · c0:1');
    expect(svg).toContain('(dup)');
  });
});

describe('the counterexample section of a real failing run', () => {
  const bug = bugByName('no-server-dedup');
  const config = buildSimConfig({ seed: 1, clients: 10, durationMs: 600_000, faults: { kinds: bug.faults, swarm: false, faultsPerHour: 120 } });
  const run = runSimulation({ config, variant: bug.variant });
  const results = runChecks(run.history, checkContextOf(config, bug.variant));
  const failed = results.filter((r) => !r.valid);

  it('is a failing seed of the zoo (the premise of this test)', () => {
    expect(failed.map((r) => r.name)).toContain('at-most-once');
  });

  it('draws the first violation: explanation, slice timeline and a bounded space-time diagram', () => {
    const checks = results.map((r) => ({ name: r.name, valid: r.valid, summary: r.summary, violations: r.violations }));
    const html = counterexampleSection(run.history, computeMetrics(run.history).faults.periods, checks);
    const first = failed[0]!.violations[0]!;
    expect(html).toContain('id="counterexample"');
    expect(html).toContain(first.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
    expect(html).toContain('<svg id="counterexample-timeline"');
    const arrows = html.match(/<g class="msg"/g) ?? [];
    expect(arrows.length).toBeGreaterThan(0);
    expect(arrows.length).toBeLessThanOrEqual(SPACE_TIME_MESSAGES_MAX);
    expect(html.match(/data-violating="yes"/g)?.length ?? 0).toBeGreaterThan(0);
  });

  it('is empty when every check held', () => {
    expect(counterexampleSection(run.history, [], results.map((r) => ({ ...r, valid: true })))).toBe('');
    expect(counterexampleSection(run.history, [], undefined)).toBe('');
  });
});

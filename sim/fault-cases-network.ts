// Acceptance cases for the network faults of one client's link (partitions, loss, duplication,
// reordering, latency, the device going offline): each makes the fault bite on client C during
// the window and checks its effect in the history, after survive() has checked that it ran and
// that the engine survived it. Run by sim/faults-network.test.ts.

import { expect } from 'vitest';
import { C, LATENCY_MS_MAX, START, STOP, clientFault, inWindow, sendSideRequests, survive, type FaultCases } from './fault-cases.ts';
import { applyCounts, engineEvents, eventsOf, isSendSide, messagesOf, pushTraces, requestTrips, settledQueueIds } from './testing.ts';

export const NETWORK_CASES: FaultCases = {
  partition: {
    story: 'a partition drops both directions, the engine times out and resends after it heals',
    check(seed) {
      const { history } = survive(seed, [clientFault('partition', 0)]);
      const inside = messagesOf(history, C).filter((m) => inWindow(m.t) && (m.dir === 'response' || isSendSide(m)));
      expect(inside.length, `seed ${seed}: client ${C} tried to talk during the partition`).toBeGreaterThan(0);
      for (const m of inside) expect(`${m.fate} ${m.detail}`, `seed ${seed}: ${m.dir} ${m.requestId} at ${m.t}`).toMatch(/^dropped partition/);
      const timeouts = engineEvents(history, 'request-failed', C).filter((e) => inWindow(e.t) && e.event.outcome === 'unknown');
      expect(timeouts.length, `seed ${seed}: requests given up as unknown during the partition`).toBeGreaterThan(0);
      expect(engineEvents(history, 'acked', C).some((e) => e.t >= STOP), `seed ${seed}: acks after the partition`).toBe(true);
    },
  },
  'partition-request': {
    story: 'an asymmetric partition drops requests only: nothing of the client reaches the server',
    check(seed) {
      const { history } = survive(seed, [clientFault('partition-request', 0)]);
      const requests = sendSideRequests(history, C).filter((m) => inWindow(m.t));
      expect(requests.length, `seed ${seed}: requests during the partition`).toBeGreaterThan(0);
      for (const m of requests) expect(`${m.fate} ${m.detail}`, `seed ${seed}: request ${m.requestId} at ${m.t}`).toBe('dropped partition');
      // Requests already on the wire at the start (≤ latencyMsMax) may still land.
      const arrivals = messagesOf(history, C).filter((m) => m.dir === 'request' && m.fate === 'delivered' && m.t >= START + LATENCY_MS_MAX && m.t < STOP);
      expect(arrivals, `seed ${seed}: requests of client ${C} that reached the server`).toEqual([]);
      const responsesDropped = messagesOf(history, C).filter((m) => m.dir === 'response' && m.fate === 'dropped');
      expect(responsesDropped, `seed ${seed}: responses are not partitioned`).toEqual([]);
      expect(engineEvents(history, 'request-failed', C).some((e) => inWindow(e.t) && e.event.outcome === 'unknown'), `seed ${seed}: timeouts`).toBe(true);
    },
  },
  'partition-response': {
    story: 'responses are lost while the server applies: the resend is answered as a replay, applied once',
    check(seed) {
      const { history } = survive(seed, [clientFault('partition-response', 0)]);
      const applied = applyCounts(history);
      const lostAcks = pushTraces(history)
        .filter((p) => p.client === C && p.responses.length > 0 && p.responses.every((r) => r.fate === 'dropped' && r.detail === 'partition (200)'))
        .flatMap((p) => p.applied);
      expect(lostAcks.length, `seed ${seed}: applied pushes whose answer was lost`).toBeGreaterThan(0);
      const replayed = new Set(engineEvents(history, 'acked', C).filter((e) => e.event.replayed).map((e) => e.event.queueId));
      for (const q of lostAcks) {
        expect(replayed.has(q), `seed ${seed}: ${q} acked as a replay`).toBe(true);
        expect(applied.get(q), `seed ${seed}: applies of ${q}`).toBe(1);
      }
    },
  },
  loss: {
    story: 'half the messages are lost: the engine resends until everything is acked',
    check(seed) {
      const { history } = survive(seed, [clientFault('loss', 500)]);
      const lost = messagesOf(history, C).filter((m) => m.fate === 'dropped' && m.detail.startsWith('loss'));
      expect(lost.length, `seed ${seed}: messages lost`).toBeGreaterThan(0);
      for (const m of lost) expect(inWindow(m.t), `seed ${seed}: ${m.dir} ${m.requestId} lost at ${m.t}, outside the window`).toBe(true);
      expect(engineEvents(history, 'request-failed', C).some((e) => e.event.outcome === 'unknown'), `seed ${seed}: timeouts`).toBe(true);
    },
  },
  duplicate: {
    story: 'duplicated pushes reach the server twice: the second copy is a replay, nothing is applied twice',
    check(seed) {
      const { history } = survive(seed, [clientFault('duplicate', 900)]);
      const duplicated = messagesOf(history, C).filter((m) => m.fate === 'duplicated');
      expect(duplicated.length, `seed ${seed}: duplicated messages`).toBeGreaterThan(0);
      for (const m of duplicated) expect(inWindow(m.t), `seed ${seed}: ${m.dir} ${m.requestId} duplicated at ${m.t}`).toBe(true);
      const twice = pushTraces(history).filter((p) => p.client === C && p.arrivals.filter((a) => a.fate === 'delivered').length === 2);
      expect(twice.length, `seed ${seed}: pushes that reached the server twice`).toBeGreaterThan(0);
      const overApplied = [...applyCounts(history)].filter(([, n]) => n > 1);
      expect(overApplied, `seed ${seed}: queueIds applied more than once`).toEqual([]);
    },
  },
  reorder: {
    story: 'reordered messages are held back past the latency spread, and the engine is none the worse',
    check(seed) {
      const { history } = survive(seed, [clientFault('reorder', 900)]);
      const trips = requestTrips(history, C).filter((r) => r.arrivedAt !== null);
      const held = trips.filter((r) => r.arrivedAt! - r.sentAt > LATENCY_MS_MAX);
      expect(held.filter((r) => inWindow(r.sentAt)).length, `seed ${seed}: requests held back during the window`).toBeGreaterThan(0);
      expect(held.filter((r) => !inWindow(r.sentAt)), `seed ${seed}: requests held back outside the window`).toEqual([]);
    },
  },
  latency: {
    story: 'a latency spike slows every request to at least half the spike, only during the window',
    check(seed) {
      const spikeMs = 20_000;
      const { history } = survive(seed, [clientFault('latency', spikeMs)]);
      const trips = requestTrips(history, C).filter((r) => r.arrivedAt !== null);
      const during = trips.filter((r) => inWindow(r.sentAt));
      expect(during.length, `seed ${seed}: requests during the spike`).toBeGreaterThan(0);
      for (const r of during) {
        expect(r.arrivedAt! - r.sentAt, `seed ${seed}: request ${r.requestId} sent at ${r.sentAt}`).toBeGreaterThanOrEqual(spikeMs >> 1);
        expect(r.arrivedAt! - r.sentAt, `seed ${seed}: request ${r.requestId} sent at ${r.sentAt}`).toBeLessThanOrEqual(spikeMs);
      }
      for (const r of trips.filter((t) => !inWindow(t.sentAt))) {
        expect(r.arrivedAt! - r.sentAt, `seed ${seed}: request ${r.requestId} sent at ${r.sentAt}`).toBeLessThanOrEqual(LATENCY_MS_MAX);
      }
    },
  },
  offline: {
    story: 'an offline device sends nothing, keeps accepting writes locally, and pushes them when back online',
    check(seed) {
      const { history } = survive(seed, [clientFault('offline', 0)]);
      expect(sendSideRequests(history, C).filter((m) => inWindow(m.t)), `seed ${seed}: requests of client ${C} while offline`).toEqual([]);
      expect(engineEvents(history, 'sent', C).filter((e) => inWindow(e.t)), `seed ${seed}: pushes while offline`).toEqual([]);
      expect(sendSideRequests(history, C).some((m) => m.t < START), `seed ${seed}: requests before`).toBe(true);
      const offlineWrites = eventsOf(history, 'complete').filter((c) => c.client === C && inWindow(c.t) && c.queueId !== null);
      expect(offlineWrites.length, `seed ${seed}: writes accepted offline`).toBeGreaterThan(0);
      for (const w of offlineWrites) expect(w.outcome, `seed ${seed}: op ${w.opId}`).toBe('ok');
      const firstSend = engineEvents(history, 'sent', C).find((e) => e.t >= STOP);
      expect(firstSend?.t, `seed ${seed}: the first push after coming back online`).toBe(STOP);
      const settled = settledQueueIds(history);
      for (const w of offlineWrites) expect(settled.has(w.queueId!), `seed ${seed}: ${w.queueId} written offline is settled`).toBe(true);
    },
  },
};

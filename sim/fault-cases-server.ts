// Acceptance cases for the server faults (error answers, 429/413, token expiry, commit-then-fail,
// slowness, crash, rollback, failover, permanent and busy item errors): each makes the fault bite
// during the window and checks its effect in the history, after survive() has checked that it ran
// and that the engine survived it. Run by sim/faults-server.test.ts.

import { expect } from 'vitest';
import { C, LATENCY_MS_MAX, START, STOP, clientFault, inWindow, runFaults, serverFault, survive, type FaultCases } from './fault-cases.ts';
import { MINUTE_MS, SECOND_MS, applyCounts, engineEvents, eventsOf, messagesOf, pushTraces } from './testing.ts';

export const SERVER_CASES: FaultCases = {
  'server-5xx': {
    story: '503s are retried with backoff, never dead-lettered',
    check(seed) {
      const { history } = survive(seed, [serverFault('server-5xx', 500)]);
      const errors = messagesOf(history).filter((m) => m.dir === 'response' && m.detail === '503');
      expect(errors.length, `seed ${seed}: 503 answers`).toBeGreaterThan(0);
      for (const m of errors) expect(inWindow(m.t), `seed ${seed}: 503 at ${m.t}`).toBe(true);
      expect(engineEvents(history, 'request-failed').some((e) => e.event.status === 503), `seed ${seed}: request-failed 503`).toBe(true);
      expect(engineEvents(history, 'retried').some((e) => e.event.reason === 'http 503'), `seed ${seed}: retried after a 503`).toBe(true);
      expect(engineEvents(history, 'dead-lettered'), `seed ${seed}: dead letters`).toEqual([]);
    },
  },
  'server-429': {
    story: 'a 429 item is not retried before Retry-After',
    check(seed) {
      const retryAfterMs = 20_000;
      const { history } = survive(seed, [serverFault('server-429', retryAfterMs)]);
      expect(messagesOf(history).filter((m) => m.dir === 'response' && m.detail === '429').length, `seed ${seed}: 429 answers`).toBeGreaterThan(0);
      const retries = engineEvents(history, 'retried').filter((e) => e.event.reason === 'http 429');
      expect(retries.length, `seed ${seed}: items retried after a 429`).toBeGreaterThan(0);
      const sends = engineEvents(history, 'sent');
      for (const r of retries) {
        const what = `seed ${seed}: client ${r.client} ${r.event.queueId} retried at client time ${r.clientTime}`;
        expect(r.event.delayMs, what).toBeGreaterThanOrEqual(retryAfterMs);
        const next = sends.find((s) => s.client === r.client && s.t > r.t && s.event.queueIds.includes(r.event.queueId));
        expect(next, `${what}: sent again`).toBeDefined();
        expect(next!.clientTime - r.clientTime, `${what}: re-sent after`).toBeGreaterThanOrEqual(retryAfterMs);
      }
      const pullFailures = engineEvents(history, 'request-failed').filter((e) => e.event.kind === 'pull' && e.event.status === 429);
      for (const p of pullFailures) expect(p.event.delayMs, `seed ${seed}: client ${p.client} pull backoff at ${p.t}`).toBeGreaterThanOrEqual(retryAfterMs);
    },
  },
  'server-413': {
    story: 'a 413 halves the batch until it fits, and nothing is dead-lettered',
    check(seed) {
      // The device is offline first so its queue grows; it comes back while pushes of more than one item are refused.
      const itemsMax = 1;
      const backOnlineMs = 100 * SECOND_MS;
      const { history } = survive(seed, [
        clientFault('offline', 0, { atMs: 20 * SECOND_MS, durationMs: backOnlineMs - 20 * SECOND_MS }),
        serverFault('server-413', itemsMax, { atMs: 90 * SECOND_MS }),
      ]);
      const pushes = pushTraces(history).filter((p) => p.client === C && p.sentAt >= backOnlineMs && inWindow(p.sentAt) && p.responses.length > 0);
      const refused = pushes.filter((p) => p.responses[0]!.detail === '413');
      expect(refused.length, `seed ${seed}: pushes refused with 413`).toBeGreaterThan(0);
      for (const p of refused) {
        expect(p.queueIds.length, `seed ${seed}: push ${p.requestId} refused`).toBeGreaterThan(itemsMax);
        const next = pushes.find((q) => q.sentAt >= p.sentAt && q.requestId > p.requestId);
        expect(next, `seed ${seed}: a push after ${p.requestId}`).toBeDefined();
        expect(next!.queueIds.length, `seed ${seed}: push ${next!.requestId} after a 413 of ${p.queueIds.length} items`).toBeLessThanOrEqual(Math.max(1, p.queueIds.length >> 1));
      }
      const accepted = pushes.filter((p) => p.responses[0]!.detail === '200');
      expect(accepted.length, `seed ${seed}: smaller pushes accepted during the 413 window`).toBeGreaterThan(0);
      for (const p of accepted) expect(p.queueIds.length, `seed ${seed}: push ${p.requestId}`).toBeLessThanOrEqual(itemsMax);
      expect(engineEvents(history, 'dead-lettered'), `seed ${seed}: dead letters`).toEqual([]);
    },
  },
  'token-expiry': {
    story: 'when every token expires, clients get 401, refresh, and carry on',
    check(seed) {
      const { history } = survive(seed, [serverFault('token-expiry', 0)]);
      expect(eventsOf(history, 'server').filter((e) => e.action === 'tokens-expired').map((e) => e.t), `seed ${seed}`).toEqual([START]);
      const unauthorized = messagesOf(history).filter((m) => m.dir === 'response' && m.detail === '401');
      for (const m of unauthorized) expect(m.t, `seed ${seed}: 401 to client ${m.client}`).toBeGreaterThanOrEqual(START);
      const clients = [...new Set(unauthorized.map((m) => m.client))].sort((a, b) => a - b);
      expect(clients, `seed ${seed}: every client got a 401`).toEqual([0, 1, 2, 3, 4, 5]);
      for (const client of clients) {
        const first401 = unauthorized.find((m) => m.client === client)!.t;
        const later200 = messagesOf(history, client).some((m) => m.dir === 'response' && m.detail === '200' && m.t > first401);
        expect(later200, `seed ${seed}: client ${client} succeeds after its 401 at ${first401}`).toBe(true);
      }
      expect(engineEvents(history, 'dead-lettered'), `seed ${seed}: a 401 never dead-letters`).toEqual([]);
    },
  },
  'commit-then-fail': {
    story: 'lost ack after commit is applied once: the 500 after the commit is retried and answered as a replay',
    check(seed) {
      const { history } = survive(seed, [serverFault('commit-then-fail', 1000, { durationMs: 30 * SECOND_MS })]);
      const applied = applyCounts(history);
      const lostAcks = pushTraces(history)
        .filter((p) => p.responses.some((r) => r.detail === 'commit-then-fail'))
        .flatMap((p) => p.applied.map((q) => ({ client: p.client, q })));
      expect(lostAcks.length, `seed ${seed}: applied pushes answered 500`).toBeGreaterThan(0);
      const replayed = new Set(engineEvents(history, 'acked').filter((e) => e.event.replayed).map((e) => `${e.client}/${e.event.queueId}`));
      for (const { client, q } of lostAcks) {
        expect(replayed.has(`${client}/${q}`), `seed ${seed}: ${q} acked later as a replay`).toBe(true);
        expect(applied.get(q), `seed ${seed}: applies of ${q}`).toBe(1);
      }
    },
  },
  'server-slow': {
    story: 'slow answers arrive late but within the timeout: acks are delayed, nothing times out',
    check(seed) {
      const slowMs = 10_000;
      const { history } = survive(seed, [serverFault('server-slow', slowMs)]);
      // When the client learnt an item's result (ack or conflict).
      const results = [...engineEvents(history, 'acked'), ...engineEvents(history, 'conflict')];
      const slowPushes = pushTraces(history).filter((p) => p.arrivals.length > 0 && inWindow(p.arrivals[0]!.t) && p.responses[0]?.detail === '200');
      expect(slowPushes.length, `seed ${seed}: pushes answered during the window`).toBeGreaterThan(0);
      for (const p of slowPushes) {
        const heard = results.filter((e) => e.client === p.client && e.event.queueId === p.queueIds[0] && e.t >= p.arrivals[0]!.t);
        const at = heard.length === 0 ? undefined : Math.min(...heard.map((e) => e.t));
        expect(at, `seed ${seed}: client ${p.client} heard of ${p.queueIds[0]}`).toBeDefined();
        expect(at! - p.arrivals[0]!.t, `seed ${seed}: client ${p.client} push ${p.requestId}`).toBeGreaterThanOrEqual(slowMs);
      }
      expect(engineEvents(history, 'request-failed'), `seed ${seed}: no request failed`).toEqual([]);
    },
  },
  'server-crash': {
    story: 'a crashed server refuses connections; clients back off and resume after its restart',
    check(seed) {
      const { history } = survive(seed, [serverFault('server-crash', 0, { durationMs: MINUTE_MS })]);
      const restartAt = START + MINUTE_MS;
      expect(eventsOf(history, 'server').map((e) => `${e.action}@${e.t}`), `seed ${seed}`).toEqual([`crash@${START}`, `restart@${restartAt}`]);
      const refused = messagesOf(history).filter((m) => m.fate === 'refused');
      expect(refused.length, `seed ${seed}: refused requests`).toBeGreaterThan(0);
      for (const m of refused) {
        expect(m.detail, `seed ${seed}`).toBe('server down');
        expect(m.t >= START && m.t < restartAt, `seed ${seed}: refused at ${m.t}`).toBe(true);
      }
      expect(eventsOf(history, 'apply').filter((e) => e.t >= START && e.t < restartAt), `seed ${seed}: applies while down`).toEqual([]);
      expect(engineEvents(history, 'request-failed').some((e) => e.event.outcome === 'unsent'), `seed ${seed}: refusals seen by the engine`).toBe(true);
      expect(eventsOf(history, 'apply').some((e) => e.t >= restartAt), `seed ${seed}: applies after the restart`).toBe(true);
    },
  },
  'server-rollback': {
    story: 'server restored from backup: clients notice the new epoch and re-upload what it lost',
    check(seed) {
      const { history } = survive(seed, [serverFault('server-rollback', 0)]);
      const rollbacks = eventsOf(history, 'server').filter((e) => e.action === 'rollback');
      expect(rollbacks.map((e) => `${e.epoch}@${e.t}`), `seed ${seed}`).toEqual([`e2@${STOP}`]);
      const lost = eventsOf(history, 'apply').filter((e) => inWindow(e.t));
      expect(lost.length, `seed ${seed}: changes applied during the window (lost by the rollback)`).toBeGreaterThan(0);
      const noticed = new Set(engineEvents(history, 'epoch-changed').filter((e) => e.event.to === 'e2').map((e) => e.client));
      expect([...noticed].sort((a, b) => a - b), `seed ${seed}: clients that noticed the rollback`).toEqual([0, 1, 2, 3, 4, 5]);
      expect(engineEvents(history, 'repair-enqueued').length, `seed ${seed}: re-uploads`).toBeGreaterThan(0);
      expect(history.server!.epoch, `seed ${seed}`).toBe('e2');
    },
  },
  'server-failover': {
    story: 'applied-but-unacked ops re-sent to a new server instance are replays, applied once',
    check(seed) {
      // Fail over just after a push was applied and before its answer arrives (from the seed's own fault-free run).
      const baseline = runFaults(seed, []).history;
      const ackAt = new Map(engineEvents(baseline, 'acked').map((e) => [e.event.queueId, e.t]));
      const victim = pushTraces(baseline).find((p) => p.arrivals.length === 1 && p.arrivals[0]!.t >= START && ackAt.get(p.queueIds[0]!)! > p.arrivals[0]!.t + 1);
      expect(victim, `seed ${seed}: a push in flight to fail over under`).toBeDefined();
      const atMs = victim!.arrivals[0]!.t + 1;
      const { history } = survive(seed, [serverFault('server-failover', 0, { atMs })]);
      expect(eventsOf(history, 'server').map((e) => `${e.action}@${e.t}`), `seed ${seed}`).toEqual([`failover@${atMs}`]);
      const gone = messagesOf(history, victim!.client).filter((m) => m.fate === 'dropped' && m.detail === 'server instance gone');
      expect(gone.some((m) => m.requestId === victim!.requestId), `seed ${seed}: the answer to push ${victim!.requestId} was lost`).toBe(true);
      const applied = applyCounts(history);
      for (const q of victim!.queueIds) {
        if (!applied.has(q)) continue;
        expect(applied.get(q), `seed ${seed}: applies of ${q}`).toBe(1);
        expect(engineEvents(history, 'acked', victim!.client).some((e) => e.event.queueId === q && e.event.replayed), `seed ${seed}: ${q} acked as a replay`).toBe(true);
      }
      expect(victim!.queueIds.some((q) => applied.has(q)), `seed ${seed}: the victim push applied something`).toBe(true);
    },
  },
  'permanent-error': {
    story: 'items refused for good are dead-lettered with their payload, and do not block the queue',
    check(seed) {
      const { history } = survive(seed, [serverFault('permanent-error', 300)]);
      const dead = engineEvents(history, 'dead-lettered');
      expect(dead.length, `seed ${seed}: dead-lettered items`).toBeGreaterThan(0);
      for (const d of dead) {
        expect(d.event.code, `seed ${seed}: ${d.event.queueId}`).toBe('forbidden');
        expect(inWindow(d.t), `seed ${seed}: ${d.event.queueId} dead-lettered at ${d.t}`).toBe(true);
        const record = history.clients[d.client]!.deadLetters.find((r) => r.queueId === d.event.queueId);
        expect(record?.item.payload, `seed ${seed}: ${d.event.queueId} kept with its payload`).toBeDefined();
      }
      const applied = applyCounts(history);
      for (const d of dead) expect(applied.has(d.event.queueId), `seed ${seed}: dead-lettered ${d.event.queueId} was applied`).toBe(false);
    },
  },
  'item-busy': {
    story: 'an item answered busy in a batch the rest of which applied is retried until acked: never dropped, never dead-lettered',
    check(seed) {
      const { history } = survive(seed, [serverFault('item-busy', 500)]);
      const busy = engineEvents(history, 'retried').filter((e) => e.event.reason.startsWith('busy: '));
      expect(busy.length, `seed ${seed}: items retried after a busy answer`).toBeGreaterThan(0);
      // Told within the window; the answer may land up to one network latency after it.
      for (const r of busy) expect(r.t >= START && r.t < STOP + LATENCY_MS_MAX, `seed ${seed}: ${r.event.queueId} answered busy at ${r.t}`).toBe(true);
      expect(engineEvents(history, 'dead-lettered'), `seed ${seed}: dead letters`).toEqual([]);
      // Each was sent again and answered for itself: acked (once), or met a newer write and went the conflict policy's way.
      const acked = new Set(engineEvents(history, 'acked').map((e) => e.event.queueId));
      const conflicts = engineEvents(history, 'conflict');
      const applied = applyCounts(history);
      for (const r of busy) {
        const q = r.event.queueId;
        const laterConflict = conflicts.some((c) => c.event.queueId === q && c.client === r.client && c.t > r.t);
        expect(acked.has(q) || laterConflict, `seed ${seed}: ${q} answered after its busy answer`).toBe(true);
        expect(applied.get(q) ?? 0, `seed ${seed}: applies of ${q}`).toBeLessThanOrEqual(1);
      }
      expect(busy.some((r) => acked.has(r.event.queueId)), `seed ${seed}: an item answered busy was acked later`).toBe(true);
    },
  },
};

// Acceptance cases for the client-side faults (a client crash mid-write, storage quota) and the
// clock faults (a step, a drift change): each makes the fault bite on client C and checks its
// effect in the history, after survive() has checked that it ran and that the engine survived
// it. Run by sim/faults-client.test.ts.

import { expect } from 'vitest';
import { C, START, STOP, clientFault, firstWriteOf, inWindow, survive, type FaultCases } from './fault-cases.ts';
import { MINUTE_MS, SECOND_MS, applyCounts, engineEvents, eventsOf, faultTestConfig, settledQueueIds } from './testing.ts';

export const CLIENT_CASES: FaultCases = {
  'client-crash': {
    story: 'a client crashing mid-write restarts from storage: every op is ok-and-durable or unknown (info)',
    check(seed) {
      const config = faultTestConfig(seed);
      const op = firstWriteOf(config, C, START);
      let durableButUnanswered = 0;
      // Each crash point of the write's effects: before, between and after the commit and the reply.
      for (let crashAfterEffects = 0; crashAfterEffects <= 3; crashAfterEffects++) {
        const what = `seed ${seed}, crash after ${crashAfterEffects} effects of the write at ${op.atMs}`;
        const run = survive(seed, [clientFault('client-crash', crashAfterEffects, { atMs: op.atMs, durationMs: 30 * SECOND_MS })]);
        const { history } = run;
        const marks = history.events.filter((e) => (e.type === 'crash' || e.type === 'restart') && e.client === C);
        expect(marks.map((e) => `${e.type}@${e.t}`), what).toEqual([`crash@${op.atMs}`, `restart@${op.atMs + 30 * SECOND_MS}`]);
        expect(marks[0], what).toMatchObject({ cause: 'crash', detail: expect.stringMatching(/\(write\)$/) });
        const completions = eventsOf(history, 'complete').filter((c) => c.client === C);
        for (const c of completions) expect(c.outcome, `${what}: op ${c.opId}`).not.toBe('fail');
        const settled = settledQueueIds(history);
        for (const c of completions) if (c.outcome === 'ok' && c.queueId !== null) expect(settled.has(c.queueId), `${what}: ok op ${c.opId} (${c.queueId}) settled`).toBe(true);
        const invokeAtCrash = eventsOf(history, 'invoke').find((i) => i.client === C && i.t === op.atMs);
        const cut = completions.find((c) => c.opId === invokeAtCrash?.opId);
        if (cut?.outcome === 'ok') continue; // the crash came after the reply
        expect(cut?.outcome, `${what}: the cut write`).toBe('info');
        // An enqueued event is emitted only once the write is durable: then it must reach the server.
        const enqueued = engineEvents(history, 'enqueued', C).find((e) => e.t === op.atMs);
        if (enqueued === undefined) continue;
        durableButUnanswered++;
        expect(settled.has(enqueued.event.queueId), `${what}: durable but unanswered ${enqueued.event.queueId} settled`).toBe(true);
        expect(applyCounts(history).get(enqueued.event.queueId) ?? 0, `${what}: applies of ${enqueued.event.queueId}`).toBeLessThanOrEqual(1);
      }
      expect(durableButUnanswered, `seed ${seed}: crash points where the write was durable but unanswered`).toBeGreaterThan(0);
    },
  },
  'storage-quota': {
    story: 'quota exceeded fails the writes in the window and stops sync without a tight loop; it resumes after',
    check(seed) {
      const { history } = survive(seed, [clientFault('storage-quota', 0)]);
      const completions = eventsOf(history, 'complete').filter((c) => c.client === C);
      const failed = completions.filter((c) => c.outcome === 'fail');
      expect(failed.length, `seed ${seed}: writes failed by the quota`).toBeGreaterThan(0);
      for (const c of failed) {
        expect(c.error, `seed ${seed}: op ${c.opId}`).toMatch(/quota/);
        expect(inWindow(c.t), `seed ${seed}: op ${c.opId} failed at ${c.t}`).toBe(true);
      }
      const crashes = eventsOf(history, 'crash').filter((e) => e.client === C);
      for (const e of crashes) expect(inWindow(e.t), `seed ${seed}: crash at ${e.t}`).toBe(true);
      // Each is the engine's own rebuild after a refused commit, not a crash of the app.
      for (const e of crashes) expect(e, `seed ${seed}: down at ${e.t}`).toMatchObject({ cause: 'rebuild', detail: 'storage quota' });
      // One soft crash per write in the window, plus backed-off sync attempts: ≈ log2(window / base) + window / cap each for push and pull.
      const writesInWindow = eventsOf(history, 'invoke').filter((i) => i.client === C && inWindow(i.t) && i.action !== 'read').length;
      expect(crashes.length, `seed ${seed}: soft crashes (${writesInWindow} writes in the window)`).toBeLessThanOrEqual(writesInWindow + 40);
      expect(engineEvents(history, 'acked', C).some((e) => e.t >= STOP), `seed ${seed}: acks after the quota frees up`).toBe(true);
    },
  },
  'second-tab': {
    story: 'a second tab over the store: the person writes in it while the first keeps syncing; a tab whose image went stale rebuilds, and no write fails, is lost or is applied twice',
    check(seed) {
      const { history } = survive(seed, [clientFault('second-tab', 0)]);
      const tab = history.clients.find((c) => c.tabOf === C);
      expect(tab, `seed ${seed}: a history lane for the tab`).toBeDefined();
      const T = tab!.client;
      const marks = history.events.filter((e) => (e.type === 'crash' || e.type === 'restart') && e.client === T);
      expect(marks[0], `seed ${seed}: the tab opens at the start`).toMatchObject({ type: 'restart', t: START });
      expect(marks.at(-1), `seed ${seed}: the tab closes at the stop`).toMatchObject({ type: 'crash', t: STOP, cause: 'close', detail: 'the second tab closed' });
      // The person writes in the tab during the window, in the device's engine otherwise.
      const invokes = eventsOf(history, 'invoke').filter((i) => i.client === C || i.client === T);
      expect(invokes.filter((i) => i.client === T).length, `seed ${seed}: ops made in the tab`).toBeGreaterThan(0);
      for (const i of invokes) expect(i.client === T, `seed ${seed}: op ${i.opId} at ${i.t}`).toBe(inWindow(i.t));
      // Both engines commit to one store: each is refused as stale at times, and rebuilds.
      const stale = eventsOf(history, 'crash').filter((e) => e.detail === 'storage stale');
      expect(stale.some((e) => e.client === C), `seed ${seed}: the device's engine refused as stale`).toBe(true);
      expect(stale.some((e) => e.client === T), `seed ${seed}: the tab refused as stale`).toBe(true);
      for (const e of stale) expect(e.cause, `seed ${seed}: client ${e.client} down at ${e.t}`).toBe('rebuild');
      // None of it is a crash: the report's crash count stays at zero.
      expect(eventsOf(history, 'crash').filter((e) => e.cause === 'crash'), `seed ${seed}: crashes`).toEqual([]);
      // A write refused as stale is made again: none fails for it.
      for (const c of eventsOf(history, 'complete')) if (c.client === C || c.client === T) expect(c.error ?? '', `seed ${seed}: op ${c.opId}`).not.toMatch(/stale/);
      expect(engineEvents(history, 'acked', T).length, `seed ${seed}: items acked in the tab`).toBeGreaterThan(0);
      for (const [queueId, count] of applyCounts(history)) expect(count, `seed ${seed}: applies of ${queueId}`).toBeLessThanOrEqual(1);
    },
  },
  'clock-step': {
    story: 'a clock stepped back two hours: the engine stamps events with the new time and still converges',
    check(seed) {
      const stepMs = -2 * 60 * MINUTE_MS;
      const { history } = survive(seed, [clientFault('clock-step', stepMs)]);
      const offsets = engineEvents(history, 'sent', C).map((e) => ({ t: e.t, offsetMs: e.clientTime - e.t }));
      const before = offsets.filter((o) => o.t < START).at(-1);
      const after = offsets.find((o) => o.t >= START);
      expect(before, `seed ${seed}: a push before the step`).toBeDefined();
      expect(after, `seed ${seed}: a push after the step`).toBeDefined();
      // Drift (≤ 100 ppm) moves the offset by a few ms between the two events.
      expect(Math.abs(after!.offsetMs - before!.offsetMs - stepMs), `seed ${seed}: offset jump ${after!.offsetMs - before!.offsetMs}`).toBeLessThanOrEqual(100);
    },
  },
  'clock-drift': {
    story: 'a drift change makes the client clock run at the new rate for the window, then at its own again',
    check(seed) {
      const driftPpm = 1000;
      const run = survive(seed, [clientFault('clock-drift', driftPpm)]);
      const ownPpm = run.result.plan.clocks[C]!.driftPpm;
      const events = eventsOf(run.history, 'engine').filter((e) => e.client === C);
      const rateBetween = (fromMs: number, toMs: number): number => {
        const inside = events.filter((e) => e.t >= fromMs && e.t <= toMs);
        const first = inside[0]!;
        const last = inside.at(-1)!;
        expect(last.t - first.t, `seed ${seed}: engine events of client ${C} span [${fromMs}, ${toMs}]`).toBeGreaterThanOrEqual(MINUTE_MS);
        return ((last.clientTime - last.t - (first.clientTime - first.t)) / (last.t - first.t)) * 1e6;
      };
      // Offsets are rounded to whole ms: over ≥ 1 minute that is within ±35 ppm.
      expect(Math.abs(rateBetween(START, STOP) - driftPpm), `seed ${seed}: ppm during the window`).toBeLessThanOrEqual(35);
      expect(Math.abs(rateBetween(STOP, run.config.durationMs) - ownPpm), `seed ${seed}: ppm after the window (own ${ownPpm})`).toBeLessThanOrEqual(35);
    },
  },
};

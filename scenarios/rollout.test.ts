// The rollout kinds (sim/releases.ts): 'client-upgrade' closes a client's app, installs another
// engine release and restarts into it, migrating its store one atomic step at a time (possibly
// losing power between steps); 'server-upgrade' changes the protocol versions the server
// accepts. Each test checks that the upgrade happened in the history, had its observable
// effect, and that the run survived it (survivalProblems, and every checker).

import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../engine/schema/index.ts';
import { runChecks } from './checkers/index.ts';
import { checkContextFor } from './catalogue.ts';
import type { History } from '../sim/history.ts';
import { clientUpgradeParam, serverReleaseIndex } from '../sim/releases.ts';
import { MINUTE_MS, SECOND_MS, applyCounts, engineEvents, eventsOf, faultTestConfig, runWithFaults, survivalProblems } from '../sim/testing.ts';
import type { Fault, SimConfig } from '../sim/types.ts';

const SEEDS = [7, 11, 23] as const;
const C = 1;
const UPGRADE_AT_MS = 2 * MINUTE_MS;

function upgrade(client: number, atMs: number, crashBeforeStep = 0, release = 'v2'): Fault {
  return { atMs, kind: 'client-upgrade', durationMs: 20 * SECOND_MS, client, param: clientUpgradeParam(release, crashBeforeStep) };
}

function failingCheckers(config: SimConfig, history: History): string[] {
  return runChecks(history, checkContextFor(config)).filter((c) => !c.valid).map((c) => `${c.name}: ${c.summary}`);
}

function expectSurvived(config: SimConfig, history: History, where: string): void {
  expect(survivalProblems(history), where).toEqual([]);
  expect(failingCheckers(config, history), where).toEqual([]);
}

describe('client-upgrade: a v1 client restarts into v2', () => {
  for (const seed of SEEDS) {
    it(`migrates its store v1 → v${LATEST_SCHEMA_VERSION} step by step, keeps its offline queue, then sends deltas (seed ${seed})`, () => {
      const config = faultTestConfig(seed, { release: { client: 'v1', server: 'v2' } });
      // Offline across the upgrade, so the queue holds v1 items (whole-entity updates) when the store migrates.
      const offline: Fault = { atMs: MINUTE_MS, kind: 'offline', durationMs: 90 * SECOND_MS, client: C, param: 0 };
      const { history } = runWithFaults(config, [offline, upgrade(C, UPGRADE_AT_MS)]);
      const where = `seed ${seed}`;

      const steps = eventsOf(history, 'migrate').filter((e) => e.client === C);
      expect(steps.map((e) => [e.fromVersion, e.toVersion]), where).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION - 1 }, (_, i) => [i + 1, i + 2]));
      expect(steps.every((e) => e.t >= UPGRADE_AT_MS && e.release === 'v2'), where).toBe(true);
      expect(eventsOf(history, 'migrate').filter((e) => e.client !== C), `${where}: only the upgraded client migrates`).toEqual([]);

      // Protocol 1 queues an update as the whole entity, protocol 2 as the delta the user wrote (one field here).
      const updates = engineEvents(history, 'enqueued', C).filter((e) => e.event.action === 'update');
      const before = updates.filter((e) => e.t < UPGRADE_AT_MS);
      const after = updates.filter((e) => e.t > UPGRADE_AT_MS);
      expect(before.length, `${where}: updates before the upgrade`).toBeGreaterThan(0);
      expect(after.length, `${where}: updates after the upgrade`).toBeGreaterThan(0);
      expect(before.every((e) => Object.keys(e.event.payload).length > 1), `${where}: v1 sends whole entities`).toBe(true);
      expect(after.every((e) => Object.keys(e.event.payload).length === 1), `${where}: v2 sends deltas`).toBe(true);

      // What was queued offline before the upgrade reached the server after it, exactly once.
      const queuedOffline = engineEvents(history, 'enqueued', C).filter((e) => e.t >= MINUTE_MS && e.t < UPGRADE_AT_MS).map((e) => e.event.queueId);
      expect(queuedOffline.length, `${where}: ops queued offline before the upgrade`).toBeGreaterThan(0);
      const applied = applyCounts(history);
      const settledAfter = new Set([...engineEvents(history, 'acked', C), ...engineEvents(history, 'conflict', C)].filter((e) => e.t > UPGRADE_AT_MS).map((e) => e.event.queueId));
      const unsettled = queuedOffline.filter((q) => (applied.get(q) ?? 0) > 1 || !settledAfter.has(q));
      expect(unsettled, `${where}: queued before the upgrade, not acked (or settled by a conflict) after it, or applied twice`).toEqual([]);
      expectSurvived(config, history, where);
    });
  }

  it('a power loss before a migration step resumes the migration on the next start, never mixing versions', () => {
    for (const seed of SEEDS) {
      for (let crashBeforeStep = 1; crashBeforeStep < LATEST_SCHEMA_VERSION; crashBeforeStep++) {
        const config = faultTestConfig(seed, { release: { client: 'v1', server: 'v2' } });
        const { history } = runWithFaults(config, [upgrade(C, UPGRADE_AT_MS, crashBeforeStep)]);
        const where = `seed ${seed}, power lost before step ${crashBeforeStep}`;
        const lost = eventsOf(history, 'crash').filter((e) => e.client === C && e.detail.startsWith(`power lost before migration step ${crashBeforeStep} `));
        expect(lost.length, where).toBe(1);
        const steps = eventsOf(history, 'migrate').filter((e) => e.client === C);
        // Every version reached once, in order: the steps committed before the loss are not redone.
        expect(steps.map((e) => e.toVersion), where).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION - 1 }, (_, i) => i + 2));
        // The steps recorded before the loss are the ones that committed.
        const events = [...history.events];
        const lostIndex = events.findIndex((e) => e.type === 'crash' && e.client === C && e.detail === lost[0]!.detail);
        expect(events.slice(0, lostIndex).filter((e) => e.type === 'migrate' && e.client === C).length, where).toBe(crashBeforeStep - 1);
        expectSurvived(config, history, where);
      }
    }
  });

  it('a store newer than the release knows is refused: the client stays down, nothing migrated', () => {
    const config = faultTestConfig(SEEDS[0], { release: { client: 'v2', server: 'v2' } });
    const { history } = runWithFaults(config, [upgrade(C, UPGRADE_AT_MS, 0, 'v1')]);
    const refused = eventsOf(history, 'crash').filter((e) => e.client === C && e.detail.includes(`v1 refused its store: store schema version ${LATEST_SCHEMA_VERSION} is newer than this engine knows (1)`));
    expect(refused.length).toBeGreaterThan(0);
    expect(eventsOf(history, 'migrate')).toEqual([]);
    expect(history.clients[C]!.crashed).toBe(true);
  });
});

describe('server-upgrade: the accepted protocol versions change mid-run', () => {
  for (const seed of SEEDS) {
    it(`v2 clients stop on a v1 server without losing anything, and sync after the server upgrade and a restart (seed ${seed})`, () => {
      const config = faultTestConfig(seed, { release: { client: 'v2', server: 'v1' } });
      const serverUpgrade: Fault = { atMs: MINUTE_MS, kind: 'server-upgrade', durationMs: SECOND_MS, client: -1, param: serverReleaseIndex('v2') };
      // A refused client waits for its app to be relaunched (an 'upgrade' to the release it runs).
      const restarts: Fault[] = Array.from({ length: config.clients }, (_, client) => upgrade(client, 90 * SECOND_MS));
      const { history } = runWithFaults(config, [serverUpgrade, ...restarts]);
      const where = `seed ${seed}`;

      const refused = engineEvents(history, 'upgrade-required');
      expect(refused.length, `${where}: refusals before the server upgrade`).toBeGreaterThan(0);
      expect(refused.every((e) => e.t < MINUTE_MS), `${where}: no refusal after it`).toBe(true);
      expect(eventsOf(history, 'server').filter((e) => e.action === 'upgrade').map((e) => e.t), where).toEqual([MINUTE_MS]);
      expect(eventsOf(history, 'apply').filter((e) => e.t < MINUTE_MS), `${where}: nothing applied while refused`).toEqual([]);
      expect(engineEvents(history, 'dead-lettered'), `${where}: a refused version dead-letters nothing`).toEqual([]);
      expectSurvived(config, history, where);
    });
  }
});

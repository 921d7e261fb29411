// The real chain end to end: three SyncEngines over httpTransport + httpTokenProvider, real
// time and timers, against the express mock with a lowdb store that injects 503s, 500s,
// commit-then-fail and dropped connections (before and after commit). After the faults are
// switched off every queue drains and every device equals the server, which applied each op once.

import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncEngine, notes, type Note, type Repository } from '../../engine/index.ts';
import { httpTokenProvider, httpTransport } from '../../engine/adapters/http-transport.ts';
import { MemoryStorage } from '../../engine/adapters/memory-storage.ts';
import { ManualConnectivity, systemClock, systemTimers } from '../../engine/adapters/real.ts';
import { seededRandom } from '../../engine/adapters/seeded-random.ts';
import { readStoredStateSync } from '../store/server-state-file.ts';
import { putFaults, startTestServer, type TestServer } from './testkit.ts';

interface Device {
  readonly engine: SyncEngine;
  readonly repo: Repository<Note>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openDevice(server: TestServer, index: number): Promise<Device> {
  const random = seededRandom(300 + index);
  const engine = await SyncEngine.open(
    { clientId: `device-${index}`, conflictPolicy: 'lww-hlc', coalesce: false, backoffBaseMs: 20, backoffCapMs: 200, syncIntervalMs: 150 },
    {
      clock: systemClock,
      timers: systemTimers,
      random,
      storage: new MemoryStorage(),
      transport: httpTransport({ baseUrl: server.url, timeoutMs: 2_000 }),
      connectivity: new ManualConnectivity(true),
      tokens: httpTokenProvider({ baseUrl: server.url, user: 'team-1' }),
    },
  );
  cleanups.push(() => engine.close());
  return { engine, repo: notes(engine, random) };
}

function serverView(server: TestServer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entity of server.app.core().entities('team-1').values()) if (!entity.deleted) out[entity.entityId] = entity.fields;
  return out;
}

function localView(device: Device): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { id, ...fields } of device.repo.list()) out[id] = fields;
  return out;
}

describe('engines over real HTTP against the faulty mock', () => {
  it('converge once faults stop, with every op applied exactly once and on disk', async () => {
    // The engines use the wall clock for tokens too: the server's clock must be real time.
    const server = await startTestServer({ withStore: true, clock: () => Date.now });
    cleanups.push(() => server.close());
    const faults = { error503PerMille: 100, error500PerMille: 50, commitThenFailPerMille: 100, dropConnectionPerMille: 50, dropAfterCommitPerMille: 50, retryAfterSeconds: 0 };
    expect((await putFaults(server, faults)).status).toBe(200);
    const devices = await Promise.all([0, 1, 2].map((index) => openDevice(server, index)));
    const shared = await (devices[0] as Device).repo.create({ title: 'shared', content: 'v0', tags: [] }, 'n-shared');
    for (const [index, device] of devices.entries()) {
      for (let i = 0; i < 8; i++) await device.repo.create({ title: `d${index}-${i}`, content: '', tags: [] }, `n-${index}-${i}`);
      await device.repo.update(`n-${index}-0`, { content: 'edited' });
      await device.repo.delete(`n-${index}-1`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await putFaults(server, {})).status).toBe(200);
    // Device 1 edits the shared note once it has pulled it (bounded: 10 s).
    const second = devices[1] as Device;
    for (let i = 0; i < 100 && second.repo.get(shared.id) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await second.repo.update(shared.id, { content: 'from device 1' });

    const expectedIds = ['n-shared', ...[0, 1, 2].flatMap((d) => [0, 2, 3, 4, 5, 6, 7].map((i) => `n-${d}-${i}`))].sort();
    const started = performance.now();
    let converged = false;
    // Bounded wait: at most 15 s of polling.
    for (let round = 0; round < 150 && !converged; round++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const expected = serverView(server);
      converged =
        Object.keys(expected).sort().join() === expectedIds.join() &&
        devices.every((device) => device.engine.status().queueLength === 0 && isDeepStrictEqual(localView(device), expected));
    }
    expect(converged, `not converged after ${Math.round(performance.now() - started)} ms`).toBe(true);
    const expected = serverView(server);
    for (const device of devices) expect(localView(device)).toEqual(expected);
    expect(Object.keys(expected).sort()).toEqual(expectedIds);
    expect((expected['n-shared'] as Note).content).toBe('from device 1');
    // One log entry per op (coalescing is off; the file's checked load refuses a queueId applied twice).
    const onDisk = readStoredStateSync(server.dbPath as string);
    expect(onDisk.users.get('team-1')?.log.length).toBe(1 + 3 * 10 + 1);
    const metrics = server.app.metrics;
    expect(metrics.value('syncstorm_faults_injected_total', { kind: 'commit_then_fail' }) + metrics.value('syncstorm_faults_injected_total', { kind: 'status_503' })).toBeGreaterThan(0);
  }, 30_000);
});

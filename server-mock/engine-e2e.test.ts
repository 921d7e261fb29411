// End to end over the async engine: three engines on memory storage against one in-process
// server core, concurrent edits of shared notes, online/offline toggles; afterwards every
// store equals the server's state and every queue is empty. Then a mixed fleet: a protocol 1
// engine (whole-entity updates) and a protocol 2 engine (deltas) on the same notes converge too.

import { describe, expect, test } from 'vitest';
import { SyncEngine, notes, type Repository, type Note } from '../engine/index.ts';
import { MemoryStorage } from '../engine/adapters/memory-storage.ts';
import { ManualConnectivity } from '../engine/adapters/real.ts';
import { seededRandom } from '../engine/adapters/seeded-random.ts';
import { ManualTime } from '../engine/testing/manual-time.ts';
import { ServerCore } from './core/index.ts';
import { inProcessLink } from './in-process.ts';

interface Device {
  engine: SyncEngine;
  repo: Repository<Note>;
  connectivity: ManualConnectivity;
  setReachable: (r: boolean) => void;
}

async function openDevices(
  count: number,
  time: ManualTime,
  server: ServerCore,
  policy: 'lww-hlc' | 'field-merge' | 'server-wins' = 'lww-hlc',
  versions: readonly (1 | 2)[] = [],
): Promise<Device[]> {
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const link = inProcessLink(() => server, 'team-1', () => time.now());
    const connectivity = new ManualConnectivity(true);
    const random = seededRandom(100 + i);
    const engine = await SyncEngine.open(
      { clientId: `device-${i}`, conflictPolicy: policy, backoffBaseMs: 1000, backoffCapMs: 60_000, syncIntervalMs: 5000, ...(versions[i] === undefined ? {} : { protocolVersion: versions[i] }) },
      { clock: time, timers: time, random, storage: new MemoryStorage(), transport: link.transport, connectivity, tokens: link.tokens },
    );
    devices.push({ engine, repo: notes(engine, random), connectivity, setReachable: link.setReachable });
  }
  return devices;
}

async function settle(devices: readonly Device[]): Promise<void> {
  for (let round = 0; round < 5; round++) {
    await new Promise((r) => setImmediate(r));
    for (const d of devices) await d.engine.idle();
  }
}

function serverView(server: ServerCore): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entity of server.entities('team-1').values()) if (!entity.deleted) out[entity.entityId] = entity.fields;
  return out;
}

function localView(device: Device): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const note of device.repo.list()) {
    const { id, ...fields } = note;
    out[id] = fields;
  }
  return out;
}

describe('three engines against one server core', () => {
  test('concurrent edits of shared notes with offline toggles converge', async () => {
    const time = new ManualTime(1_000_000);
    const server = ServerCore.fresh({ random: seededRandom(7).float });
    const devices = await openDevices(3, time, server);
    const [a, b, c] = devices as [Device, Device, Device];
    const shared = await a.repo.create({ title: 'shared', content: 'v0', tags: [] }, 'n-shared');
    await settle(devices);
    await time.advance(6000, () => settle(devices)); // everyone pulls the shared note
    expect(b.repo.get(shared.id)?.content).toBe('v0');

    b.connectivity.setOnline(false);
    b.setReachable(false);
    await b.repo.update(shared.id, { content: 'from b offline' });
    await b.repo.create({ title: 'b-only', content: '', tags: ['x'] }, 'n-b');
    await a.repo.update(shared.id, { title: 'title by a' });
    await c.repo.update(shared.id, { content: 'from c' });
    await c.repo.create({ title: 'c1', content: 'c', tags: [] }, 'n-c');
    await c.repo.delete('n-c');
    await settle(devices);
    await time.advance(20_000, () => settle(devices));
    b.setReachable(true);
    b.connectivity.setOnline(true);
    await settle(devices);
    await time.advance(120_000, () => settle(devices));

    const expected = serverView(server);
    expect(Object.keys(expected).sort()).toEqual(['n-b', 'n-shared']);
    for (const device of devices) {
      expect(device.engine.status().queueLength).toBe(0);
      expect(localView(device)).toEqual(expected);
    }
    // b edited while offline with a later clock: lww-hlc lets the later write win the content.
    expect((expected['n-shared'] as Note).title).toBe('title by a');
  });
});

describe('a mixed fleet: one protocol 1 engine and one protocol 2 engine', () => {
  test('they converge on shared notes; a winning v1 update re-asserts the fields it did not change, a v2 one does not', async () => {
    const time = new ManualTime(1_000_000);
    const server = ServerCore.fresh({ random: seededRandom(7).float });
    const devices = await openDevices(2, time, server, 'lww-hlc', [1, 2]);
    const [old, fresh] = devices as [Device, Device];
    expect([old.engine.status().protocolVersion, fresh.engine.status().protocolVersion]).toEqual([1, 2]);
    await old.repo.create({ title: 'n1', content: 'c0', tags: [] }, 'n1');
    await fresh.repo.create({ title: 'n2', content: 'c0', tags: [] }, 'n2');
    await settle(devices);
    await time.advance(6000, () => settle(devices));
    expect([old.repo.get('n2')?.title, fresh.repo.get('n1')?.title]).toEqual(['n2', 'n1']);

    // n1: v1 renames first, then v2 (offline, later clock) edits the content: its delta wins
    // the conflict and touches only the content, so both edits survive.
    // n2: v2 renames first, then v1 (offline, later clock) edits the content: its whole-entity
    // update wins and re-asserts the old title, so the rename is lost — and still everyone agrees.
    await old.repo.update('n1', { title: 'n1 renamed by v1' });
    await fresh.repo.update('n2', { title: 'n2 renamed by v2' });
    await settle(devices);
    for (const device of devices) {
      device.connectivity.setOnline(false);
      device.setReachable(false);
    }
    await time.advance(1000, () => settle(devices));
    await fresh.repo.update('n1', { content: 'c1 by v2' });
    await old.repo.update('n2', { content: 'c2 by v1' });
    for (const device of devices) {
      device.setReachable(true);
      device.connectivity.setOnline(true);
    }
    await settle(devices);
    await time.advance(120_000, () => settle(devices));

    const expected = serverView(server);
    for (const device of devices) {
      expect(device.engine.status().queueLength).toBe(0);
      expect(device.engine.status().upgradeRequired).toBeNull();
      expect(localView(device)).toEqual(expected);
    }
    expect(expected['n1']).toMatchObject({ title: 'n1 renamed by v1', content: 'c1 by v2' });
    expect(expected['n2']).toMatchObject({ title: 'n2', content: 'c2 by v1' });
  });
});

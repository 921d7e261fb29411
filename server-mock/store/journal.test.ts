// The journal behind the lowdb snapshot: records replay to exactly the live state; a torn last
// record is dropped (and truncated before the next append) while damage before a good record
// refuses to open; a store frozen before any disk step of a compaction or an append (kill -9,
// simulated by the test hook) reopens readable with every acknowledged change and its epoch;
// restore from an older store (snapshot + journal) bumps the epoch and never replays the old
// journal on top.

import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entityKey } from '../../engine/protocol.ts';
import { freshServerState, ServerCore, serverStateToJSON, type ServerState } from '../core/index.ts';
import { ENTITY_IDS, FC_SEED, makeItem, seededRandom, USERS } from '../core/testkit.ts';
import { frameRecord, journalHeader, JournalMarks, recoverServerState, scanJournal, stampOf } from './journal.ts';
import { LowdbServerStore, type LowdbServerStoreOptions } from './lowdb-server-store.ts';
import { decodeServerFile, encodeServerFile } from './server-file.ts';
import { journalPathOf, readStoredStateSync, type DiskStep } from './server-state-file.ts';

let dir = '';
let fileCount = 0;
const stores: LowdbServerStore[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncstorm-journal-'));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close().catch(() => {})));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshPath(): string {
  fileCount += 1;
  return join(dir, `server-${fileCount}.json`);
}

async function openStore(path: string, epochIfNew = 'e1', options: Partial<LowdbServerStoreOptions> = {}, closeAfter = true): Promise<LowdbServerStore> {
  const store = await LowdbServerStore.open(path, { epochIfNew, retryDelayMs: 20, retryDelayMsMax: 50, ...options });
  if (closeAfter) stores.push(store);
  return store;
}

function queueIdsIn(state: ServerState): string[] {
  const ids: string[] = [];
  for (const space of state.users.values()) for (const entry of space.log) ids.push(entry.change.origin.queueId);
  return ids.sort();
}

/** Pushes one create and waits until it is durable (acknowledged). */
async function pushDurably(store: LowdbServerStore, core: ServerCore, queueId: string): Promise<void> {
  core.push('alice', { clientId: 'c', items: [makeItem({ queueId, entityId: queueId })] }, 1_000);
  store.markDirty();
  await store.flush();
}

/** A hook that freezes the store before the n-th occurrence of `step`, as kill -9 there would. */
function freezeBefore(step: DiskStep, occurrence: number): { readonly reached: Promise<void>; readonly hook: (s: DiskStep) => Promise<void> | undefined } {
  let seen = 0;
  let reachedResolve!: () => void;
  const reached = new Promise<void>((resolve) => (reachedResolve = resolve));
  const hook = (s: DiskStep): Promise<void> | undefined => {
    if (s !== step) return undefined;
    seen += 1;
    if (seen !== occurrence) return undefined;
    reachedResolve();
    return new Promise<void>(() => {});
  };
  return { reached, hook };
}

describe('journal records', () => {
  const commitArb = fc.record({
    pushes: fc.array(fc.record({ userIndex: fc.nat(USERS.length - 1), entityIndex: fc.nat(ENTITY_IDS.length - 1), action: fc.constantFrom('create', 'update', 'delete') }), { maxLength: 4 }),
    issueToken: fc.boolean(),
  });

  it('snapshot + the records of every commit replay to exactly the live state', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 12 }), (commits) => {
        const core = new ServerCore(freshServerState('e1'), { random: seededRandom(3) });
        core.issueToken({ user: 'alice' }, 0);
        const cache = new WeakMap();
        const snapshot = Buffer.from(encodeServerFile(core.state, cache));
        let journal = journalHeader(stampOf(snapshot, core.state));
        const marks = JournalMarks.of(core.state);
        let queueCount = 0;
        commits.forEach((commit, commitIndex) => {
          for (const push of commit.pushes) {
            queueCount += 1;
            const entityId = ENTITY_IDS[push.entityIndex] as string;
            const current = core.entities(USERS[push.userIndex] as string).get(entityKey('todo', entityId));
            core.push(USERS[push.userIndex] as string, { clientId: 'c1', items: [makeItem({ queueId: `q${queueCount}`, entityId, action: push.action, baseRevision: current?.revision ?? null })] }, 1_000 + commitIndex);
          }
          if (commit.issueToken) core.issueToken({ user: 'bob' }, 1_000 + commitIndex);
          const record = marks.nextRecord(core.state, cache);
          expect(record).not.toBe('snapshot');
          if (record === null || record === 'snapshot') return;
          journal += frameRecord(record.json);
          record.commit();
          expect(marks.nextRecord(core.state, cache)).toBeNull();
          const recovered = recoverServerState(snapshot, Buffer.from(journal), 'x.json', 'x.json.journal');
          expect(recovered.journal).toBe('replayed');
          expect(serverStateToJSON(recovered.state)).toEqual(JSON.parse(JSON.stringify(serverStateToJSON(core.state))));
        });
      }),
      { seed: FC_SEED, numRuns: 80 },
    );
  });

  it('a replaced state or a new epoch can only be carried by a snapshot', () => {
    const state = freshServerState('e1');
    const marks = JournalMarks.of(state);
    expect(marks.nextRecord(state, new WeakMap())).toBeNull();
    expect(marks.nextRecord(freshServerState('e1'), new WeakMap())).toBe('snapshot');
    state.epoch = 'e2';
    expect(marks.nextRecord(state, new WeakMap())).toBe('snapshot');
  });

  it('a torn tail is dropped; a damaged record followed by a whole one is corruption, named with its byte', () => {
    const lines = [frameRecord('{"a":1}'), frameRecord('{"b":2}'), frameRecord('{"c":3}')];
    const whole = Buffer.from(lines.join(''));
    const lastStart = whole.length - Buffer.byteLength(lines[2] as string);
    for (const cut of [1, 9, 12, Buffer.byteLength(lines[2] as string) - 1]) {
      const scan = scanJournal(whole.subarray(0, lastStart + cut), 'j');
      expect(scan.records).toEqual([{ a: 1 }, { b: 2 }]);
      expect(scan.validBytes).toBe(lastStart);
      expect(scan.tornBytes).toBe(cut);
    }
    expect(scanJournal(Buffer.concat([whole, Buffer.from('0000 garbage')]), 'j').records).toHaveLength(3);
    const damaged = Buffer.from(whole);
    damaged[(lines[0] as string).length + 12] = 0x41; // inside record 2's JSON: its checksum no longer matches
    expect(() => scanJournal(damaged, 'j.journal')).toThrow(`server journal j.journal is corrupt: the record at byte ${(lines[0] as string).length} is damaged but a valid record follows`);
  });
});

describe('recovery on open', () => {
  it('replays the journal after a crash: same epoch, every acknowledged change, the snapshot alone has none', async () => {
    const path = freshPath();
    const freeze = freezeBefore('journal-append', 4);
    const store = await openStore(path, 'epoch-A', { beforeDiskStep: freeze.hook }, false);
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (const queueId of ['q1', 'q2', 'q3']) await pushDurably(store, core, queueId);
    void pushDurably(store, core, 'q4-never-acked');
    await freeze.reached;
    expect(decodeServerFile(await readFile(path, 'utf8'), path).seq).toBe(0);
    const reopened = await openStore(path, 'epoch-B');
    expect(reopened.load().epoch).toBe('epoch-A');
    expect(queueIdsIn(reopened.load())).toEqual(['q1', 'q2', 'q3']);
  });

  it('a torn last record is dropped and truncated, so later appends recover too', async () => {
    const path = freshPath();
    // Not closed: abandoned after its last acknowledgement, as a kill -9 would leave it.
    let store = await openStore(path, 'e1', {}, false);
    let core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (const queueId of ['q1', 'q2', 'q3']) await pushDurably(store, core, queueId);
    const journalPath = journalPathOf(path);
    const text = await readFile(journalPath, 'utf8');
    const lastStart = text.slice(0, -1).lastIndexOf('\n') + 1;
    // The last append torn mid-record (its writer died before the fsync returned: never acknowledged).
    await truncate(journalPath, lastStart + 20);
    store = await openStore(path);
    expect(queueIdsIn(store.load())).toEqual(['q1', 'q2']);
    expect((await stat(journalPath)).size).toBe(lastStart);
    core = new ServerCore(store.load(), { random: seededRandom(2) });
    await pushDurably(store, core, 'q5');
    await store.close();
    expect(queueIdsIn(readStoredStateSync(path))).toEqual(['q1', 'q2', 'q5']);
  });

  it('refuses to open over a journal damaged before a whole record, naming it', async () => {
    const path = freshPath();
    const store = await openStore(path, 'e1', {}, false);
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (const queueId of ['q1', 'q2']) await pushDurably(store, core, queueId);
    const journalPath = journalPathOf(path);
    const bytes = await readFile(journalPath);
    const secondRecord = bytes.indexOf(0x0a) + 1;
    bytes[secondRecord + 20] = bytes[secondRecord + 20] === 0x41 ? 0x42 : 0x41;
    await writeFile(journalPath, bytes);
    await expect(LowdbServerStore.open(path, { epochIfNew: 'e9' })).rejects.toThrow(`server journal ${journalPath} is corrupt`);
  });

  it('a clean close compacts: the lowdb file alone then holds the whole state', async () => {
    const path = freshPath();
    const store = await openStore(path);
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (const queueId of ['q1', 'q2']) await pushDurably(store, core, queueId);
    expect(queueIdsIn(decodeServerFile(await readFile(path, 'utf8'), path))).toEqual([]);
    await store.close();
    expect(queueIdsIn(decodeServerFile(await readFile(path, 'utf8'), path))).toEqual(['q1', 'q2']);
    expect(scanJournal(await readFile(journalPathOf(path)), 'j').records).toHaveLength(1);
  });
});

describe('compaction', () => {
  it('refuses a bad threshold or hook, naming the option and the value', async () => {
    await expect(LowdbServerStore.open(freshPath(), { epochIfNew: 'e1', compactJournalBytesMin: 0 })).rejects.toThrow('compactJournalBytesMin should be an integer from 1 to 1073741824, got 0');
    await expect(LowdbServerStore.open(freshPath(), { epochIfNew: 'e1', compactJournalBytesMin: 1.5 })).rejects.toThrow('got 1.5');
    await expect(LowdbServerStore.open(freshPath(), { epochIfNew: 'e1', beforeDiskStep: 'x' as never })).rejects.toThrow('beforeDiskStep should be a function, got x');
  });

  it('compacts once the journal outgrows the snapshot, then appends again until it outgrows the new one', async () => {
    const path = freshPath();
    const store = await openStore(path, 'e1', { compactJournalBytesMin: 1 });
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (let i = 0; i < 6; i++) await pushDurably(store, core, `q${i}`);
    // A tiny snapshot: the journal outgrows it every commit or two.
    expect(store.compactionsCount).toBeGreaterThanOrEqual(2);
    expect(store.writesCount).toBe(6);
    core.push('alice', { clientId: 'c', items: [makeItem({ queueId: 'big', entityId: 'big', payload: { text: 'x'.repeat(50_000) } })] }, 2_000);
    store.markDirty();
    await store.flush();
    await pushDurably(store, core, 'after-big');
    // By now a compaction carried the big entry: the snapshot is large, small appends follow it.
    const compactions = store.compactionsCount;
    for (const queueId of ['s1', 's2', 's3']) await pushDurably(store, core, queueId);
    expect(store.compactionsCount).toBe(compactions);
    const snapshotIds = queueIdsIn(decodeServerFile(await readFile(path, 'utf8'), path));
    expect(snapshotIds).toContain('big');
    expect([...snapshotIds, 's1', 's2', 's3'].sort()).toEqual(queueIdsIn(store.load()));
    expect(scanJournal(await readFile(journalPathOf(path)), 'j').records).toHaveLength(4);
    expect(queueIdsIn(readStoredStateSync(path))).toEqual(queueIdsIn(store.load()));
  });

  // Steps of a compaction in order; a freeze before each is a kill -9 between two of them.
  const steps: readonly { step: DiskStep; newSnapshotOnDisk: boolean }[] = [
    { step: 'snapshot-write', newSnapshotOnDisk: false },
    { step: 'snapshot-rename', newSnapshotOnDisk: false },
    { step: 'journal-reset', newSnapshotOnDisk: true },
  ];
  for (const { step, newSnapshotOnDisk } of steps) {
    it(`a kill before ${step} leaves a readable store with every acknowledged change and the epoch`, async () => {
      const path = freshPath();
      // Freeze before the 3rd occurrence: the store's creation and a first compaction went through.
      const freeze = freezeBefore(step, 3);
      // 1 byte: the journal is compacted as soon as it outgrows the snapshot.
      const store = await openStore(path, 'epoch-A', { beforeDiskStep: freeze.hook, compactJournalBytesMin: 1 }, false);
      const core = new ServerCore(store.load(), { random: seededRandom(1) });
      const acked: string[] = [];
      let inFlight = '';
      let frozen = false;
      void freeze.reached.then(() => (frozen = true));
      for (let i = 0; i < 40 && !frozen; i++) {
        inFlight = `q${i}`;
        const done = pushDurably(store, core, inFlight).then(() => true);
        if (await Promise.race([done, freeze.reached.then(() => false)])) acked.push(inFlight);
      }
      expect(frozen).toBe(true);
      expect(store.compactionsCount).toBeGreaterThanOrEqual(1);
      const reopened = await openStore(path, 'epoch-B');
      expect(reopened.load().epoch).toBe('epoch-A');
      const onDisk = queueIdsIn(reopened.load());
      // Every acknowledged change; the one in flight only once its snapshot was renamed into place.
      expect(onDisk).toEqual([...acked, ...(newSnapshotOnDisk ? [inFlight] : [])].sort());
      // And the reopened store works on: a new change, a clean close, the same state again.
      await pushDurably(reopened, new ServerCore(reopened.load(), { random: seededRandom(2) }), 'after');
      await reopened.close();
      expect(queueIdsIn(readStoredStateSync(path))).toEqual([...onDisk, 'after'].sort());
    });
  }

  it('a kill halfway through the journal reset (truncated, header torn) still opens with the new snapshot', async () => {
    const path = freshPath();
    const freeze = freezeBefore('journal-reset', 3);
    const store = await openStore(path, 'epoch-A', { beforeDiskStep: freeze.hook, compactJournalBytesMin: 1 }, false);
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    let frozen = false;
    void freeze.reached.then(() => (frozen = true));
    for (let i = 0; i < 40 && !frozen; i++) await Promise.race([pushDurably(store, core, `q${i}`), freeze.reached]);
    const liveIds = queueIdsIn(store.load());
    await writeFile(journalPathOf(path), '1234abcd {"format":"syncstorm-serv');
    const reopened = await openStore(path, 'epoch-B');
    expect(reopened.load().epoch).toBe('epoch-A');
    expect(queueIdsIn(reopened.load())).toEqual(liveIds);
  });
});

describe('restore from an older store', () => {
  it('loads snapshot + journal under a new epoch, compacts it, and never replays the old journal on top', async () => {
    const path = freshPath();
    const older = `${path}.older`;
    const store = await openStore(path, 'e1');
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    for (const queueId of ['old1', 'old2']) await pushDurably(store, core, queueId);
    // The older copy: its changes live in its journal only.
    await copyFile(path, older);
    await copyFile(journalPathOf(path), journalPathOf(older));
    expect(decodeServerFile(await readFile(older, 'utf8'), older).seq).toBe(0);
    for (const queueId of ['new1', 'new2']) await pushDurably(store, core, queueId);
    const compactionsBefore = store.compactionsCount;

    const restored = await store.restoreFrom(older, 'e2');
    await store.flush();
    expect(store.compactionsCount).toBe(compactionsBefore + 1);
    expect(restored.epoch).toBe('e2');
    const onDisk = readStoredStateSync(path);
    expect(onDisk.epoch).toBe('e2');
    expect(queueIdsIn(onDisk)).toEqual(['old1', 'old2']);
    expect(onDisk.seq).toBe(2);
    await store.close();
    const reopened = await openStore(path, 'e9');
    expect(reopened.load().epoch).toBe('e2');
    expect(queueIdsIn(reopened.load())).toEqual(['old1', 'old2']);
  });

  it('a journal left from before a restore is ignored: it extends another snapshot', () => {
    const before = freshServerState('e1');
    const snapshotBefore = Buffer.from(encodeServerFile(before, new WeakMap()));
    const staleJournal = Buffer.from(journalHeader(stampOf(snapshotBefore, before)) + frameRecord('{"seq":1,"tokenCount":0,"logs":[]}'));
    const after = freshServerState('e2');
    const recovered = recoverServerState(Buffer.from(encodeServerFile(after, new WeakMap())), staleJournal, 'x.json', 'x.json.journal');
    expect(recovered.journal).toBe('stale');
    expect(recovered.state.epoch).toBe('e2');
    expect(recovered.state.seq).toBe(0);
  });
});

// LowdbServerStore: the file codec round-trips the state; group commit shares writes and never
// resolves a flush before its change is on disk; restart keeps the epoch; restore from an older
// file bumps it; a failed write answers 500 and is retried; a corrupt file refuses to open; and a
// real server process killed with SIGKILL mid-stream keeps every acknowledged push. "On disk"
// is always the stored state as a reader sees it: snapshot + journal (journal.test.ts covers
// torn tails and crashes inside a compaction).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServerCore, serverStateToJSON, type ServerState } from '../core/index.ts';
import { FC_SEED, historyArb, makeItem, newCore, runHistory, seededRandom } from '../core/testkit.ts';
import { createServerApp, type RunningServer } from '../http/app.ts';
import { adminState, call, creates, push, startTestServer, tokenFor, type TestServer } from '../http/testkit.ts';
import { LowdbServerStore, type LowdbServerStoreOptions } from './lowdb-server-store.ts';
import { decodeServerFile, encodeServerFile } from './server-file.ts';
import { journalPathOf, readStoredStateSync, type DiskStep } from './server-state-file.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_FOR_TEST = fileURLToPath(new URL('../http/main-for-test.ts', import.meta.url));

let dir = '';
let fileCount = 0;
const stores: LowdbServerStore[] = [];
const servers: (TestServer | RunningServer)[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncstorm-server-store-'));
});
afterEach(async () => {
  // Only the children this file spawned, by their own handle.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(stores.splice(0).map((store) => store.close().catch(() => {})));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshPath(): string {
  fileCount += 1;
  return join(dir, `server-${fileCount}.json`);
}

async function openStore(path = freshPath(), epochIfNew = 'e1', options: Partial<LowdbServerStoreOptions> = {}): Promise<LowdbServerStore> {
  const store = await LowdbServerStore.open(path, { epochIfNew, retryDelayMs: 20, retryDelayMsMax: 50, ...options });
  stores.push(store);
  return store;
}

/** The stored state (snapshot + journal), read the way any other process would. */
function stateOnDisk(path: string): ServerState {
  return readStoredStateSync(path);
}

/** A disk-step hook that fails the steps named in `failing` while it holds any. */
function failingSteps(): { readonly failing: Set<DiskStep>; readonly hook: (step: DiskStep) => void } {
  const failing = new Set<DiskStep>();
  return { failing, hook: (step) => {
    if (failing.has(step)) throw new Error(`injected ${step} failure`);
  } };
}

function queueIdsIn(state: ServerState): Set<string> {
  const ids = new Set<string>();
  for (const space of state.users.values()) for (const entry of space.log) ids.add(entry.change.origin.queueId);
  return ids;
}

describe('file format', () => {
  it('encodes exactly serverStateToJSON, one entry per line, and decodes to the same state', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const core = newCore();
        runHistory(core, history);
        core.issueToken({ user: 'alice' }, 5_000);
        const cache = new WeakMap();
        const text = encodeServerFile(core.state, cache);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(serverStateToJSON(core.state))));
        expect(serverStateToJSON(decodeServerFile(text, 'x.json'))).toEqual(serverStateToJSON(core.state));
        // Cached entry texts give the same bytes.
        expect(encodeServerFile(core.state, cache)).toBe(text);
        const logLines = text.split('\n').filter((line) => line.trimStart().startsWith('{"seq"'));
        expect(logLines.length).toBe(core.appliedCount());
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it('refuses to open a corrupt or truncated file, naming the path and the problem', async () => {
    const path = freshPath();
    await writeFile(path, '{"format": "syncstorm-server-state", "version": 1, "epoch": "e1", "seq": 0, "tok');
    await expect(LowdbServerStore.open(path, { epochIfNew: 'e9' })).rejects.toThrow(`server state file ${path} is not valid JSON`);
    await writeFile(path, JSON.stringify({ format: 'syncstorm-server-state', version: 1, epoch: 'e1', seq: 'x', tokenCount: 0, tokens: [], users: [] }));
    await expect(LowdbServerStore.open(path, { epochIfNew: 'e9' })).rejects.toThrow(/is corrupt: .*seq should be an integer >= 0/);
    // The file was not overwritten by a fresh state.
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ seq: 'x' });
  });
});

describe('group commit', () => {
  it('a flush resolves only once a write holding its change is on disk; changes during a write join the next one', async () => {
    const store = await openStore();
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    const writesAtStart = store.writesCount;
    core.push('alice', { clientId: 'c', items: [makeItem({ queueId: 'first' })] }, 1);
    store.markDirty();
    const first = store.flush().then(() => queueIdsIn(stateOnDisk(store.path)));
    // Let the first write start (it waits one setImmediate), then change more while it runs.
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.writesCount).toBe(writesAtStart + 1);
    const later: Promise<Set<string>>[] = [];
    for (let i = 0; i < 10; i++) {
      core.push('alice', { clientId: 'c', items: [makeItem({ queueId: `later${i}`, entityId: `e${i}` })] }, 2);
      store.markDirty();
      later.push(store.flush().then(() => queueIdsIn(stateOnDisk(store.path))));
    }
    expect(await first).toContain('first');
    for (const [i, onDisk] of (await Promise.all(later)).entries()) expect(onDisk).toContain(`later${i}`);
    // One write for the first change, one shared by the ten that came during it.
    expect(store.writesCount).toBe(writesAtStart + 2);
    expect(store.dirty).toBe(false);
    await expect(store.flush()).resolves.toBeUndefined();
    expect(store.writesCount).toBe(writesAtStart + 2);
  });

  it('50 concurrent HTTP pushes share the commit after the one in progress, and each result is on disk when its response arrives', async () => {
    // The first commit is held at its append until all 50 pushes are applied in memory, so how
    // many commits they share does not depend on timing: the held one, and one for the rest.
    let holding = false;
    let releaseHeld!: () => void;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const store = await openStore(freshPath(), 'e1', { beforeDiskStep: (step) => (holding && step === 'journal-append' ? held : undefined) });
    const core = new ServerCore(store.load(), { random: seededRandom(11) });
    const server = await createServerApp({ core, store, log: () => {} }).start(0, '127.0.0.1');
    servers.push(server);
    const token = await tokenFor(server, 'alice');
    const writesBefore = store.writesCount;
    holding = true;
    const missing: string[] = [];
    const answering = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        push(server, token, [makeItem({ queueId: `c${i}`, entityId: `e${i}` })]).then((answer) => {
          // Read synchronously as the response arrives, before anything else can run.
          if (!queueIdsIn(stateOnDisk(store.path)).has(`c${i}`)) missing.push(`c${i}`);
          return answer;
        }),
      ),
    );
    // Bounded wait for the 50 requests to reach the core (none can be answered yet).
    for (let i = 0; i < 1_000 && core.appliedCount() < 50; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(core.appliedCount()).toBe(50);
    holding = false;
    releaseHeld();
    const answers = await answering;
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(missing).toEqual([]);
    const writes = store.writesCount - writesBefore;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(2);
  });
});

describe('restart, restore, write failures', () => {
  it('a restart resumes the same epoch and data; a missing file gets epochIfNew', async () => {
    const path = freshPath();
    const store = await openStore(path, 'epoch-A');
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    core.push('alice', { clientId: 'c', items: creates('q', 3) }, 1);
    store.markDirty();
    await store.flush();
    await store.close();
    const reopened = await openStore(path, 'epoch-B');
    expect(reopened.load().epoch).toBe('epoch-A');
    expect(queueIdsIn(reopened.load())).toEqual(new Set(['q0', 'q1', 'q2']));
  });

  it('restoreFrom an older file loads its data under a new epoch, written and kept across a restart', async () => {
    const path = freshPath();
    const older = `${path}.older`;
    const store = await openStore(path, 'e1');
    let core = new ServerCore(store.load(), { random: seededRandom(1) });
    core.push('alice', { clientId: 'c', items: creates('old', 2) }, 1);
    store.markDirty();
    await store.flush();
    // A copy of the store is the snapshot and its journal.
    await copyFile(path, older);
    await copyFile(journalPathOf(path), journalPathOf(older));
    core.push('alice', { clientId: 'c', items: creates('new', 2) }, 2);
    store.markDirty();
    await store.flush();

    const restored = await store.restoreFrom(older, 'e2');
    core = new ServerCore(restored, core.options);
    expect(core.epoch).toBe('e2');
    expect(store.load()).toBe(restored);
    await store.flush();
    expect(stateOnDisk(path).epoch).toBe('e2');
    expect(queueIdsIn(stateOnDisk(path))).toEqual(new Set(['old0', 'old1']));
    await expect(store.restoreFrom(older, 'e1')).rejects.toThrow("should differ from the snapshot's epoch");
    await expect(store.restoreFrom(older, 'e2')).rejects.toThrow('should differ from the current epoch');
    const generated = await store.restoreFrom(older);
    expect(generated.epoch).not.toMatch(/^e[12]$/);
    await store.close();
    expect((await openStore(path)).load().epoch).toBe(generated.epoch);
  });

  it('a failed write answers 500, keeps the change in memory, retries, and the replay is then durable', async () => {
    const { failing, hook } = failingSteps();
    const store = await openStore(freshPath(), 'e1', { beforeDiskStep: hook });
    const core = new ServerCore(store.load(), { random: seededRandom(11) });
    const server = await createServerApp({ core, store, log: () => {} }).start(0, '127.0.0.1');
    servers.push(server);
    const token = await tokenFor(server, 'alice');
    const path = store.path;
    // An append fails; the retry is then a compaction: both must fail while the disk is "down".
    failing.add('journal-append').add('snapshot-write');
    const failed = await push(server, token, [makeItem({ queueId: 'q-fail' })]);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: 'store_unavailable' });
    expect(failed.text).not.toContain('injected');
    expect(await adminState(server)).toMatchObject({ seq: 1 });
    expect(queueIdsIn(stateOnDisk(path)).has('q-fail')).toBe(false);
    // Still failing: a replay waits for the next attempt and gets a 500 too, never an unsaved ok.
    const stillFailing = await push(server, token, [makeItem({ queueId: 'q-fail' })]);
    expect(stillFailing.status).toBe(500);
    failing.clear();
    const replay = await push(server, token, [makeItem({ queueId: 'q-fail' })]);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ results: [{ queueId: 'q-fail', status: 'ok', replayed: true }] });
    expect(queueIdsIn(stateOnDisk(path)).has('q-fail')).toBe(true);
    const metrics = (await call(`${server.url}/metrics`)).text;
    expect(metrics).toMatch(/syncstorm_store_writes_total\{result="failed"\} [1-9]/);
  });

  it('close writes what is left; a close that cannot write rejects naming the unsaved changes', async () => {
    const store = await openStore();
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    core.push('alice', { clientId: 'c', items: [makeItem({ queueId: 'q1' })] }, 1);
    store.markDirty();
    await store.close();
    expect(queueIdsIn(stateOnDisk(store.path))).toEqual(new Set(['q1']));

    const steps = failingSteps();
    const failing = await openStore(store.path, 'e1', { beforeDiskStep: steps.hook });
    const failingCore = new ServerCore(failing.load(), { random: seededRandom(1) });
    steps.failing.add('journal-append').add('snapshot-write');
    failingCore.push('alice', { clientId: 'c', items: [makeItem({ queueId: 'q2', entityId: 'b' })] }, 1);
    failing.markDirty();
    const waiting = expect(failing.flush()).rejects.toThrow('write failed');
    await expect(failing.close()).rejects.toThrow('closed with 1 change(s) not written');
    await waiting;
    expect(queueIdsIn(stateOnDisk(failing.path))).toEqual(new Set(['q1']));
  });

  it('the store retries on its own: a change whose write failed reaches the disk without another request', async () => {
    const { failing, hook } = failingSteps();
    const store = await openStore(freshPath(), 'e1', { beforeDiskStep: hook });
    const core = new ServerCore(store.load(), { random: seededRandom(1) });
    failing.add('journal-append').add('snapshot-write');
    core.push('alice', { clientId: 'c', items: [makeItem({ queueId: 'q1' })] }, 1);
    store.markDirty();
    await expect(store.flush()).rejects.toThrow('write failed');
    expect(store.writeFailuresCount).toBeGreaterThanOrEqual(1);
    failing.clear();
    for (let i = 0; i < 100 && store.dirty; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.dirty).toBe(false);
    expect(queueIdsIn(stateOnDisk(store.path))).toEqual(new Set(['q1']));
  });
});

// ---------- kill -9 ----------

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly epoch: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function spawnServer(dbPath: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_FOR_TEST, dbPath], { cwd: ROOT_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s: ${stderr}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  const { url, epoch } = JSON.parse(line) as { url: string; epoch: string };
  return { process: child, url, epoch, exited };
}

/** Workers push one new item at a time until told to stop; returns the acknowledged queueIds. */
async function streamPushes(url: string, token: string, prefix: string, workers: number, shouldStop: () => boolean): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    // Bounded: at most 2,000 pushes per worker even if the kill never comes.
    for (let round = 0; round < 2_000 && !shouldStop(); round++) {
      const queueId = `${prefix}-${next++}`;
      try {
        const answer = await push({ url }, token, [makeItem({ queueId, entityId: queueId })]);
        if (answer.status === 200 && (answer.body as { results: { status: string }[] }).results[0]?.status === 'ok') acked.push(queueId);
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return acked;
}

describe('kill -9', () => {
  it('every acknowledged push survives SIGKILL mid-stream, the file parses, and a restart resumes the epoch', async () => {
    const path = freshPath();
    let child = await spawnServer(path);
    const epoch = child.epoch;
    const token = await tokenFor(child, 'alice');
    const allAcked: string[] = [];
    for (let round = 0; round < 2; round++) {
      let killed = false;
      const streaming = streamPushes(child.url, token, `r${round}`, 8, () => killed);
      // Kill once some pushes are acknowledged and more are in flight.
      for (let i = 0; i < 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        if (queueIdsIn(stateOnDisk(path)).size >= allAcked.length + 30) break;
      }
      child.process.kill('SIGKILL');
      killed = true;
      expect((await child.exited).signal).toBe('SIGKILL');
      const acked = await streaming;
      expect(acked.length).toBeGreaterThan(0);
      allAcked.push(...acked);
      // The file parses (checked load) and holds every acknowledged push.
      const onDisk = queueIdsIn(stateOnDisk(path));
      expect(allAcked.filter((queueId) => !onDisk.has(queueId))).toEqual([]);
      child = await spawnServer(path);
      expect(child.epoch).toBe(epoch);
    }
    // The restarted server knows them: replays, not new applies.
    const sample = allAcked.filter((_, i) => i % 7 === 0).map((queueId) => makeItem({ queueId, entityId: queueId }));
    const replay = await push(child, token, sample);
    expect((replay.body as { results: { replayed?: boolean }[] }).results.every((result) => result.replayed === true)).toBe(true);
    child.process.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  }, 60_000);
});

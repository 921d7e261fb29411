// Benchmark child for the push measurement (issue 5): the real HTTP mock (createServerApp over a
// ServerCore over a LowdbServerStore in `dbPath`) in its own process, so the clients and the
// server do not share an event loop. Answers `{"url": …}` on stdout once listening; on SIGTERM
// closes, then answers a PushServerReport line and exits.
//
// mode 'group': the store as shipped (group commit: one journal append, fdatasync'ed, carries
//   every change marked before it started; the journal is compacted into the lowdb snapshot as
//   it grows).
// mode 'per-push': the baseline: every durability wait (one per push) awaits its own full lowdb
//   write of the state with the same durability (same encoder; temp file, fsync, rename, fsync
//   of the directory), serialised; the store's own group-commit loop is switched off. One
//   write per push, nothing shared.
// mode 'memory': no store at all (nothing durable): the ceiling of the HTTP/JSON path and the
//   core alone, to show how close group commit gets to it.
// Job: argv[2] = {"mode": "group" | "per-push" | "memory", "dbPath": "…"}.

import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { ServerCore, type ServerState } from '../../server-mock/core/index.ts';
import { createServerApp } from '../../server-mock/http/app.ts';
import { LowdbServerStore, newEpochId } from '../../server-mock/store/lowdb-server-store.ts';
import { encodeServerFile, type EntryTextCache } from '../../server-mock/store/server-file.ts';
import { journalPathOf, readStoredState, snapshotTempPathOf } from '../../server-mock/store/server-state-file.ts';

export type PushStoreMode = 'group' | 'per-push' | 'memory';

export interface PushServerJob {
  readonly mode: PushStoreMode;
  readonly dbPath: string;
}

export interface PushServerReport {
  readonly mode: PushStoreMode;
  /** Durable writes while serving (after open): journal appends and snapshots. */
  readonly writes: number;
  /** Of writes, the whole-state snapshots (every write in per-push mode; compactions in group mode). */
  readonly snapshotWrites: number;
  /** Log entries in the store as read back after close (snapshot + journal): what is durable. */
  readonly itemsInFile: number;
  /** Snapshot + journal bytes after close. */
  readonly fileBytes: number;
  /** CPU (user + system) the server process used from listening to SIGTERM: its cost per item, whatever else loads the machine. */
  readonly cpuMs: number;
}

export function parsePushServerJob(text: string | undefined): PushServerJob {
  const job = JSON.parse(text ?? 'null') as Partial<PushServerJob> | null;
  if (job === null || (job.mode !== 'group' && job.mode !== 'per-push' && job.mode !== 'memory') || typeof job.dbPath !== 'string' || job.dbPath.length === 0) {
    throw new Error(`push-server: job should be {"mode": "group" | "per-push" | "memory", "dbPath": "…"}, got ${String(text)}`);
  }
  return { mode: job.mode, dbPath: job.dbPath };
}

/** Turns the store into the one-write-per-push baseline; returns the count of writes made. */
function oneWritePerPush(store: LowdbServerStore, dbPath: string): () => number {
  const cache: EntryTextCache = new WeakMap();
  // A lowdb database over the same file, whose every write is a whole, fsync'ed snapshot.
  const db = new Low<ServerState>({ read: () => Promise.resolve(null), write: (state) => Promise.resolve(writeFileDurablySync(dbPath, encodeServerFile(state, cache))) }, store.load());
  let writes = 0;
  let chain: Promise<void> = Promise.resolve();
  // The store's group commit never starts: no change is ever marked.
  store.markDirty = () => undefined;
  store.flush = () => {
    const mine = chain.then(() => {
      writes += 1;
      db.data = store.load();
      return db.write();
    });
    chain = mine.catch(() => undefined);
    return mine;
  };
  return () => writes;
}

/**
 * writeFileDurably's steps (temp file, fsync, rename, fsync of the directory) without a trip
 * through the event loop between them: on this loaded 2-core machine that made the baseline
 * faster (median 526 vs 470 items/s over 3 runs each), so the ratio is taken against the
 * stronger baseline. Writes are serialised anyway; blocking costs the baseline little.
 */
function writeFileDurablySync(path: string, text: string): void {
  const tempPath = snapshotTempPathOf(path);
  const fd = openSync(tempPath, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tempPath, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

/** The HTTP ceiling: the same app and core, no store. */
async function serveFromMemory(): Promise<void> {
  const core = ServerCore.fresh({ random: Math.random }, newEpochId());
  const app = createServerApp({ core, log: (line) => void process.stderr.write(`[push-server] ${line}\n`) });
  const running = await app.start(0, '127.0.0.1');
  const cpuAtListen = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  process.once('SIGTERM', () => {
    const cpu = process.cpuUsage(cpuAtListen);
    void running.close().then(() => {
      const report: PushServerReport = { mode: 'memory', writes: 0, snapshotWrites: 0, itemsInFile: core.appliedCount(), fileBytes: 0, cpuMs: (cpu.user + cpu.system) / 1000 };
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    });
  });
}

async function main(): Promise<void> {
  const job = parsePushServerJob(process.argv[2]);
  if (job.mode === 'memory') return serveFromMemory();
  const store = await LowdbServerStore.open(job.dbPath, { epochIfNew: newEpochId() });
  const writesAtOpen = store.writesCount;
  const compactionsAtOpen = store.compactionsCount;
  const baselineWrites = job.mode === 'per-push' ? oneWritePerPush(store, job.dbPath) : null;
  const core = new ServerCore(store.load(), { random: Math.random });
  const app = createServerApp({ core, store, log: (line) => void process.stderr.write(`[push-server] ${line}\n`) });
  const running = await app.start(0, '127.0.0.1');
  const cpuAtListen = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  process.once('SIGTERM', () => {
    // Taken before close: the clients are done, and close's own compaction is not serving.
    const cpu = process.cpuUsage(cpuAtListen);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const writes = baselineWrites === null ? store.writesCount - writesAtOpen : baselineWrites();
    const snapshotWrites = baselineWrites === null ? store.compactionsCount - compactionsAtOpen : writes;
    void (async () => {
      await running.close();
      // In per-push mode every answered push already awaited its write; close writes nothing.
      await store.close();
      // Read back the way a restart would: snapshot + journal.
      const state = await readStoredState(job.dbPath);
      let itemsInFile = 0;
      for (const space of state?.users.values() ?? []) itemsInFile += space.log.length;
      const fileBytes = (await sizeOf(job.dbPath)) + (await sizeOf(journalPathOf(job.dbPath)));
      const report: PushServerReport = { mode: job.mode, writes, snapshotWrites, itemsInFile, fileBytes, cpuMs };
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    })().catch((error: unknown) => {
      process.stderr.write(`[push-server] close failed: ${String(error)}\n`);
      process.exit(1);
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`[push-server] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

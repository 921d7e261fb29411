// Benchmark child for the push measurement (issue 5): the real HTTP mock (createServerApp over a
// ServerCore over a LowdbServerStore in `dbPath`) in its own process, so the clients and the
// server do not share an event loop. Answers `{"url": …}` on stdout once listening; on SIGTERM
// closes, then answers a PushServerReport line and exits.
//
// mode 'group': the store as shipped (group commit: one file write carries every change
//   marked before it started).
// mode 'per-push': the baseline: every durability wait (one per push) awaits its own full-file
//   write, serialised, through the same lowdb DataFile + encoder; the store's own group-commit
//   loop is switched off. One write per push, nothing shared.
// Job: argv[2] = {"mode": "group" | "per-push", "dbPath": "…"}.

import { readFile, stat } from 'node:fs/promises';
import { DataFile } from 'lowdb/node';
import { ServerCore, type ServerState } from '../../server-mock/core/index.ts';
import { createServerApp } from '../../server-mock/http/app.ts';
import { LowdbServerStore, newEpochId } from '../../server-mock/store/lowdb-server-store.ts';
import { decodeServerFile, encodeServerFile, type EntryTextCache } from '../../server-mock/store/server-file.ts';

export type PushStoreMode = 'group' | 'per-push';

export interface PushServerJob {
  readonly mode: PushStoreMode;
  readonly dbPath: string;
}

export interface PushServerReport {
  readonly mode: PushStoreMode;
  /** File writes while serving (after open). */
  readonly writes: number;
  /** Log entries in the file as read back after close: what is durable. */
  readonly itemsInFile: number;
  readonly fileBytes: number;
}

export function parsePushServerJob(text: string | undefined): PushServerJob {
  const job = JSON.parse(text ?? 'null') as Partial<PushServerJob> | null;
  if (job === null || (job.mode !== 'group' && job.mode !== 'per-push') || typeof job.dbPath !== 'string' || job.dbPath.length === 0) {
    throw new Error(`push-server: job should be {"mode": "group" | "per-push", "dbPath": "…"}, got ${String(text)}`);
  }
  return { mode: job.mode, dbPath: job.dbPath };
}

/** Turns the store into the one-write-per-push baseline; returns the count of writes made. */
function oneWritePerPush(store: LowdbServerStore, dbPath: string): () => number {
  const cache: EntryTextCache = new WeakMap();
  const file = new DataFile<ServerState>(dbPath, { parse: (text) => decodeServerFile(text, dbPath), stringify: (state) => encodeServerFile(state, cache) });
  let writes = 0;
  let chain: Promise<void> = Promise.resolve();
  // The store's group commit never starts: no change is ever marked.
  store.markDirty = () => undefined;
  store.flush = () => {
    const mine = chain.then(() => {
      writes += 1;
      return file.write(store.load());
    });
    chain = mine.catch(() => undefined);
    return mine;
  };
  return () => writes;
}

async function main(): Promise<void> {
  const job = parsePushServerJob(process.argv[2]);
  const store = await LowdbServerStore.open(job.dbPath, { epochIfNew: newEpochId() });
  const writesAtOpen = store.writesCount;
  const baselineWrites = job.mode === 'per-push' ? oneWritePerPush(store, job.dbPath) : null;
  const core = new ServerCore(store.load(), { random: Math.random });
  const app = createServerApp({ core, store, log: (line) => void process.stderr.write(`[push-server] ${line}\n`) });
  const running = await app.start(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await running.close();
      // In per-push mode every answered push already awaited its write; close writes nothing.
      await store.close();
      const writes = baselineWrites === null ? store.writesCount - writesAtOpen : baselineWrites();
      const text = await readFile(job.dbPath, 'utf8');
      const state = decodeServerFile(text, job.dbPath);
      let itemsInFile = 0;
      for (const space of state.users.values()) itemsInFile += space.log.length;
      const report: PushServerReport = { mode: job.mode, writes, itemsInFile, fileBytes: (await stat(job.dbPath)).size };
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

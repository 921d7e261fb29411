// A running mock server over a lowdb file: opens the store (same epoch on restart), builds the
// core on its state, starts the express app, and closes in order (stop accepting, let requests
// in flight finish, write what is left). Used by `syncstorm serve` and the kill -9 test's child.

import { randomBytes } from 'node:crypto';
import { ServerCore, type ServerCoreOptionsInput } from '../core/index.ts';
import { LowdbServerStore, newEpochId } from '../store/lowdb-server-store.ts';
import { createServerApp, type RunningServer, type ServerApp, type ServerLimits } from './app.ts';
import type { FaultSettings } from './faults.ts';

export interface OpenServerOptions {
  readonly dbPath: string;
  readonly port?: number;
  readonly host?: string;
  readonly faults?: Partial<FaultSettings>;
  readonly limits?: Partial<ServerLimits>;
  readonly core?: Partial<Omit<ServerCoreOptionsInput, 'random'>>;
  readonly log?: (line: string) => void;
}

export interface OpenedServer {
  readonly url: string;
  readonly app: ServerApp;
  readonly store: LowdbServerStore;
  readonly running: RunningServer;
  /** Stops the server, then flushes and closes the store; idempotent. */
  close(): Promise<void>;
}

const RANDOM_SCALE = 2 ** 48;

/** Token strings need real unpredictability on a real network: a float from the OS's CSPRNG. */
function cryptoRandom(): number {
  return randomBytes(6).readUIntBE(0, 6) / RANDOM_SCALE;
}

export async function openServer(options: OpenServerOptions): Promise<OpenedServer> {
  const store = await LowdbServerStore.open(options.dbPath, { epochIfNew: newEpochId() });
  const core = new ServerCore(store.load(), { ...options.core, random: cryptoRandom });
  const app = createServerApp({
    core,
    store,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let running: RunningServer;
  try {
    running = await app.start(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    await store.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= running.close().then(() => store.close());
    return closing;
  };
  return { url: running.url, app, store, running, close };
}

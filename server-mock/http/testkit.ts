// Test helpers for the HTTP mock (not a test file): a server on an ephemeral 127.0.0.1 port with a
// hand-driven clock and optionally a lowdb store in a temp dir, plus small request helpers.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerCoreOptionsInput } from '../core/index.ts';
import { ServerCore } from '../core/index.ts';
import { makeItem, seededRandom } from '../core/testkit.ts';
import { LowdbServerStore } from '../store/lowdb-server-store.ts';
import { createServerApp, type RunningServer, type ServerApp, type ServerAppOptions } from './app.ts';

export { makeItem };

export const CLOCK_START_MS = 1_700_000_000_000;

export interface TestServer {
  readonly url: string;
  readonly app: ServerApp;
  readonly store: LowdbServerStore | null;
  readonly dbPath: string | null;
  readonly running: RunningServer;
  /** Internal-error log lines (never sent to clients). */
  readonly logs: string[];
  now(): number;
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly withStore?: boolean;
  readonly core?: Partial<Omit<ServerCoreOptionsInput, 'random'>>;
  readonly app?: Omit<ServerAppOptions, 'core' | 'store' | 'clock'>;
  /** Wraps the clock, e.g. to make it throw. */
  readonly clock?: (now: () => number) => () => number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  let nowMs = CLOCK_START_MS;
  const baseClock = (): number => nowMs;
  let dir: string | null = null;
  let store: LowdbServerStore | null = null;
  let core: ServerCore;
  if (options.withStore === true) {
    dir = await mkdtemp(join(tmpdir(), 'syncstorm-http-'));
    store = await LowdbServerStore.open(join(dir, 'server.json'), { epochIfNew: 'e1' });
    core = new ServerCore(store.load(), { ...options.core, random: seededRandom(11) });
  } else {
    core = ServerCore.fresh({ ...options.core, random: seededRandom(11) }, 'e1');
  }
  const logs: string[] = [];
  const app = createServerApp({
    log: (line) => void logs.push(line),
    random: seededRandom(5),
    ...options.app,
    core,
    ...(store === null ? {} : { store }),
    clock: options.clock === undefined ? baseClock : options.clock(baseClock),
  });
  const running = await app.start(0, '127.0.0.1');
  return {
    url: running.url,
    app,
    store,
    dbPath: store === null ? null : store.path,
    running,
    logs,
    now: () => nowMs,
    advance: (ms) => void (nowMs += ms),
    close: async () => {
      try {
        await running.close(500);
        await store?.close();
      } finally {
        if (dir !== null) await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

export async function call(url: string, init: RequestInit = {}): Promise<JsonAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export async function tokenFor(server: { readonly url: string }, user: string): Promise<string> {
  const answer = await call(`${server.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
  if (answer.status !== 200) throw new Error(`token for ${user}: ${answer.status} ${answer.text}`);
  return (answer.body as { token: string }).token;
}

export function pushBody(items: readonly Record<string, unknown>[], clientId = 'c1'): string {
  return JSON.stringify({ clientId, items });
}

export function push(server: { readonly url: string }, token: string, items: readonly Record<string, unknown>[], clientId = 'c1'): Promise<JsonAnswer> {
  return call(`${server.url}/v1/sync/push`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: pushBody(items, clientId) });
}

export function pull(server: { readonly url: string }, token: string, cursor: number | string, limit: number | string = 100): Promise<JsonAnswer> {
  return call(`${server.url}/v1/sync/pull?cursor=${cursor}&limit=${limit}`, { headers: { authorization: `Bearer ${token}` } });
}

export async function adminState(server: { readonly url: string }): Promise<unknown> {
  return (await call(`${server.url}/__admin/state`)).body;
}

export function putFaults(server: { readonly url: string }, faults: Record<string, unknown>): Promise<JsonAnswer> {
  return call(`${server.url}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
}

/** Creates of distinct entities with queueIds `${prefix}${i}`. */
export function creates(prefix: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => makeItem({ queueId: `${prefix}${i}`, seq: i, entityId: `${prefix}-e${i}`, payload: { n: i } }));
}

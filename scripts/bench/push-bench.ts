// Measurement 3 (issue 5), durable push throughput: 50 concurrent clients, each its own user
// and token, each an async loop pushing batches of 10 small creates over HTTP/1.1 keep-alive to
// the real HTTP mock in a child process (push-server.ts) with its lowdb file in a temp dir, for a
// fixed wall span. The clients use node:http, not fetch: measured here, undici's fetch took ~4×
// the CPU per request and, on 2 cores shared with the server, the client became the limit
// (1,126 vs 4,402 items/s against the same store-less server). Runs alternate between the store's group commit and the one-write-per-push baseline
// (PUSH_RUNS of each, or SYNCSTORM_BENCH_PUSH_RUNS), so load from elsewhere on the machine falls
// on both alike; each mode reports its median run, and the ratio is of the medians.
// A push counts when answered 200; its items count when their result is ok (every 200 is sent
// only after its change is fsync'ed). Latency: request sent → whole answer read.

import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PushServerJob, PushServerReport, PushStoreMode } from './push-server.ts';
import { announce, ROOT } from './spawn-child.ts';
import { medianBy } from './stats.ts';

export const PUSH_CLIENTS = 50;
export const PUSH_BATCH = 10;
export const PUSH_DURATION_MS = 5_000;
/** Runs of each mode; the median is reported. */
export const PUSH_RUNS = 3;
const PUSH_RUNS_MAX = 20;
/** Bounds each loop even if the server answers instantly. */
const PUSHES_PER_CLIENT_MAX = 200_000;
const REQUEST_TIMEOUT_MS = 30_000;
const SERVER_START_TIMEOUT_MS = 30_000;

export interface PushRun {
  readonly mode: PushStoreMode;
  readonly clients: number;
  readonly batch: number;
  readonly durationMs: number;
  /** From the first push to the last answer. */
  readonly wallMs: number;
  readonly pushes: number;
  readonly pushesFailed: number;
  readonly itemsOk: number;
  readonly itemsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  /** The server's report after close (writes, what the file holds), or null if it gave none. */
  readonly server: PushServerReport | null;
}

export interface PushEntry {
  /** The median run of each mode (by items/s). */
  readonly group: PushRun | null;
  readonly perPush: PushRun | null;
  /** items/s of every run of each mode, in the order run. */
  readonly groupItemsPerSecond: readonly number[];
  readonly perPushItemsPerSecond: readonly number[];
  /** The same app with no store (nothing durable): the HTTP/JSON path's ceiling, for reference. */
  readonly memory: PushRun | null;
  /** median group items/s ÷ median per-push items/s. */
  readonly ratio: number | null;
  readonly error: string | null;
}

/** The value at quantile q of sorted `values` (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

interface ServerChild {
  readonly url: string;
  /** SIGTERM, then the report line (null if none came). */
  stop(): Promise<PushServerReport | null>;
}

function startServer(job: PushServerJob): Promise<ServerChild> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/push-server.ts', JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffer = '';
    let started = false;
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`push-server did not start within ${SERVER_START_TIMEOUT_MS} ms`));
    }, SERVER_START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
      if (!started && lines.length > 0) {
        started = true;
        clearTimeout(timer);
        const { url } = JSON.parse(lines[0]!) as { url: string };
        const stop = async (): Promise<PushServerReport | null> => {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
          await exited;
          clearTimeout(killer);
          const last = lines.length > 1 ? lines[lines.length - 1]! : null;
          return last === null ? null : (JSON.parse(last) as PushServerReport);
        };
        resolve({ url, stop });
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`push-server exited with ${String(code)} before listening`));
      }
    });
  });
}

/** POSTs JSON over a keep-alive agent; resolves with the status and the parsed answer. */
function postJson(agent: Agent, url: string, path: string, body: string, token: string | null): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const req = request(`${url}${path}`, { method: 'POST', agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function tokenFor(agent: Agent, url: string, user: string): Promise<string> {
  const { status, json } = await postJson(agent, url, '/v1/auth/token', JSON.stringify({ user }), null);
  if (status !== 200) throw new Error(`token for ${user}: HTTP ${status} ${JSON.stringify(json)}`);
  return (json as { token: string }).token;
}

interface LoopResult {
  pushes: number;
  failed: number;
  items: number;
}

async function clientLoop(agent: Agent, url: string, client: number, token: string, deadline: number, latencies: number[]): Promise<LoopResult> {
  const result: LoopResult = { pushes: 0, failed: 0, items: 0 };
  let seq = 0;
  while (performance.now() < deadline && result.pushes < PUSHES_PER_CLIENT_MAX) {
    const items = [];
    for (let i = 0; i < PUSH_BATCH; i++) {
      seq += 1;
      items.push({ queueId: `q${seq}`, seq, entityType: 'note', entityId: `c${client}-n${seq}`, action: 'create', baseRevision: null, payload: { title: `note ${seq}`, done: false }, clientTime: Date.now() });
    }
    const body = JSON.stringify({ clientId: `bench-client-${client}`, items });
    const started = performance.now();
    result.pushes += 1;
    try {
      const { status, json } = await postJson(agent, url, '/v1/sync/push', body, token);
      const answer = json as { results?: { status: string }[] };
      latencies.push(performance.now() - started);
      if (status === 200 && Array.isArray(answer.results)) result.items += answer.results.filter((r) => r.status === 'ok').length;
      else result.failed += 1;
    } catch {
      latencies.push(performance.now() - started);
      result.failed += 1;
    }
  }
  return result;
}

async function measureMode(mode: PushStoreMode): Promise<PushRun> {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-bench-push-'));
  try {
    const server = await startServer({ mode, dbPath: join(dir, 'server.json') });
    // One connection per client, kept alive, as each client's sequential pushes would use.
    const agent = new Agent({ keepAlive: true, maxSockets: PUSH_CLIENTS });
    let loops: LoopResult[];
    let wallMs: number;
    const latencies: number[] = [];
    let report: PushServerReport | null = null;
    try {
      const tokens = await Promise.all(Array.from({ length: PUSH_CLIENTS }, (_, i) => tokenFor(agent, server.url, `bench-user-${i}`)));
      const started = performance.now();
      const deadline = started + PUSH_DURATION_MS;
      loops = await Promise.all(tokens.map((token, i) => clientLoop(agent, server.url, i, token, deadline, latencies)));
      wallMs = performance.now() - started;
    } finally {
      agent.destroy();
      report = await server.stop();
    }
    const sorted = latencies.sort((a, b) => a - b);
    const itemsOk = loops.reduce((sum, l) => sum + l.items, 0);
    return {
      mode,
      clients: PUSH_CLIENTS,
      batch: PUSH_BATCH,
      durationMs: PUSH_DURATION_MS,
      wallMs,
      pushes: loops.reduce((sum, l) => sum + l.pushes, 0),
      pushesFailed: loops.reduce((sum, l) => sum + l.failed, 0),
      itemsOk,
      itemsPerSecond: wallMs > 0 ? (itemsOk * 1000) / wallMs : 0,
      latencyP50Ms: quantile(sorted, 0.5),
      latencyP99Ms: quantile(sorted, 0.99),
      latencyMaxMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
      server: report,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(run: PushRun): string {
  const snapshots = run.server === null ? '' : ` (${run.server.snapshotWrites} whole snapshots)`;
  return `${Math.round(run.itemsPerSecond).toLocaleString('en-US')} items/s, p50 ${run.latencyP50Ms.toFixed(1)} ms, p99 ${run.latencyP99Ms.toFixed(1)} ms, ${run.server?.writes ?? '?'} durable writes${snapshots}`;
}

const MODE_TEXT: Record<PushStoreMode, string> = {
  group: 'group commit (journal)',
  'per-push': "one fsync'ed lowdb write per push (baseline)",
  memory: 'no store (HTTP ceiling, nothing durable)',
};

/** Runs per mode from SYNCSTORM_BENCH_PUSH_RUNS (default PUSH_RUNS); throws naming a bad value. */
export function pushRunsFrom(env: NodeJS.ProcessEnv): number {
  const text = env['SYNCSTORM_BENCH_PUSH_RUNS'];
  if (text === undefined || text === '') return PUSH_RUNS;
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1 || runs > PUSH_RUNS_MAX) throw new Error(`SYNCSTORM_BENCH_PUSH_RUNS should be an integer from 1 to ${PUSH_RUNS_MAX}, got ${text}`);
  return runs;
}

export async function measurePush(): Promise<PushEntry> {
  const runsPerMode = pushRunsFrom(process.env);
  const done: Record<PushStoreMode, PushRun[]> = { group: [], 'per-push': [], memory: [] };
  const errors: string[] = [];
  for (let round = 1; round <= runsPerMode; round++) {
    for (const mode of ['group', 'per-push', 'memory'] as const) {
      announce(`push throughput ${round}/${runsPerMode}: ${PUSH_CLIENTS} clients × ${PUSH_DURATION_MS / 1000} s, batches of ${PUSH_BATCH}, ${MODE_TEXT[mode]}`);
      try {
        const run = await measureMode(mode);
        announce(`  ${describe(run)}`);
        done[mode].push(run);
      } catch (failure) {
        errors.push(`${mode}: ${String(failure)}`);
        announce(`  failed: ${String(failure)}`);
      }
    }
  }
  const ips = (run: PushRun): number => run.itemsPerSecond;
  const group = done.group.length === 0 ? null : medianBy(done.group, ips);
  const perPush = done['per-push'].length === 0 ? null : medianBy(done['per-push'], ips);
  const ratio = group !== null && perPush !== null && perPush.itemsPerSecond > 0 ? group.itemsPerSecond / perPush.itemsPerSecond : null;
  const memory = done.memory.length === 0 ? null : medianBy(done.memory, ips);
  return { group, perPush, groupItemsPerSecond: done.group.map(ips), perPushItemsPerSecond: done['per-push'].map(ips), memory, ratio, error: errors.length === 0 ? null : errors.join('; ') };
}

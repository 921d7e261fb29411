// runRealnet: the same engine and checkers as the simulator, over real HTTP, real files and
// real processes. The mock server runs in a child process over a lowdb file in DIR; the built-in
// (or TOXIPROXY_URL's) Toxiproxy puts one proxy in front of it per client; N real SyncEngines
// run in worker threads, each over its own lowdb file, through its proxy. A nemesis drawn from
// the seed changes toxics, takes proxies down, kill -9s and restarts the server on its file,
// and kills and restarts clients. Then: heal, converge within a budget (forced syncs), collect
// the final states and build the simulator's History type, and run every checker over it.
//
// History: client events (invoke/complete, engine events with clientTime) are posted by the
// workers with t = wall ms since the run started (engine events: the engine's own clock, which
// is Date.now here); crash/restart/fault/server/phase events by the runner. Server applies come
// from the server's durable log after the run (serverTime and origin of each entry): the log is
// the L of DESIGN §4 — an apply that died with a kill -9 before reaching the disk was never
// acked nor served to anyone, and is not an apply.

import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Toxic } from 'toxiproxy-node-client';
import type { Proxy } from 'toxiproxy-node-client';
import { buildEngineOptions, type EngineOptions } from '../../engine/options.ts';
import type { AppliedChange, ServerState } from '../../server-mock/core/index.ts';
import { journalPathOf, readStoredStateSync } from '../../server-mock/store/server-state-file.ts';
import { toxiproxyFor, type ToxiproxyHandle } from '../../server-mock/toxiproxy/connect.ts';
import { teamOf, userOfTeam } from '../../sim/config.ts';
import { HistoryRecorder, type ClientFinal, type History, type HistoryEvent, type ServerFinal } from '../../sim/history.ts';
import { serverFinalOf } from '../../sim/runner.ts';
import { bugByName } from '../bugs.ts';
import { runChecks, type CheckContext, type CheckResult } from '../checkers/index.ts';
import { ClientHandle, prepareWorkerEntry, WorkerPool } from './client-handle.ts';
import { DEFAULT_REALNET_WORKLOAD, describeAction, faultKindOf, generateRealnetPlan, type NemesisAction, type NemesisKind, type RealnetPlan, type RealnetWorkload } from './plan.ts';
import { bundleEntry } from '../bundle.ts';
import { SERVER_ENTRY, ServerProcess } from './server-process.ts';

/** Engine options for real time: the defaults' 10 s backoff base would leave a short run idle. */
export const REALNET_ENGINE_DEFAULTS: Partial<Omit<EngineOptions, 'clientId'>> = {
  conflictPolicy: 'lww-hlc',
  backoffBaseMs: 500,
  backoffCapMs: 4_000,
  syncIntervalMs: 2_000,
  requestTimeoutMs: 5_000,
};

export interface RealnetOptions {
  readonly seed: number;
  readonly clients: number;
  readonly teamSize?: number;
  readonly durationMs: number;
  readonly convergenceBudgetMs?: number;
  readonly out: string;
  /** A bug from scenarios/bugs.ts with an engine-side variant; null/undefined = the correct engine. */
  readonly bug?: string | null;
  readonly engine?: Partial<Omit<EngineOptions, 'clientId'>>;
  readonly workload?: Partial<RealnetWorkload>;
  readonly faultsPerSecond?: number;
  readonly kinds?: readonly NemesisKind[];
  readonly serverKillsMin?: number;
  readonly transportTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface RealnetResult {
  readonly options: RealnetOptions;
  readonly teamSize: number;
  readonly convergenceBudgetMs: number;
  readonly variant: string;
  readonly engine: EngineOptions;
  readonly context: CheckContext;
  readonly plan: RealnetPlan;
  readonly history: History;
  readonly checks: CheckResult[];
  readonly errors: readonly string[];
  readonly toxiproxy: 'built-in' | 'external';
  readonly serverInstances: number;
  readonly clientRestarts: number;
  readonly wallMs: number;
}

const CONVERGENCE_ROUND_MS = 1_000;
const PROBE_TIMEOUT_MS = 3_000;
const FINAL_TIMEOUT_MS = 15_000;
const NEMESIS_STEP_TIMEOUT_MS = 25_000;

/** Engine-side bugs only: server bugs live in the simulator's server, not in the HTTP mock. */
export function realnetBug(name: string): { readonly name: string; readonly engine: Partial<Omit<EngineOptions, 'clientId'>> } {
  const bug = bugByName(name);
  if (bug.variant.serverBugs.length > 0) throw new Error(`bug ${name} is a server bug of the simulator's server; realnet runs the real HTTP mock server, so only engine bugs apply`);
  return { name: bug.name, engine: bug.variant.engine };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function readServerState(path: string): ServerState {
  return readStoredStateSync(path);
}

function actionOf(deleted: boolean, revision: number): AppliedChange['action'] {
  if (deleted) return 'delete';
  return revision === 1 ? 'create' : 'update';
}

export async function runRealnet(options: RealnetOptions): Promise<RealnetResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const teamSize = Math.max(1, Math.min(options.teamSize ?? 5, options.clients));
  const convergenceBudgetMs = options.convergenceBudgetMs ?? 30_000;
  const bug = options.bug === undefined || options.bug === null ? null : realnetBug(options.bug);
  const engineDefaults = { ...REALNET_ENGINE_DEFAULTS, ...options.engine, ...bug?.engine };
  const engine = buildEngineOptions({ ...engineDefaults, clientId: 'check' });
  const context: CheckContext = { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs };
  const workload: RealnetWorkload = { ...DEFAULT_REALNET_WORKLOAD, ...options.workload };
  const plan = generateRealnetPlan({
    seed: options.seed,
    clients: options.clients,
    durationMs: options.durationMs,
    workload,
    faultsPerSecond: options.faultsPerSecond ?? 0.5,
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    ...(options.serverKillsMin === undefined ? {} : { serverKillsMin: options.serverKillsMin }),
  });

  const dir = resolve(options.out);
  const dbPath = join(dir, 'server.json');
  const clientsDir = join(dir, 'clients');
  // Only what this command owns: a fresh server file and fresh client stores.
  rmSync(dbPath, { force: true });
  rmSync(journalPathOf(dbPath), { force: true });
  rmSync(clientsDir, { recursive: true, force: true });
  mkdirSync(clientsDir, { recursive: true });

  const events: HistoryEvent[] = [];
  const errors: string[] = [];
  let runStartMs = Date.now();
  const now = (): number => Date.now() - runStartMs;
  const host = { record: (e: HistoryEvent) => void events.push(e), now, error: (m: string) => void errors.push(m) };

  const server = new ServerProcess(dbPath, await bundleEntry(SERVER_ENTRY, join(dir, 'server.bundle.mjs'), log));
  const killOnExit = (): void => server.killNow();
  process.once('exit', killOnExit);
  let toxiproxy: ToxiproxyHandle | null = null;
  const clients: ClientHandle[] = [];
  const pool = new WorkerPool(2, await prepareWorkerEntry(dir, log));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let clientRestarts = 0;
  try {
    await server.start(0);
    log(`server: pid ${server.pid} on 127.0.0.1:${server.port} (db ${dbPath}, epoch ${server.epoch})`);
    toxiproxy = await toxiproxyFor(options.seed);
    const tp = toxiproxy;
    const proxies: Proxy[] = [];
    for (let i = 0; i < options.clients; i++) {
      proxies.push(await tp.client.createProxy({ name: `realnet-c${i}`, listen: '127.0.0.1:0', upstream: `127.0.0.1:${server.port}` }));
    }
    log(`toxiproxy (${tp.kind}) at ${tp.url}: ${proxies.length} proxies`);
    let upstreamPort = server.port;
    const repointProxies = async (): Promise<void> => {
      if (server.port === upstreamPort) return;
      upstreamPort = server.port;
      for (let i = 0; i < proxies.length; i++) {
        const p = proxies[i]!;
        proxies[i] = await p.update({ enabled: true, listen: p.listen, upstream: `127.0.0.1:${upstreamPort}` });
      }
    };

    for (let i = 0; i < options.clients; i++) {
      clients.push(
        new ClientHandle(
          i,
          {
            client: i,
            clientId: `c${i}`,
            user: userOfTeam(teamOf(i, teamSize)),
            baseUrl: `http://${proxies[i]!.listen}`,
            storePath: join(clientsDir, `c${i}.json`),
            engine: engineDefaults,
            bug: bug?.name ?? null,
            ops: plan.ops[i]!,
            opsUntilMs: options.durationMs,
            transportTimeoutMs: options.transportTimeoutMs ?? 4_000,
            seed: options.seed,
          },
          host,
          pool,
        ),
      );
    }
    // Load every worker (tsx, modules), then start them all at the same run start.
    pool.prepare(clients.length);
    await pool.ready();
    log(`${clients.length} client workers loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    runStartMs = Date.now();
    events.push({ t: 0, type: 'phase', phase: 'chaos' });
    await Promise.all(clients.map((client) => client.start(0, runStartMs)));

    // ---------- nemesis ----------
    let chain: Promise<void> = Promise.resolve();
    let healed = false;
    const open = new Map<number, NemesisAction>();
    const toxics = new Map<number, Toxic<unknown>>();
    const step = (what: string, work: () => Promise<void>): void => {
      chain = chain.then(() => bounded(work(), NEMESIS_STEP_TIMEOUT_MS, what)).catch((error: unknown) => {
        errors.push(`nemesis ${what}: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    const fault = (a: NemesisAction, phase: 'start' | 'stop'): void => {
      const param = Number(Object.values(a.attributes)[0] ?? 0);
      events.push({ t: now(), type: 'fault', phase, index: a.index, fault: { atMs: a.atMs, kind: faultKindOf(a.kind), durationMs: a.durationMs, client: a.client, param: Math.round(param) } });
      if (phase === 'start') open.set(a.index, a);
      else open.delete(a.index);
    };
    const startAction = async (a: NemesisAction): Promise<void> => {
      // A step delayed past the chaos phase (server restarts queue behind each other) is dropped.
      if (healed || now() >= options.durationMs) return;
      log(`${(now() / 1000).toFixed(1)} s  nemesis: ${describeAction(a)}`);
      switch (a.kind) {
        case 'server-kill':
          if (!server.up) return;
          fault(a, 'start');
          events.push({ t: now(), type: 'server', action: 'crash', epoch: server.epoch, instance: server.instance });
          await server.kill9();
          return;
        case 'client-kill': {
          const client = clients[a.client]!;
          if (!client.up) return;
          fault(a, 'start');
          await client.kill(`kill (nemesis action ${a.index})`);
          return;
        }
        case 'proxy-down': {
          const p = proxies[a.client]!;
          fault(a, 'start');
          proxies[a.client] = await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
          return;
        }
        default: {
          const p = proxies[a.client]!;
          fault(a, 'start');
          toxics.set(a.index, await p.addToxic({ name: `n${a.index}-${a.kind}`, type: a.kind, stream: a.stream, toxicity: a.toxicity, attributes: a.attributes as never }));
        }
      }
    };
    const stopAction = async (a: NemesisAction): Promise<void> => {
      if (healed || !open.has(a.index)) return;
      switch (a.kind) {
        case 'server-kill':
          await server.start();
          await repointProxies();
          events.push({ t: now(), type: 'server', action: 'restart', epoch: server.epoch, instance: server.instance });
          break;
        case 'client-kill':
          await clients[a.client]!.restart(runStartMs);
          clientRestarts++;
          break;
        case 'proxy-down': {
          const p = proxies[a.client]!;
          proxies[a.client] = await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
          break;
        }
        default:
          await toxics.get(a.index)?.remove();
          toxics.delete(a.index);
      }
      fault(a, 'stop');
    };
    for (const a of plan.nemesis) {
      const at = setTimeout(() => {
        timers.delete(at);
        step(`start ${a.kind} #${a.index}`, () => startAction(a));
        const stopAt = setTimeout(() => {
          timers.delete(stopAt);
          step(`stop ${a.kind} #${a.index}`, () => stopAction(a));
        }, a.durationMs);
        timers.add(stopAt);
      }, Math.max(0, runStartMs + a.atMs - Date.now()));
      timers.add(at);
    }

    await sleep(Math.max(0, runStartMs + options.durationMs - Date.now()));

    // ---------- heal ----------
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await chain;
    healed = true;
    const healedAt = now();
    events.push({ t: healedAt, type: 'phase', phase: 'heal' });
    log(`${(healedAt / 1000).toFixed(1)} s  heal: toxics removed, proxies up, server and clients restarted`);
    for (const client of clients) client.stopWorkload();
    await tp.client.reset();
    if (!server.up) {
      await server.start();
      await repointProxies();
      events.push({ t: now(), type: 'server', action: 'restart', epoch: server.epoch, instance: server.instance });
    }
    for (const client of clients) {
      if (client.up) continue;
      await client.restart(runStartMs);
      clientRestarts++;
    }
    for (const a of [...open.values()]) fault(a, 'stop');

    // ---------- converge ----------
    const budgetEnd = healedAt + convergenceBudgetMs;
    let converged = false;
    for (let round = 0; round < 10_000 && now() < budgetEnd; round++) {
      for (const client of clients) client.sync();
      await sleep(CONVERGENCE_ROUND_MS);
      const replies = await Promise.all(clients.map((c) => c.probe(PROBE_TIMEOUT_MS)));
      let state: ServerState;
      try {
        state = readServerState(dbPath);
      } catch {
        continue;
      }
      const lastSeq = (user: string): number => state.users.get(user)?.log.at(-1)?.seq ?? 0;
      converged = replies.every((r, i) => r !== null && r.unpaused === 0 && !r.isSyncing && r.inFlight === 0 && r.epoch === state.epoch && r.cursor >= lastSeq(clients[i]!.base.user));
      if (converged) break;
    }
    events.push({ t: now(), type: 'phase', phase: converged ? 'converged' : 'budget-exhausted' });
    log(`${(now() / 1000).toFixed(1)} s  ${converged ? 'converged' : `did NOT converge within ${convergenceBudgetMs} ms`}`);
    const endedAt = now();

    // ---------- final states ----------
    const finals: ClientFinal[] = [];
    for (const client of clients) {
      try {
        finals.push(await client.finish(FINAL_TIMEOUT_MS));
      } catch (error) {
        errors.push(`client ${client.index}: ${error instanceof Error ? error.message : String(error)}`);
        finals.push({ client: client.index, clientId: client.base.clientId, user: client.base.user, crashed: true, cursor: 0, epoch: null, entities: {}, tombstones: [], queue: [], deadLetters: [], conflicts: [] });
      }
    }
    await server.stop();
    const state = readServerState(dbPath);
    const serverFinal = serverFinalOf(state);
    // The server's applies, from its durable log; `instance` is the incarnation that was up then.
    const restarts = events.filter((e): e is Extract<HistoryEvent, { type: 'server' }> => e.type === 'server' && e.action === 'restart').map((e) => e.t);
    for (const [user, space] of state.users) {
      for (const entry of space.log) {
        const c = entry.change;
        const t = entry.serverTime - runStartMs;
        const change: AppliedChange = {
          user, queueId: c.origin.queueId, clientId: c.origin.clientId, entityType: c.entityType, entityId: c.entityId,
          action: actionOf(c.deleted, c.revision), revision: c.revision, seq: entry.seq, serverTime: entry.serverTime, deleted: c.deleted,
        };
        events.push({ t, type: 'apply', user, instance: 1 + restarts.filter((r) => r <= t).length, change });
      }
    }
    const history = buildHistory(events, finals, serverFinal, healedAt, endedAt, converged);
    const checks = runChecks(history, context);
    return {
      options, teamSize, convergenceBudgetMs, variant: bug?.name ?? 'correct', engine, context, plan, history, checks, errors,
      toxiproxy: tp.kind, serverInstances: server.instance, clientRestarts, wallMs: performance.now() - started,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(clients.map((c) => c.terminate().catch(() => {})));
    await pool.close().catch(() => {});
    await server.kill9().catch(() => {});
    if (toxiproxy !== null) {
      if (toxiproxy.kind === 'external') {
        for (let i = 0; i < options.clients; i++) await toxiproxy.client.get(`realnet-c${i}`).then((p) => p.remove()).catch(() => {});
      }
      await toxiproxy.close().catch(() => {});
    }
    process.off('exit', killOnExit);
  }
}


/** Events in time order (stable: one source's events keep their order), folded into a trace hash. */
function buildHistory(events: HistoryEvent[], clients: ClientFinal[], server: ServerFinal, healedAt: number, endedAt: number, converged: boolean): History {
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map(({ e }) => e);
  const recorder = new HistoryRecorder(true);
  for (const e of ordered) recorder.record(e);
  const h = recorder.history;
  h.healedAt = healedAt;
  h.endedAt = endedAt;
  h.converged = converged;
  h.clients = clients;
  h.server = server;
  return recorder.finish();
}

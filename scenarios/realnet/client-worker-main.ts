// One realnet client in a worker thread: a real SyncEngine over its own lowdb file, talking
// HTTP through its Toxiproxy proxy, running its workload as one sequential process (an op
// starts when the previous one answered, like a Jepsen process), and posting every history
// event to the runner with `t` = wall ms since the run started.
//
// Crash point: a worker.terminate() that lands after a file write became durable but before the
// engine's events for it were posted would leave the history blind to a durable change (an ack
// the store already made durable, say). So 'halt' stops the engine at the next effect boundary —
// before its next commit starts, after every finished commit's events — and only then does the
// runner terminate the thread (HTTP connections, timers and memory die with it). These are the
// simulator's crash points ("between any two effects"), over real files and sockets.

import { parentPort } from 'node:worker_threads';
import { SyncCore } from '../../engine/core/sync-core.ts';
import { CORRECT_VARIANT, type CoreVariant } from '../../engine/core/variant.ts';
import { SyncEngine, WriteRefusedError } from '../../engine/engine.ts';
import { httpLink } from '../../engine/adapters/http-transport.ts';
import { LowdbStorage } from '../../engine/adapters/lowdb-storage.ts';
import { ManualConnectivity, systemClock, systemTimers } from '../../engine/adapters/real.ts';
import { seededRandom } from '../../engine/adapters/seeded-random.ts';
import type { StoreSnapshot, WriteOp } from '../../engine/model.ts';
import type { EngineOptions } from '../../engine/options.ts';
import type { StoragePort } from '../../engine/ports.ts';
import type { Fields } from '../../engine/protocol.ts';
import type { ClientFinal, HistoryEvent, OpAction } from '../../sim/history.ts';
import { ENTITY_TYPE, entityIdOf, resolveAgainst, type OpPlan } from '../../sim/workload.ts';
import { bugByName } from '../bugs.ts';
import type { ClientWorkerData, FromWorker, ToWorker } from './messages.ts';
import type { RealnetOp } from './plan.ts';

const port = parentPort;
if (port === null) throw new Error('client-worker-main.ts must run in a worker thread');

// Modules are loaded (the slow part: a spare worker waits here, ready for a fast restart); the
// runner's go carries the client to be and the run's start time.
port.postMessage({ type: 'loaded' } satisfies FromWorker);
const go = await new Promise<Extract<ToWorker, { type: 'go' }>>((resolve) => {
  const onMessage = (message: ToWorker): void => {
    if (message.type !== 'go') return;
    port.off('message', onMessage);
    resolve(message);
  };
  port.on('message', onMessage);
});
const data: ClientWorkerData = go.data;
const runStartMs = go.runStartMs;

/** Set once 'halted' was posted: this incarnation is dead, nothing more may reach the history. */
let dead = false;

function post(message: FromWorker): void {
  if (!dead) port!.postMessage(message);
}

function record(event: HistoryEvent): void {
  post({ type: 'event', event });
}


/** Storage that can stop the engine at an effect boundary (see the file comment). */
class HaltableStorage implements StoragePort {
  #inFlight = 0;
  #halting = false;
  constructor(readonly inner: LowdbStorage) {}

  load(): Promise<StoreSnapshot> {
    return this.inner.load();
  }

  async commit(ops: readonly WriteOp[], head?: number): Promise<void> {
    if (this.#halting) return new Promise<void>(() => {}); // the crash lands before this commit
    this.#inFlight++;
    try {
      await this.inner.commit(ops, head);
    } finally {
      this.#inFlight--;
      if (this.#halting && this.#inFlight === 0) haltSoon();
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  halt(): void {
    this.#halting = true;
    if (this.#inFlight === 0) haltSoon();
  }

  get halting(): boolean {
    return this.#halting;
  }
}

let haltScheduled = false;
/** After the microtasks of the current turn (the engine's events for a finished commit), say halted. */
function haltSoon(): void {
  if (haltScheduled) return;
  haltScheduled = true;
  setImmediate(() => {
    post({ type: 'halted' });
    dead = true;
  });
}

const variant: CoreVariant = data.bug === null ? CORRECT_VARIANT : bugByName(data.bug).variant.core;
const storage = new HaltableStorage(await LowdbStorage.open(data.storePath));
const link = httpLink({ baseUrl: data.baseUrl, user: data.user, timeoutMs: data.transportTimeoutMs });
const random = seededRandom((data.seed * 4096 + data.client) * 64 + (data.incarnation % 64));
const engine = await SyncEngine.open(
  { ...data.engine, clientId: data.clientId },
  {
    clock: systemClock,
    timers: systemTimers,
    random,
    storage,
    transport: link.transport,
    connectivity: new ManualConnectivity(true),
    tokens: link.tokens,
    events: {
      emit(event) {
        record({ t: event.at - runStartMs, type: 'engine', client: data.client, clientTime: event.at, event });
      },
    },
  },
  variant,
);
const options: EngineOptions = engine.options;

function now(): number {
  return Date.now() - runStartMs;
}

// ---------- workload ----------

let workloadStopped = false;
let wake: (() => void) | null = null;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(timer);
      wake = null;
      resolve();
    };
  });
}

/** What the op means against the client's view now (the simulator's rule); null: nothing to do. */
function resolve(op: RealnetOp, opId: number): OpPlan | null {
  return resolveAgainst(engine.get(ENTITY_TYPE, entityIdOf(op.entity)), op, opId, data.clientId);
}

async function runOp(op: RealnetOp, opId: number): Promise<void> {
  const plan = resolve(op, opId);
  if (plan === null) return;
  const entityId = entityIdOf(op.entity);
  const clientTime = Date.now();
  record({ t: clientTime - runStartMs, type: 'invoke', client: data.client, clientTime, opId, action: plan.action, entityId, fields: plan.fields });
  if (plan.action === 'read') {
    const seen = engine.get(ENTITY_TYPE, entityId);
    record({ t: now(), type: 'complete', client: data.client, opId, outcome: 'ok', queueId: null, error: null, value: seen === undefined || seen.deleted ? null : seen.fields });
    return;
  }
  try {
    const queueId = await engine.write(plan.action, ENTITY_TYPE, entityId, plan.fields);
    record({ t: now(), type: 'complete', client: data.client, opId, outcome: 'ok', queueId, error: null });
  } catch (error) {
    const refused = error instanceof WriteRefusedError;
    const message = refused ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    record({ t: now(), type: 'complete', client: data.client, opId, outcome: refused ? 'fail' : 'info', queueId: null, error: message });
  }
}

async function runWorkload(): Promise<void> {
  for (let i = 0; i < data.ops.length; i++) {
    const op = data.ops[i]!;
    if (op.atMs < data.opsFromMs) continue;
    if (op.atMs >= data.opsUntilMs) break;
    const waitMs = runStartMs + op.atMs - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    if (workloadStopped || storage.halting || Date.now() - runStartMs >= data.opsUntilMs) return;
    // opIds are unique across the run: one block per client, one id per planned op.
    await runOp(op, (data.client + 1) * 1_000_000 + i);
  }
}

function stopWorkload(): void {
  workloadStopped = true;
  wake?.();
}

// ---------- final state ----------

async function durableView(): Promise<SyncCore> {
  return new SyncCore(options, await storage.load(), random, variant);
}

async function finalState(): Promise<ClientFinal> {
  await engine.close();
  const reopened = await LowdbStorage.open(data.storePath);
  const core = new SyncCore(options, await reopened.load(), random, variant);
  await reopened.close();
  const entities: Record<string, Fields> = {};
  const tombstones: string[] = [];
  for (const r of core.entities()) {
    if (r.deleted) tombstones.push(r.entityId);
    else entities[r.entityId] = r.fields;
  }
  return {
    client: data.client,
    clientId: data.clientId,
    user: data.user,
    crashed: false,
    cursor: core.cursor(),
    epoch: core.epoch(),
    entities,
    tombstones,
    queue: [...core.queueItems()],
    deadLetters: core.deadLetters(),
    conflicts: core.conflicts(),
  };
}

port.on('message', (message: ToWorker) => {
  if (dead) return;
  switch (message.type) {
    case 'sync':
      engine.forceSync();
      break;
    case 'stop-workload':
      stopWorkload();
      break;
    case 'halt':
      stopWorkload();
      storage.halt();
      break;
    case 'probe':
      void durableView().then(
        (core) => {
          const status = engine.status();
          let unpaused = 0;
          let queued = 0;
          for (const item of core.queueItems()) {
            queued++;
            if (!item.paused) unpaused++;
          }
          post({ type: 'probe', id: message.id, reply: { unpaused, queued, isSyncing: status.isSyncing, inFlight: status.inFlight, cursor: core.cursor(), epoch: core.epoch() } });
        },
        (error: unknown) => post({ type: 'error', message: `probe: ${String(error)}` }),
      );
      break;
    case 'finish':
      stopWorkload();
      void finalState().then(
        (final) => post({ type: 'final', final }),
        (error: unknown) => post({ type: 'error', message: `final state: ${error instanceof Error ? error.message : String(error)}` }),
      );
      break;
  }
});

post({ type: 'ready' });
void runWorkload().catch((error: unknown) => post({ type: 'error', message: `workload: ${error instanceof Error ? error.stack ?? error.message : String(error)}` }));

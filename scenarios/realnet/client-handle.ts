// The runner's side of one realnet client: its worker thread (one incarnation at a time), the
// events it posts, its open ops (answered 'info' when it is killed), probes and the final state.

import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleEntry } from '../bundle.ts';
import type { ClientFinal, HistoryEvent } from '../../sim/history.ts';
import type { ClientWorkerData, FromWorker, ProbeReply, ToWorker } from './messages.ts';

/** The tsx entry: works anywhere, but each thread pays for tsx's loader (seconds on a busy machine). */
const TSX_WORKER_ENTRY = new URL('./client-worker.js', import.meta.url);
const WORKER_MAIN = fileURLToPath(new URL('./client-worker-main.ts', import.meta.url));

const LOAD_TIMEOUT_MS = 90_000;
const READY_TIMEOUT_MS = 20_000;
const HALT_TIMEOUT_MS = 3_000;

export interface ClientHost {
  record(event: HistoryEvent): void;
  now(): number;
  error(message: string): void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The worker entry: the bundle when there is one (threads start in milliseconds), else the tsx entry. */
export async function prepareWorkerEntry(dir: string, log: (line: string) => void = () => {}): Promise<URL> {
  const bundled = await bundleEntry(WORKER_MAIN, join(dir, 'client-worker.bundle.mjs'), log);
  return bundled === null ? TSX_WORKER_ENTRY : pathToFileURL(bundled);
}

/**
 * Worker threads with the client modules loaded (tsx and the engine take a second or more of CPU
 * per thread), waiting for their go. Spares are kept so a killed client restarts at once.
 */
export class WorkerPool {
  #spares: Promise<Worker>[] = [];
  #all = new Set<Worker>();
  #closed = false;

  constructor(
    readonly spares: number,
    readonly entry: URL = TSX_WORKER_ENTRY,
  ) {}

  #load(): Promise<Worker> {
    const worker = new Worker(this.entry);
    this.#all.add(worker);
    worker.once('exit', () => this.#all.delete(worker));
    const loaded = new Promise<Worker>((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        if (message.type !== 'loaded') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(worker);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`a client worker exited while loading (code ${code})`)));
    });
    const timed = withTimeout(loaded, LOAD_TIMEOUT_MS, 'loading a client worker');
    timed.catch(() => void worker.terminate());
    return timed;
  }

  /** Loads `count` workers at once (the run's clients) plus the spares. */
  prepare(count: number): void {
    for (let i = 0; i < count + this.spares; i++) this.#spares.push(this.#load());
  }

  /** Resolves once every worker loading now is loaded (rejects if one fails). */
  async ready(): Promise<void> {
    await Promise.all(this.#spares);
  }

  async take(): Promise<Worker> {
    if (this.#closed) throw new Error('worker pool closed');
    const next = this.#spares.shift() ?? this.#load();
    while (this.#spares.length < this.spares) this.#spares.push(this.#load());
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const spare of this.#spares) spare.catch(() => {});
    this.#spares = [];
    await Promise.all([...this.#all].map((w) => w.terminate()));
  }
}

export class ClientHandle {
  #worker: Worker | null = null;
  incarnation = 0;
  #ready: Promise<void> = Promise.resolve();
  #openOps = new Set<number>();
  #probes = new Map<number, (reply: ProbeReply) => void>();
  #probeId = 0;
  #final: ((final: ClientFinal) => void) | null = null;
  #halted: (() => void) | null = null;
  /** Messages from this incarnation are history until it halts or dies. */
  #listening = false;

  constructor(
    readonly index: number,
    readonly base: Omit<ClientWorkerData, 'incarnation' | 'opsFromMs'>,
    private readonly host: ClientHost,
    private readonly pool: WorkerPool,
  ) {}

  get up(): boolean {
    return this.#worker !== null;
  }

  /** Takes a loaded worker from the pool and starts it over the client's store (ops from `opsFromMs` on). */
  async start(opsFromMs: number, runStartMs: number): Promise<void> {
    if (this.#worker !== null) throw new Error(`client ${this.index} is already running`);
    const worker = await this.pool.take();
    this.incarnation++;
    const data: ClientWorkerData = { ...this.base, incarnation: this.incarnation, opsFromMs };
    this.#worker = worker;
    this.#listening = true;
    let ready!: () => void;
    let failed!: (error: Error) => void;
    const readyP = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    readyP.catch(() => {});
    worker.on('message', (message: FromWorker) => this.#onMessage(worker, message, ready));
    worker.on('error', (error) => {
      this.host.error(`client ${this.index} (incarnation ${this.incarnation}): ${error.stack ?? error.message}`);
      failed(error);
    });
    worker.on('exit', (code) => {
      failed(new Error(`client ${this.index}'s worker exited (code ${code})`));
      if (this.#worker !== worker) return;
      // Died on its own (not killed by us): that is a crash too.
      this.#worker = null;
      if (this.#listening) this.#crashed(`worker exited unexpectedly (code ${code})`);
    });
    this.#ready = readyP;
    worker.postMessage({ type: 'go', data, runStartMs } satisfies ToWorker);
    await withTimeout(readyP, READY_TIMEOUT_MS, `client ${this.index} opening its engine`);
  }

  #onMessage(worker: Worker, message: FromWorker, ready: () => void): void {
    if (worker !== this.#worker && message.type !== 'final') return;
    switch (message.type) {
      case 'loaded':
        break;
      case 'ready':
        ready();
        break;
      case 'event': {
        if (!this.#listening) return;
        const e = message.event;
        if (e.type === 'invoke' && e.action !== 'read') this.#openOps.add(e.opId);
        if (e.type === 'complete') this.#openOps.delete(e.opId);
        this.host.record(e);
        break;
      }
      case 'probe':
        this.#probes.get(message.id)?.(message.reply);
        this.#probes.delete(message.id);
        break;
      case 'halted':
        this.#listening = false;
        this.#halted?.();
        break;
      case 'final':
        this.#final?.(message.final);
        break;
      case 'error':
        this.host.error(`client ${this.index}: ${message.message}`);
        break;
    }
  }

  #send(message: ToWorker): void {
    this.#worker?.postMessage(message);
  }

  #crashed(detail: string): void {
    const t = this.host.now();
    for (const opId of this.#openOps) this.host.record({ t, type: 'complete', client: this.index, opId, outcome: 'info', queueId: null, error: `crashed before the answer: ${detail}` });
    this.#openOps.clear();
    this.host.record({ t, type: 'crash', client: this.index, cause: 'crash', detail });
  }

  /** Kill: stop at the next effect boundary, then terminate the thread (sockets, timers, memory die). */
  async kill(detail: string): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    await this.#ready.catch(() => {});
    const halted = new Promise<void>((resolve) => {
      this.#halted = resolve;
    });
    this.#send({ type: 'halt' });
    let how = 'at an effect boundary';
    try {
      await withTimeout(halted, HALT_TIMEOUT_MS, `client ${this.index} halting`);
    } catch {
      how = 'terminated while busy (no effect boundary within 3 s)';
    }
    this.#halted = null;
    this.#listening = false;
    this.#worker = null;
    await worker.terminate();
    this.#crashed(`${detail}; ${how}`);
  }

  /** Restart over the same store: a new worker, ops from now on. */
  async restart(runStartMs: number): Promise<void> {
    if (this.#worker !== null) return;
    this.host.record({ t: this.host.now(), type: 'restart', client: this.index, detail: `incarnation ${this.incarnation + 1}` });
    await this.start(this.host.now(), runStartMs);
  }

  sync(): void {
    this.#send({ type: 'sync' });
  }

  stopWorkload(): void {
    this.#send({ type: 'stop-workload' });
  }

  async probe(timeoutMs: number): Promise<ProbeReply | null> {
    if (this.#worker === null) return null;
    const id = ++this.#probeId;
    const reply = new Promise<ProbeReply>((resolve) => this.#probes.set(id, resolve));
    this.#send({ type: 'probe', id });
    try {
      return await withTimeout(reply, timeoutMs, `client ${this.index} probe`);
    } catch {
      this.#probes.delete(id);
      return null;
    }
  }

  /** Closes the engine cleanly and returns the durable final state; the worker is then terminated. */
  async finish(timeoutMs: number): Promise<ClientFinal> {
    const worker = this.#worker;
    if (worker === null) throw new Error(`client ${this.index} is not running`);
    const final = new Promise<ClientFinal>((resolve) => {
      this.#final = resolve;
    });
    this.#send({ type: 'finish' });
    try {
      return await withTimeout(final, timeoutMs, `client ${this.index} final state`);
    } finally {
      this.#final = null;
      this.#listening = false;
      this.#worker = null;
      await worker.terminate();
    }
  }

  /** Last resort on failure: terminate without ceremony. */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#listening = false;
    if (worker !== null) await worker.terminate();
  }
}

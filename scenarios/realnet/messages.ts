// Messages between the realnet runner (main thread) and a client's worker thread.

import type { EngineOptions } from '../../engine/options.ts';
import type { HistoryEvent } from '../../sim/history.ts';
import type { ClientFinal } from '../../sim/history.ts';
import type { RealnetOp } from './plan.ts';

export interface ClientWorkerData {
  readonly client: number;
  readonly incarnation: number;
  readonly clientId: string;
  readonly user: string;
  /** The client's proxy (or the server) base URL. */
  readonly baseUrl: string;
  readonly storePath: string;
  readonly engine: Partial<Omit<EngineOptions, 'clientId'>>;
  /** Bug variant name from scenarios/bugs.ts, or null for the correct engine. */
  readonly bug: string | null;
  readonly ops: readonly RealnetOp[];
  /** Ops at or after this wall ms (since the run start) are run; earlier ones are skipped. */
  readonly opsFromMs: number;
  /** No op starts at or after this time (end of the chaos phase). */
  readonly opsUntilMs: number;
  readonly transportTimeoutMs: number;
  readonly seed: number;
}

/** Main → worker. */
export type ToWorker =
  /** Start: Date.now() when the run started (history times are ms since then). */
  | { readonly type: 'go'; readonly data: ClientWorkerData; readonly runStartMs: number }
  | { readonly type: 'sync' }
  | { readonly type: 'probe'; readonly id: number }
  /** Stop at the next effect boundary (before the next commit), then say 'halted'. */
  | { readonly type: 'halt' }
  /** Stop the workload, close the engine cleanly, report the final state. */
  | { readonly type: 'finish' }
  | { readonly type: 'stop-workload' };

export interface ProbeReply {
  readonly unpaused: number;
  readonly queued: number;
  readonly isSyncing: boolean;
  readonly inFlight: number;
  readonly cursor: number;
  readonly epoch: string | null;
}

/** Worker → main. Events carry the client index already. */
export type FromWorker =
  | { readonly type: 'loaded' }
  | { readonly type: 'ready' }
  | { readonly type: 'event'; readonly event: HistoryEvent }
  | { readonly type: 'probe'; readonly id: number; readonly reply: ProbeReply }
  | { readonly type: 'halted' }
  | { readonly type: 'final'; readonly final: ClientFinal }
  | { readonly type: 'error'; readonly message: string };

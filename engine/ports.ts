// The engine's ports (shared/DESIGN.md §2): every way the engine touches the world.
// The sans-I/O core uses none of them directly; the async driver (Repository) carries the
// core's effects out through these. Real adapters live in engine/adapters/, simulated ones in sim/.

import type { ErrorBody, PullQuery, PullResponse, PushRequest, PushResponse } from './protocol.ts';
import type { StoreSnapshot, WriteOp } from './model.ts';
import type { SyncEvent } from './events.ts';

/** The client's own clock: may be skewed, may drift, may jump. Milliseconds. */
export interface ClockPort {
  now(): number;
  /** A clock that never jumps (performance.now), to notice steps of `now` at once. Optional. */
  monotonic?(): number;
}

export type TimerHandle = unknown;

/** Relative timers (a delay, not a wall-clock deadline, so clock jumps do not misfire them). */
export interface TimerPort {
  set(delayMs: number, fire: () => void): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** A uniform float in [0, 1). Seeded in tests and the simulator. */
export interface RandomPort {
  float(): number;
}

/** Transactional storage of named boxes. `commit` is atomic: all of ops, or none of them. */
export interface StoragePort {
  load(): Promise<StoreSnapshot>;
  /**
   * Resolves once the ops are durable. Rejects (StorageError) with nothing applied. With
   * `head`, the commit applies only if the store's metadata/'head' (model.ts HEAD_KEY; 0 when
   * none) is that number, checked in the same transaction; otherwise it rejects with
   * StorageError('stale'): another engine over the same store committed since.
   */
  commit(ops: readonly WriteOp[], head?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * 'key': an encrypted store that the given key does not open (or no key was given for one).
 * 'stale': a guarded commit from an image older than the store (another tab committed since).
 */
export type StorageErrorCode = 'quota' | 'io' | 'corrupt' | 'closed' | 'key' | 'stale';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/**
 * What came of one request. Jepsen's ok | fail | info: `response` is a definite answer;
 * `unsent` definitely never reached the server (fail); `unknown` may or may not have been
 * applied (info: a timeout or reset after the request left), so it must be retried with the
 * same idempotency keys and never treated as a failure.
 */
export type TransportOutcome<T> =
  | { readonly kind: 'ok'; readonly body: T }
  | { readonly kind: 'http'; readonly status: number; readonly retryAfterMs: number | null; readonly body: ErrorBody | null }
  | { readonly kind: 'unsent'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface TransportPort {
  push(request: PushRequest, token: string): Promise<TransportOutcome<PushResponse>>;
  pull(query: PullQuery, token: string): Promise<TransportOutcome<PullResponse>>;
}

export interface ConnectivityPort {
  isOnline(): boolean;
  /** Returns an unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface TokenProviderPort {
  token(): Promise<string>;
  /** Called after a 401: get a fresh token. */
  refresh(): Promise<string>;
}

export interface EventSinkPort {
  emit(event: SyncEvent): void;
}

/** The key that encrypts a store at rest: 32 bytes (AES-256). Fixed in tests and the simulator. */
export interface KeyProviderPort {
  key(): Promise<Uint8Array>;
}

/**
 * Initialisation vectors for AES-GCM: a fresh one per encryption (random in real use; a
 * GCM IV must never repeat under one key). Seeded in tests and the simulator for replay.
 */
export interface IvSourcePort {
  next(byteLength: number): Uint8Array;
}

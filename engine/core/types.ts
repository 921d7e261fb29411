// The sans-I/O core's vocabulary: inputs it takes (each stamped with the client's clock)
// and effects it hands back for a driver to carry out, in order. Dropping the effects not
// yet carried out is exactly a crash between two of them.

import type { Action, Fields, PullQuery, PullResponse, PushRequest, PushResponse } from '../protocol.ts';
import type { WriteOp } from '../model.ts';
import type { SyncEvent } from '../events.ts';
import type { TransportOutcome } from '../ports.ts';

export const TIMER_NAMES = ['retry', 'interval', 'push-timeout', 'pull-timeout', 'pull-retry'] as const;
export type TimerName = (typeof TIMER_NAMES)[number];
/** A value per timer: a fixed-shape record, not a Map (timers are set and cleared on nearly every step). */
export type PerTimer<T> = Record<TimerName, T>;

export function perTimer<T>(value: T): PerTimer<T> {
  return { retry: value, interval: value, 'push-timeout': value, 'pull-timeout': value, 'pull-retry': value };
}

export type ConflictResolution =
  | { readonly kind: 'keep-local' }
  | { readonly kind: 'keep-server' }
  | { readonly kind: 'merge'; readonly fields: Fields };

export type CoreInput =
  /** `storageFailures`: consecutive failed commits before this (re)start; > 0 backs the first sync off. */
  | { readonly type: 'start'; readonly now: number; readonly online: boolean; readonly storageFailures?: number }
  | {
      readonly type: 'write';
      readonly now: number;
      readonly opId: number;
      readonly action: Action;
      readonly entityType: string;
      readonly entityId: string;
      /** Full fields for create, a delta for update, {} for delete. */
      readonly fields: Fields;
      readonly priority?: number;
    }
  | { readonly type: 'resolve-conflict'; readonly now: number; readonly opId: number; readonly conflictId: string; readonly resolution: ConflictResolution }
  | { readonly type: 'timer'; readonly now: number; readonly timer: TimerName }
  | { readonly type: 'push-result'; readonly now: number; readonly requestId: number; readonly outcome: TransportOutcome<PushResponse> }
  | { readonly type: 'pull-result'; readonly now: number; readonly requestId: number; readonly outcome: TransportOutcome<PullResponse> }
  | { readonly type: 'connectivity'; readonly now: number; readonly online: boolean }
  | { readonly type: 'sync'; readonly now: number }
  | { readonly type: 'token-refreshed'; readonly now: number; readonly ok: boolean };

export type WriteErrorCode = 'invalid' | 'not_found' | 'exists' | 'queue_full' | 'no_conflict';

export type OpReply =
  | { readonly ok: true; /** The queue item carrying the op; null when it cancelled out (create then delete). */ readonly queueId: string | null }
  | { readonly ok: false; readonly code: WriteErrorCode; readonly message: string };

export type CoreEffect =
  /** Make `ops` durable in one transaction, then report `events` (they describe this commit: a crash before it loses both). */
  | {
      readonly type: 'commit';
      readonly ops: readonly WriteOp[];
      readonly events: readonly SyncEvent[];
      /**
       * The store head (model.ts HEAD_KEY) the image reflects: the guard to commit with
       * (StoragePort.commit); the ops move the head one on. Undefined: unguarded (the zoo's unguardedCommits).
       */
      readonly head: number | undefined;
    }
  | { readonly type: 'push'; readonly requestId: number; readonly request: PushRequest }
  | { readonly type: 'pull'; readonly requestId: number; readonly query: PullQuery }
  /** Arm the named timer, replacing any armed one of that name. Delay on the client's clock. */
  | { readonly type: 'arm'; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: 'disarm'; readonly timer: TimerName }
  | { readonly type: 'refresh-token' }
  | { readonly type: 'event'; readonly event: SyncEvent }
  /** Answer a write or resolution; comes after the commit that made it durable. */
  | { readonly type: 'reply'; readonly opId: number; readonly reply: OpReply };

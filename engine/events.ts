// Typed events for every state change of the engine, and the SyncStatus summary.
// Events carry the client-clock time `at`; the simulator adds virtual time when it records them.

import type { Action, Fields, ProtocolVersionRange, ServerEntityState } from './protocol.ts';

export type ConflictOutcome = 'local-wins' | 'server-wins' | 'merged' | 'manual';

export type SyncEvent =
  | { readonly type: 'enqueued'; readonly at: number; readonly queueId: string; readonly entityType: string; readonly entityId: string; readonly action: Action; readonly payload: Fields }
  | { readonly type: 'coalesced'; readonly at: number; readonly queueId: string; readonly into: string | null }
  | { readonly type: 'sent'; readonly at: number; readonly requestId: number; readonly queueIds: readonly string[]; readonly bytes: number }
  | { readonly type: 'acked'; readonly at: number; readonly queueId: string; readonly revision: number; readonly replayed: boolean; readonly attempts: number }
  | { readonly type: 'retried'; readonly at: number; readonly queueId: string; readonly attempts: number; readonly delayMs: number; readonly reason: string }
  /** A backoff after a failed request ended early: the pull `requestId` was answered, so the server is reachable again. */
  | { readonly type: 'resumed'; readonly at: number; readonly queueId: string; readonly requestId: number }
  | { readonly type: 'dead-lettered'; readonly at: number; readonly queueId: string; readonly code: string; readonly message: string }
  | {
      readonly type: 'conflict';
      readonly at: number;
      readonly queueId: string;
      readonly entityType: string;
      readonly entityId: string;
      readonly policy: string;
      readonly outcome: ConflictOutcome;
      readonly local: { readonly payload: Fields; readonly clientTime: number; readonly stamp: string | null };
      readonly server: ServerEntityState;
    }
  /** `resolution`: the person's answer (keep-local, keep-server, merge), or 'withdrawn' when a rollback repair took the question back (pull.ts withdrawConflicts). */
  | { readonly type: 'conflict-resolved'; readonly at: number; readonly conflictId: string; readonly queueId: string; readonly resolution: string }
  | { readonly type: 'pulled'; readonly at: number; readonly requestId: number; readonly count: number; readonly cursor: number; readonly epoch: string }
  | { readonly type: 'applied'; readonly at: number; readonly entityType: string; readonly entityId: string; readonly revision: number; readonly deleted: boolean; readonly originClientId: string }
  | { readonly type: 'epoch-changed'; readonly at: number; readonly from: string; readonly to: string }
  /** A rollback lost our confirmed write: `reuploads` is that write's queueId (acked, or learned from a pull when its ack was lost). */
  | { readonly type: 'repair-enqueued'; readonly at: number; readonly queueId: string; readonly entityType: string; readonly entityId: string; readonly reuploads: string }
  | { readonly type: 'request-failed'; readonly at: number; readonly requestId: number; readonly kind: 'push' | 'pull'; readonly outcome: string; readonly status: number | null; readonly delayMs: number }
  /**
   * The server refused this engine's protocol version: sync stops (every queued item kept, none
   * dead-lettered) until the engine is restarted, with a version in `accepted` if the server said.
   */
  | {
      readonly type: 'upgrade-required';
      readonly at: number;
      readonly kind: 'push' | 'pull';
      readonly protocolVersion: number;
      readonly accepted: ProtocolVersionRange | null;
      readonly message: string;
    };

export type SyncEventType = SyncEvent['type'];

export interface SyncStatus {
  readonly queueLength: number;
  readonly inFlight: number;
  /** attemptsHistogram[k] = queued items that have been tried k times (last bucket: k or more). */
  readonly attemptsHistogram: readonly number[];
  readonly successes: number;
  readonly failures: number;
  readonly conflicts: number;
  readonly deadLetters: number;
  readonly lastSyncAt: number | null;
  readonly isSyncing: boolean;
  readonly online: boolean;
  /** The wire protocol version this engine speaks. */
  readonly protocolVersion: number;
  /** Set once the server refused that version: sync is stopped until a restart. */
  readonly upgradeRequired: { readonly at: number; readonly accepted: ProtocolVersionRange | null; readonly message: string } | null;
}

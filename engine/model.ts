// The engine's durable records: what lives in each storage box, and the write ops that
// change them. Records are immutable values (replaced, never mutated), so the core's image
// and a storage adapter may share them safely.

import type { Action, Fields, ServerEntityState } from './protocol.ts';

export const BOX_NAMES = ['entities', 'sync_queue', 'metadata', 'conflicts', 'dead_letter'] as const;
export type BoxName = (typeof BOX_NAMES)[number];

/** One entity as this client sees it. */
export interface EntityRecord {
  readonly entityType: string;
  readonly entityId: string;
  /** The local view: the last known server state with every pending local op applied on top. */
  readonly fields: Fields;
  /** Local view is deleted (a tombstone; kept after the server confirms, for tombstone safety and rollback repair). */
  readonly deleted: boolean;
  /** Last server-confirmed state; null before the server has ever seen the entity. */
  readonly server: ServerEntityState | null;
  /** Who wrote the confirmed server state, when known (for rollback repair): the op's client and queueId. */
  readonly serverOrigin: { readonly clientId: string; readonly queueId: string } | null;
  /** Client-clock ms of the last local change. */
  readonly updatedAt: number;
}

export interface QueueItem {
  readonly queueId: string;
  readonly seq: number;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: Action;
  /** Delta for update, full fields for create, {} for delete. */
  readonly payload: Fields;
  /** Server revision this op applies on top of; null for a create. Rebased when an earlier op of the entity is acked. */
  readonly baseRevision: number | null;
  /** Server fields the op was made against (for 3-way merge). */
  readonly baseFields: Fields | null;
  /** Client-clock ms when the op was made. */
  readonly createdAt: number;
  /** Skew-safe stamp (HLC) when the conflict policy uses one. */
  readonly stamp: string | null;
  readonly attempts: number;
  /** Client-clock ms before which the item is not sent. */
  readonly nextAttemptAt: number;
  /** Higher goes first among eligible items. */
  readonly priority: number;
  /** Waiting for a manual conflict resolution: never sent while set. */
  readonly paused: boolean;
  /** True once the item has been in a request (coalescing must not touch it after that). */
  readonly sent: boolean;
  readonly lastError: string | null;
}

/** An open conflict that needs a decision (field-merge clash or the manual policy). */
export interface ConflictRecord {
  readonly conflictId: string;
  readonly queueId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly policy: string;
  readonly local: Fields;
  readonly action: Action;
  readonly server: ServerEntityState;
  readonly base: Fields | null;
  /** Fields changed differently on both sides (empty for the manual policy's whole-op conflicts). */
  readonly clashingFields: readonly string[];
  readonly detectedAt: number;
}

export interface DeadLetterRecord {
  readonly queueId: string;
  readonly item: QueueItem;
  readonly code: string;
  readonly message: string;
  readonly deadAt: number;
}

/** The single record under metadata/'sync'. */
export interface SyncMetadata {
  readonly clientId: string;
  /** Next op sequence number to hand out. */
  readonly seqNext: number;
  readonly cursor: number;
  /** Server epoch last seen; null before the first contact. */
  readonly epoch: string | null;
  /** HLC state: highest physical ms and counter issued or observed. */
  readonly hlcWallMs: number;
  readonly hlcCounter: number;
  /** Estimated server clock minus client clock, learned from serverTime (ms). */
  readonly clockOffsetMs: number;
  /** True while a rollback repair is pulling the full state back. */
  readonly repairing: boolean;
}

// Record builders. Each writes every field, in the interface's order, so all records of a kind
// share one hidden class in V8. A spread (`{ ...item, sent: true }`) copies its source's shape.
// Once records of many shapes meet at one site, V8 stops cloning by shape and gives every copy
// a hidden class of its own. Every read and store of them then misses the megamorphic stub
// cache; there were about three such misses per simulated event before these builders.
// An undefined change keeps the field (undefined is no field's value).

function changedOr<T>(change: T | undefined, current: T): T {
  return change !== undefined ? change : current;
}

/** `item` with `changes` applied. */
export function itemWith(item: QueueItem, changes: Partial<QueueItem>): QueueItem {
  return {
    queueId: changedOr(changes.queueId, item.queueId),
    seq: changedOr(changes.seq, item.seq),
    entityType: changedOr(changes.entityType, item.entityType),
    entityId: changedOr(changes.entityId, item.entityId),
    action: changedOr(changes.action, item.action),
    payload: changedOr(changes.payload, item.payload),
    baseRevision: changedOr(changes.baseRevision, item.baseRevision),
    baseFields: changedOr(changes.baseFields, item.baseFields),
    createdAt: changedOr(changes.createdAt, item.createdAt),
    stamp: changedOr(changes.stamp, item.stamp),
    attempts: changedOr(changes.attempts, item.attempts),
    nextAttemptAt: changedOr(changes.nextAttemptAt, item.nextAttemptAt),
    priority: changedOr(changes.priority, item.priority),
    paused: changedOr(changes.paused, item.paused),
    sent: changedOr(changes.sent, item.sent),
    lastError: changedOr(changes.lastError, item.lastError),
  };
}

/** `record` with `changes` applied. */
export function entityWith(record: EntityRecord, changes: Partial<EntityRecord>): EntityRecord {
  return {
    entityType: changedOr(changes.entityType, record.entityType),
    entityId: changedOr(changes.entityId, record.entityId),
    fields: changedOr(changes.fields, record.fields),
    deleted: changedOr(changes.deleted, record.deleted),
    server: changedOr(changes.server, record.server),
    serverOrigin: changedOr(changes.serverOrigin, record.serverOrigin),
    updatedAt: changedOr(changes.updatedAt, record.updatedAt),
  };
}

/** `meta` with `changes` applied. */
export function metaWith(meta: SyncMetadata, changes: Partial<SyncMetadata>): SyncMetadata {
  return {
    clientId: changedOr(changes.clientId, meta.clientId),
    seqNext: changedOr(changes.seqNext, meta.seqNext),
    cursor: changedOr(changes.cursor, meta.cursor),
    epoch: changedOr(changes.epoch, meta.epoch),
    hlcWallMs: changedOr(changes.hlcWallMs, meta.hlcWallMs),
    hlcCounter: changedOr(changes.hlcCounter, meta.hlcCounter),
    clockOffsetMs: changedOr(changes.clockOffsetMs, meta.clockOffsetMs),
    repairing: changedOr(changes.repairing, meta.repairing),
  };
}

export const METADATA_KEY = 'sync';

/**
 * metadata/'head': `{ commit }`, the number of the store's last guarded commit. An engine
 * guards each commit with the head its image reflects and moves the head one on; a commit
 * whose guard is no longer the store's head is refused with nothing applied (StoragePort
 * commit, StorageError 'stale'), so two engines over one store — two browser tabs over one
 * IndexedDB — never write from a stale image: the refused one rebuilds from storage.
 */
export const HEAD_KEY = 'head';

/** The commit number in a stored metadata/'head' value: 0 when no guarded commit was made. */
export function headOf(stored: unknown): number {
  if (stored === undefined) return 0;
  const commit = (stored as { commit?: unknown } | null)?.commit;
  if (typeof commit !== 'number' || !Number.isSafeInteger(commit) || commit < 1) {
    throw new Error(`stored metadata/${HEAD_KEY} should be { commit: positive integer }, got ${JSON.stringify(stored)}`);
  }
  return commit;
}

/** The head `ops` set (their last put of metadata/'head'), or null when they do not touch it. */
export function headSetBy(ops: readonly WriteOp[]): number | null {
  let head: number | null = null;
  for (const op of ops) if (op.box === 'metadata' && op.key === HEAD_KEY) head = headOf(op.value);
  return head;
}

export interface BoxValueTypes {
  entities: EntityRecord;
  sync_queue: QueueItem;
  metadata: SyncMetadata;
  conflicts: ConflictRecord;
  dead_letter: DeadLetterRecord;
}

/** One write of a transaction: put a value, or delete the key when value is undefined. */
export interface WriteOp {
  readonly box: BoxName;
  readonly key: string;
  readonly value: unknown;
}

/** Every box's contents, as loaded from storage. Keys iterate in insertion order. */
export type StoreSnapshot = { readonly [B in BoxName]: ReadonlyMap<string, unknown> };

export function emptySnapshot(): StoreSnapshot {
  return { entities: new Map(), sync_queue: new Map(), metadata: new Map(), conflicts: new Map(), dead_letter: new Map() };
}

// The core's in-memory image of the store: every box as a Map, plus the write ops of the
// transaction being built. Each mutation updates the image and records its WriteOp, so a
// commit effect carries exactly what changed. Data is checked on the way in (load).

import { entityKey } from '../protocol.ts';
import type { ConflictRecord, DeadLetterRecord, EntityRecord, QueueItem, StoreSnapshot, SyncMetadata, WriteOp } from '../model.ts';
import { HEAD_KEY, METADATA_KEY, headOf, itemWith, metaWith } from '../model.ts';
import { assert } from '../assert.ts';

const NO_OPS: readonly WriteOp[] = Object.freeze([]);
const NO_ITEMS: readonly QueueItem[] = Object.freeze([]);

export class Image {
  readonly entities = new Map<string, EntityRecord>();
  /** Insertion order is selection order; per-entity order lives in entityItems. */
  readonly queue = new Map<string, QueueItem>();
  /** Pending queueIds per entity key, oldest first: the head is the only one that may be sent. */
  readonly entityItems = new Map<string, string[]>();
  readonly conflicts = new Map<string, ConflictRecord>();
  readonly deadLetters = new Map<string, DeadLetterRecord>();
  meta: SyncMetadata;
  /** True when the store had no metadata yet (a first start). */
  readonly metaIsNew: boolean;
  /** The store's head (model.ts HEAD_KEY) as of this image: loaded, then moved on by each guarded commit. */
  head: number;
  private tx: WriteOp[] = [];

  constructor(snapshot: StoreSnapshot, clientId: string) {
    for (const [key, value] of snapshot.entities) this.entities.set(key, checkEntity(key, value));
    const items = [...snapshot.sync_queue].map(([key, value]) => checkItem(key, value)).sort((a, b) => a.seq - b.seq);
    // After a restart nothing is known of what reached the server: treat every item as sent,
    // so coalescing never rewrites one the server may have applied.
    for (const item of items) this.indexItem(itemWith(item, { sent: true }));
    for (const [key, value] of snapshot.conflicts) this.conflicts.set(key, value as ConflictRecord);
    for (const [key, value] of snapshot.dead_letter) this.deadLetters.set(key, value as DeadLetterRecord);
    const stored = snapshot.metadata.get(METADATA_KEY);
    this.metaIsNew = stored === undefined;
    this.meta = stored === undefined ? freshMetadata(clientId) : checkMetadata(stored);
    this.head = headOf(snapshot.metadata.get(HEAD_KEY));
  }

  /** The entity's pending items, oldest first (most entities have none: one shared empty list then). */
  itemsOf(key: string): readonly QueueItem[] {
    const ids = this.entityItems.get(key);
    if (ids === undefined) return NO_ITEMS;
    return ids.map((id) => this.queue.get(id)!);
  }

  headOf(key: string): QueueItem | undefined {
    const id = this.entityItems.get(key)?.[0];
    return id === undefined ? undefined : this.queue.get(id);
  }

  lastOf(key: string): QueueItem | undefined {
    const ids = this.entityItems.get(key);
    return ids === undefined ? undefined : this.queue.get(ids[ids.length - 1]!);
  }

  putEntity(record: EntityRecord): void {
    this.putEntityAt(entityKey(record.entityType, record.entityId), record);
  }

  /** putEntity when the caller has the key (entityKey of the record's type and id) at hand. */
  putEntityAt(key: string, record: EntityRecord): void {
    this.entities.set(key, record);
    this.tx.push({ box: 'entities', key, value: record });
  }

  removeEntity(key: string): void {
    this.entities.delete(key);
    this.tx.push({ box: 'entities', key, value: undefined });
  }

  /** Insert a new item or replace one in place (its queue position is kept). */
  putItem(item: QueueItem): void {
    if (!this.queue.has(item.queueId)) this.indexItem(item);
    else this.queue.set(item.queueId, item);
    this.tx.push({ box: 'sync_queue', key: item.queueId, value: item });
  }

  /** Replace an item in memory only (volatile flags such as `sent`). */
  touchItem(item: QueueItem): void {
    assert(this.queue.has(item.queueId), `touchItem: ${item.queueId} is not queued`);
    this.queue.set(item.queueId, item);
  }

  removeItem(queueId: string): void {
    const item = this.queue.get(queueId);
    assert(item !== undefined, `removeItem: ${queueId} is not queued`);
    this.queue.delete(queueId);
    const key = entityKey(item.entityType, item.entityId);
    const ids = this.entityItems.get(key)!;
    const at = ids.indexOf(queueId);
    ids.splice(at, 1);
    if (ids.length === 0) this.entityItems.delete(key);
    this.tx.push({ box: 'sync_queue', key: queueId, value: undefined });
  }

  putConflict(record: ConflictRecord): void {
    this.conflicts.set(record.conflictId, record);
    this.tx.push({ box: 'conflicts', key: record.conflictId, value: record });
  }

  removeConflict(conflictId: string): void {
    this.conflicts.delete(conflictId);
    this.tx.push({ box: 'conflicts', key: conflictId, value: undefined });
  }

  putDeadLetter(record: DeadLetterRecord): void {
    this.deadLetters.set(record.queueId, record);
    this.tx.push({ box: 'dead_letter', key: record.queueId, value: record });
  }

  /** Store the metadata with `changes` applied. */
  updateMeta(changes: Partial<SyncMetadata>): void {
    this.putMeta(metaWith(this.meta, changes));
  }

  putMeta(meta: SyncMetadata): void {
    this.meta = meta;
    this.tx.push({ box: 'metadata', key: METADATA_KEY, value: meta });
  }

  /** Whether anything was written since the last takeTx. */
  get hasWrites(): boolean {
    return this.tx.length > 0;
  }

  /** Move the head one on, in the transaction being built (a guarded commit's last op). */
  advanceHead(): void {
    this.head++;
    this.tx.push({ box: 'metadata', key: HEAD_KEY, value: { commit: this.head } });
  }

  /** The write ops since the last call: one transaction (most steps write nothing: no new array then). */
  takeTx(): readonly WriteOp[] {
    const tx = this.tx;
    if (tx.length === 0) return NO_OPS;
    this.tx = [];
    return tx;
  }

  private indexItem(item: QueueItem): void {
    this.queue.set(item.queueId, item);
    const key = entityKey(item.entityType, item.entityId);
    const ids = this.entityItems.get(key);
    if (ids === undefined) this.entityItems.set(key, [item.queueId]);
    else ids.push(item.queueId);
  }
}

export function freshMetadata(clientId: string): SyncMetadata {
  return { clientId, seqNext: 1, cursor: 0, epoch: null, hlcWallMs: 0, hlcCounter: 0, clockOffsetMs: 0, repairing: false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkEntity(key: string, value: unknown): EntityRecord {
  assert(isRecord(value) && typeof value.entityType === 'string' && typeof value.entityId === 'string', `stored entity ${key} is malformed`);
  assert(isRecord(value.fields) && typeof value.deleted === 'boolean', `stored entity ${key} has no fields/deleted`);
  assert(entityKey(value.entityType, value.entityId) === key, `stored entity ${key} is filed under the wrong key`);
  return value as unknown as EntityRecord;
}

function checkItem(key: string, value: unknown): QueueItem {
  assert(isRecord(value) && value.queueId === key, `stored queue item ${key} is malformed or filed under the wrong key`);
  assert(typeof value.seq === 'number' && typeof value.entityId === 'string' && isRecord(value.payload), `stored queue item ${key} lacks seq/entityId/payload`);
  assert(value.action === 'create' || value.action === 'update' || value.action === 'delete', `stored queue item ${key} has action ${String(value.action)}`);
  return value as unknown as QueueItem;
}

function checkMetadata(value: unknown): SyncMetadata {
  assert(isRecord(value) && typeof value.clientId === 'string' && typeof value.seqNext === 'number', 'stored sync metadata is malformed');
  assert(typeof value.cursor === 'number' && value.cursor >= 0, `stored cursor ${String(value.cursor)} is not a non-negative number`);
  return metaWith(value as unknown as SyncMetadata, {});
}

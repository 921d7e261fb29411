// fast-check arbitraries of whole store contents in the latest model (entities, queue items,
// conflicts, dead letters, sync metadata), and how to write them as a store at schema
// version k. For the schema migration properties; test-only.

import fc from 'fast-check';
import { entityKey, type Action } from '../protocol.ts';
import { METADATA_KEY, type ConflictRecord, type DeadLetterRecord, type EntityRecord, type QueueItem, type StoreSnapshot, type SyncMetadata, type WriteOp } from '../model.ts';
import { encodeRecord } from '../schema/codec.ts';
import { schemaRecordOp } from '../schema/migrate.ts';
import { actionArb, fieldsArb, serverStateArb, timeMsArb } from './arbitraries.ts';

export interface StoreContents {
  readonly entities: readonly EntityRecord[];
  readonly queue: readonly QueueItem[];
  readonly conflicts: readonly ConflictRecord[];
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly meta: SyncMetadata;
}

const entityIdArb = fc.constantFrom('e1', 'e2', 'e3', '10', 'ключ');
const entityTypeArb = fc.constantFrom('note', 'todo');

const entityArb: fc.Arbitrary<EntityRecord> = fc.record({
  entityType: entityTypeArb,
  entityId: entityIdArb,
  fields: fieldsArb,
  deleted: fc.boolean(),
  server: fc.option(serverStateArb(), { nil: null }),
  serverOrigin: fc.option(fc.record({ clientId: fc.constantFrom('c1', 'c2'), queueId: fc.constantFrom('c1:1', 'c2:7') }), { nil: null }),
  updatedAt: timeMsArb,
});

/** A queue item numbered `index` (its queueId and seq), every field varied. */
function queueItemAt(index: number): fc.Arbitrary<QueueItem> {
  return fc
    .record({
      entityType: entityTypeArb,
      entityId: entityIdArb,
      action: actionArb,
      payload: fieldsArb,
      baseRevision: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
      baseFields: fc.option(fieldsArb, { nil: null }),
      createdAt: timeMsArb,
      stamp: fc.option(fc.constantFrom('000001700000000000.000000.me', '000001700000000500.000003.me'), { nil: null }),
      attempts: fc.integer({ min: 0, max: 9 }),
      nextAttemptAt: fc.oneof(fc.constant(0), timeMsArb),
      priority: fc.integer({ min: 0, max: 3 }),
      paused: fc.boolean(),
      sent: fc.boolean(),
      lastError: fc.option(fc.constantFrom('503 unavailable', 'timeout'), { nil: null }),
    })
    .map((item) => ({ queueId: `me:${index + 1}`, seq: index + 1, ...item, payload: item.action === 'delete' ? {} : item.payload }));
}

function conflictAt(index: number, action: Action): fc.Arbitrary<ConflictRecord> {
  return fc
    .record({
      entityType: entityTypeArb,
      entityId: entityIdArb,
      policy: fc.constantFrom('manual', 'field-merge'),
      local: fieldsArb,
      server: serverStateArb(fc.boolean()),
      base: fc.option(fieldsArb, { nil: null }),
      clashingFields: fc.uniqueArray(fc.constantFrom('title', 'done', 'tags'), { maxLength: 3 }),
      detectedAt: timeMsArb,
    })
    .map((rest) => ({ conflictId: `conflict-${index + 1}`, queueId: `me:${900 + index}`, action, ...rest }));
}

export const storeContentsArb: fc.Arbitrary<StoreContents> = fc
  .record({
    entities: fc.uniqueArray(entityArb, { maxLength: 6, selector: (e) => entityKey(e.entityType, e.entityId) }),
    queueLength: fc.integer({ min: 0, max: 8 }),
    conflictActions: fc.array(actionArb, { maxLength: 3 }),
    deadLength: fc.integer({ min: 0, max: 3 }),
    seqNext: fc.integer({ min: 1, max: 100 }),
    cursor: fc.nat({ max: 500 }),
  })
  .chain(({ entities, queueLength, conflictActions, deadLength, seqNext, cursor }) =>
    fc.record({
      entities: fc.constant(entities),
      queue: fc.tuple(...Array.from({ length: queueLength }, (_, i) => queueItemAt(i))),
      conflicts: fc.tuple(...conflictActions.map((action, i) => conflictAt(i, action))),
      deadLetters: fc.tuple(...Array.from({ length: deadLength }, (_, i) => queueItemAt(500 + i))).map((items) =>
        items.map((item, i): DeadLetterRecord => ({ queueId: item.queueId, item, code: i % 2 === 0 ? 'forbidden' : 'invalid', message: 'refused by the server', deadAt: 1_700_000_000_000 + i })),
      ),
      meta: fc.constant<SyncMetadata>({ clientId: 'me', seqNext: seqNext + queueLength, cursor, epoch: 'E1', hlcWallMs: 0, hlcCounter: 0, clockOffsetMs: 0, repairing: false }),
    }),
  );

/** Every record as a put in the latest model (no schema record). */
export function latestOps(contents: StoreContents): WriteOp[] {
  return [
    ...contents.entities.map((e): WriteOp => ({ box: 'entities', key: entityKey(e.entityType, e.entityId), value: e })),
    ...contents.queue.map((q): WriteOp => ({ box: 'sync_queue', key: q.queueId, value: q })),
    { box: 'metadata', key: METADATA_KEY, value: contents.meta },
    ...contents.conflicts.map((c): WriteOp => ({ box: 'conflicts', key: c.conflictId, value: c })),
    ...contents.deadLetters.map((d): WriteOp => ({ box: 'dead_letter', key: d.queueId, value: d })),
  ];
}

/** The contents written as a store at `version`: records in its shape, and its schema record (version 1 has none). */
export function opsAtVersion(contents: StoreContents, version: number): WriteOp[] {
  const records = latestOps(contents).map((op) => ({ ...op, value: encodeRecord(op.box, op.key, op.value, version) }));
  return version === 1 ? records : [...records, schemaRecordOp(version)];
}

/**
 * The contents as a store at `version` reads back in the latest model, written out by hand
 * from the history (engine/schema/history.ts), not computed by the codec: fields that version
 * cannot hold take their migration defaults.
 */
export function expectedAfterMigration(contents: StoreContents, version: number): StoreContents {
  const item = (q: QueueItem): QueueItem => ({ ...q, priority: version < 4 ? 0 : q.priority, sent: version < 5 ? true : q.sent });
  return {
    ...contents,
    queue: contents.queue.map(item),
    conflicts: contents.conflicts.map((c) => (version < 4 ? { ...c, detectedAt: 0 } : c)),
    deadLetters: contents.deadLetters.map((d) => ({ ...d, item: item(d.item) })),
  };
}

/** The contents as a snapshot of the latest model, with the latest schema record. */
export function snapshotOf(contents: StoreContents, schemaVersion: number): StoreSnapshot {
  const boxes: { [B in keyof StoreSnapshot]: Map<string, unknown> } = { entities: new Map(), sync_queue: new Map(), metadata: new Map(), conflicts: new Map(), dead_letter: new Map() };
  for (const op of [...latestOps(contents), schemaRecordOp(schemaVersion)]) boxes[op.box].set(op.key, op.value);
  return boxes;
}

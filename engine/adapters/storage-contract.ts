// The StoragePort contract suite (STYLE §2, Replicache's runAll): the same tests against every
// storage adapter. An adapter's test file calls runStorageContract with a factory that opens
// a fresh, empty store and a `reopen` that simulates a process restart keeping durable data.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BOX_NAMES, HEAD_KEY, type BoxName, type StoreSnapshot, type WriteOp } from '../model.ts';
import { StorageError, type StoragePort } from '../ports.ts';

export interface OpenedStorage {
  readonly storage: StoragePort;
  /** Closes `storage` (waiting for its writes) and opens the same durable data again. */
  readonly reopen: () => Promise<StoragePort>;
}

const put = (box: BoxName, key: string, value: unknown): WriteOp => ({ box, key, value });
const del = (box: BoxName, key: string): WriteOp => ({ box, key, value: undefined });

function entriesOf(snapshot: StoreSnapshot, box: BoxName): [string, unknown][] {
  return [...snapshot[box].entries()];
}

/** Applies ops to plain Maps: the reference semantics every adapter must match. */
function modelApply(model: Map<string, unknown>[], ops: readonly WriteOp[]): void {
  for (const op of ops) {
    const box = model[BOX_NAMES.indexOf(op.box)] as Map<string, unknown>;
    if (op.value === undefined) box.delete(op.key);
    else box.set(op.key, op.value);
  }
}

const awkwardValues: Record<string, unknown> = {
  nested: { a: [1, { b: [null, true, false, { c: 'deep' }] }], empty: {}, none: [] },
  unicode: { text: 'naïve café 日本語 🚀 \u0000 \u2028 "quoted" \\ back', lone: '\ud800', key: { 'ключ 🔑': 'значение' } },
  numbers: [0, -1, 1.5, -0.000001, 1e-300, 1e300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0.1 + 0.2],
  scalarString: '',
  scalarNumber: 42,
  scalarNull: null,
  scalarFalse: false,
};

/** A JSON value as it reads back from JSON text (-0 becomes 0; storage keeps JSON, nothing finer). */
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

export function runStorageContract(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`StoragePort contract: ${name}`, () => {
    const opened: StoragePort[] = [];
    async function openTracked(): Promise<OpenedStorage> {
      const { storage, reopen } = await open();
      opened.push(storage);
      return {
        storage,
        reopen: async () => {
          const again = await reopen();
          opened.push(again);
          return again;
        },
      };
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((storage) => storage.close()));
    });

    it('an empty store loads with all five boxes, each empty', async () => {
      const { storage } = await openTracked();
      const snapshot = await storage.load();
      expect(Object.keys(snapshot).sort()).toEqual([...BOX_NAMES].sort());
      for (const box of BOX_NAMES) expect(snapshot[box].size, box).toBe(0);
    });

    it('puts, overwrites and deletes in every box', async () => {
      const { storage } = await openTracked();
      await storage.commit(BOX_NAMES.flatMap((box) => [put(box, 'a', { box, n: 1 }), put(box, 'b', { box, n: 2 })]));
      await storage.commit(BOX_NAMES.flatMap((box) => [del(box, 'a'), put(box, 'b', { box, n: 3 }), del(box, 'missing')]));
      const snapshot = await storage.load();
      for (const box of BOX_NAMES) expect(entriesOf(snapshot, box), box).toEqual([['b', { box, n: 3 }]]);
    });

    it('an empty commit resolves and changes nothing', async () => {
      const { storage } = await openTracked();
      await storage.commit([put('metadata', 'sync', { seqNext: 1 })]);
      await storage.commit([]);
      expect(entriesOf(await storage.load(), 'metadata')).toEqual([['sync', { seqNext: 1 }]]);
    });

    const invalidOps: [string, WriteOp][] = [
      ['an unknown box', { box: 'nope' as BoxName, key: 'k', value: 1 }],
      ['an empty key', put('entities', '', 1)],
      ['a key that is not a string', { box: 'entities', key: 7 as unknown as string, value: 1 }],
    ];
    it.each(invalidOps)('a commit with %s rejects and applies none of its ops', async (_label, invalid) => {
      const { storage } = await openTracked();
      await storage.commit([put('entities', 'kept', 'before'), put('sync_queue', 'q1', 'before')]);
      const ops = [put('entities', 'kept', 'after'), del('sync_queue', 'q1'), put('conflicts', 'new', 1), invalid];
      await expect(storage.commit(ops)).rejects.toThrow();
      const snapshot = await storage.load();
      expect(entriesOf(snapshot, 'entities')).toEqual([['kept', 'before']]);
      expect(entriesOf(snapshot, 'sync_queue')).toEqual([['q1', 'before']]);
      expect(snapshot.conflicts.size).toBe(0);
    });

    it('a loaded snapshot is not changed by later commits', async () => {
      const { storage } = await openTracked();
      await storage.commit([put('entities', 'a', 1), put('sync_queue', 'q', 1)]);
      const before = await storage.load();
      await storage.commit([put('entities', 'a', 2), put('entities', 'b', 2), del('sync_queue', 'q')]);
      expect(entriesOf(before, 'entities')).toEqual([['a', 1]]);
      expect(entriesOf(before, 'sync_queue')).toEqual([['q', 1]]);
      expect(entriesOf(await storage.load(), 'entities')).toEqual([['a', 2], ['b', 2]]);
    });

    it('committed data survives a reopen', async () => {
      const { storage, reopen } = await openTracked();
      await storage.commit([put('entities', 'e1', { fields: { title: 'x' } }), put('metadata', 'sync', { cursor: 7 })]);
      await storage.commit([put('dead_letter', 'q9', { code: 'E' }), del('entities', 'e1'), put('entities', 'e2', 2)]);
      const reopened = await reopen();
      const snapshot = await reopened.load();
      expect(entriesOf(snapshot, 'entities')).toEqual([['e2', 2]]);
      expect(entriesOf(snapshot, 'metadata')).toEqual([['sync', { cursor: 7 }]]);
      expect(entriesOf(snapshot, 'dead_letter')).toEqual([['q9', { code: 'E' }]]);
      await reopened.commit([put('entities', 'e3', 3)]);
      expect([...(await reopened.load()).entities.keys()]).toEqual(['e2', 'e3']);
    });

    it('keys keep insertion order (an overwrite keeps its place, a re-put after delete goes last), also after reopen', async () => {
      const { storage, reopen } = await openTracked();
      await storage.commit(['b', '10', 'a', '2', '__proto__', 'é', '007'].map((key) => put('sync_queue', key, key)));
      await storage.commit([put('sync_queue', 'b', 'b2'), del('sync_queue', '10')]);
      await storage.commit([put('sync_queue', '10', '10b')]);
      const expected = ['b', 'a', '2', '__proto__', 'é', '007', '10'];
      expect([...(await storage.load()).sync_queue.keys()]).toEqual(expected);
      const reopened = await reopen();
      const snapshot = await reopened.load();
      expect([...snapshot.sync_queue.keys()]).toEqual(expected);
      expect(snapshot.sync_queue.get('b')).toBe('b2');
      expect(snapshot.sync_queue.get('__proto__')).toBe('__proto__');
    });

    it('50 concurrent commits all land, in call order (last write per key wins)', async () => {
      const { storage, reopen } = await openTracked();
      const model = BOX_NAMES.map(() => new Map<string, unknown>());
      const commits: WriteOp[][] = Array.from({ length: 50 }, (_, i) => [
        put('entities', `k${i % 7}`, { i }),
        put('sync_queue', `q${i}`, i),
        put('metadata', 'sync', { last: i }),
        ...(i % 5 === 4 ? [del('sync_queue', `q${i - 2}`)] : []),
      ]);
      for (const ops of commits) modelApply(model, ops);
      await Promise.all(commits.map((ops) => storage.commit(ops)));
      for (const snapshot of [await storage.load(), await (await reopen()).load()]) {
        BOX_NAMES.forEach((box, index) => expect(entriesOf(snapshot, box), box).toEqual([...(model[index] as Map<string, unknown>)]));
      }
    });

    it('values round-trip: nested JSON, unicode, numbers, scalars', async () => {
      const { storage, reopen } = await openTracked();
      await storage.commit(Object.entries(awkwardValues).map(([key, value]) => put('entities', key, value)));
      await storage.commit([put('conflicts', 'ключ 🔑 "k"', awkwardValues.unicode)]);
      for (const snapshot of [await storage.load(), await (await reopen()).load()]) {
        expect(Object.fromEntries(snapshot.entities)).toEqual(awkwardValues);
        expect(snapshot.conflicts.get('ключ 🔑 "k"')).toEqual(awkwardValues.unicode);
      }
    });

    it('any JSON value round-trips under any non-empty key (property)', async () => {
      const { storage, reopen } = await openTracked();
      const written = new Map<string, unknown>();
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12 }), jsonValue, async (key, value) => {
          await storage.commit([put('entities', key, value)]);
          written.set(key, value);
          expect((await storage.load()).entities.get(key)).toEqual(value);
        }),
        { seed: 20_240_601, numRuns: 40 },
      );
      expect(Object.fromEntries((await (await reopen()).load()).entities)).toEqual(Object.fromEntries(written));
    });

    // Two engines over one store (tabs): a commit guarded by the head it was made from.
    const advance = (commit: number, ...ops: WriteOp[]): WriteOp[] => [...ops, put('metadata', HEAD_KEY, { commit })];

    it('a commit guarded by the store head applies; one guarded by an older head is refused as stale with nothing applied', async () => {
      const { storage, reopen } = await openTracked();
      await storage.commit(advance(1, put('entities', 'a', 1)), 0); // a new store's head is 0
      await storage.commit(advance(2, put('entities', 'b', 2)), 1); // tab A, from head 1
      const stale = await storage.commit(advance(2, put('entities', 'c', 3), del('entities', 'a')), 1).catch((error: unknown) => error); // tab B, also from head 1
      expect(stale).toBeInstanceOf(StorageError);
      expect((stale as StorageError).code).toBe('stale');
      expect((stale as StorageError).message).toMatch(/commit 1\b.*commit 2\b/);
      for (const snapshot of [await storage.load(), await (await reopen()).load()]) {
        expect(entriesOf(snapshot, 'entities')).toEqual([['a', 1], ['b', 2]]);
        expect(snapshot.metadata.get(HEAD_KEY)).toEqual({ commit: 2 });
      }
    });

    it('concurrent guarded commits are checked in call order: the second from the same head is refused, unguarded ones always apply', async () => {
      const { storage } = await openTracked();
      const outcomes = await Promise.allSettled([
        storage.commit(advance(1, put('entities', 'a', 'A')), 0),
        storage.commit(advance(1, put('entities', 'a', 'B')), 0),
        storage.commit([put('entities', 'z', 'unguarded')]),
        storage.commit(advance(2, put('entities', 'b', 'A')), 1),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(((outcomes[1] as PromiseRejectedResult).reason as StorageError).code).toBe('stale');
      expect(Object.fromEntries((await storage.load()).entities)).toEqual({ a: 'A', z: 'unguarded', b: 'A' });
    });

    it('commit and load after close reject with StorageError closed', async () => {
      const { storage } = await openTracked();
      await storage.commit([put('entities', 'a', 1)]);
      await storage.close();
      await storage.close(); // closing twice is harmless
      const commitError = await storage.commit([put('entities', 'b', 1)]).catch((error: unknown) => error);
      expect(commitError).toBeInstanceOf(StorageError);
      expect((commitError as StorageError).code).toBe('closed');
      await expect(storage.load()).rejects.toMatchObject({ code: 'closed' });
    });
  });
}

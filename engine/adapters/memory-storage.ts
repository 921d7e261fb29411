// MemoryStorage: the in-memory StoragePort. Owns the boxes (Maps), atomic commits, the
// optional fault hooks tests use (fail the n-th commit, a byte quota) and `reopen()`, which
// simulates a process restart that keeps the durable data.
// Values are kept by reference: records are immutable by convention (engine/model.ts), and a
// deep copy per write would make the hot path pay for a bug nobody commits.

import { emptySnapshot, HEAD_KEY, headOf, type BoxName, type StoreSnapshot, type WriteOp } from '../model.ts';
import { StorageError, type StoragePort } from '../ports.ts';
import { assertWriteOps, staleError } from './write-ops.ts';

export interface MemoryStorageOptions {
  /**
   * Called for every commit that passed validation, with its 0-based index among this
   * instance's commit calls. Return a StorageError to make that commit fail with nothing applied.
   */
  readonly failCommitAt?: (commitIndex: number, ops: readonly WriteOp[]) => StorageError | null;
  /** Most bytes (approximate JSON size of keys and values) all boxes may hold together. */
  readonly quotaBytes?: number;
}

type Boxes = { [B in BoxName]: Map<string, unknown> };

/** What survives a simulated restart: shared by an instance and the ones `reopen()` makes. */
interface DurableState {
  readonly boxes: Boxes;
  /** Approximate size of each stored entry, kept only when a quota is set (it costs a stringify per put). */
  readonly sizes: Map<string, number> | null;
  bytesUsed: number;
}

function validateOptions(options: MemoryStorageOptions): MemoryStorageOptions {
  const { quotaBytes, failCommitAt } = options;
  if (quotaBytes !== undefined && !(Number.isFinite(quotaBytes) && quotaBytes >= 0)) {
    throw new Error(`MemoryStorage: quotaBytes should be a non-negative finite number, got ${String(quotaBytes)}`);
  }
  if (failCommitAt !== undefined && typeof failCommitAt !== 'function') {
    throw new Error(`MemoryStorage: failCommitAt should be a function, got ${String(failCommitAt)}`);
  }
  return options;
}

function newDurableState(withSizes: boolean): DurableState {
  const boxes = emptySnapshot() as Boxes;
  return { boxes, sizes: withSizes ? new Map() : null, bytesUsed: 0 };
}

/** Box and key joined so one Map can size every box (NUL cannot clash: box names are fixed). */
function sizeKey(op: WriteOp): string {
  return `${op.box}\u0000${op.key}`;
}

/** Approximate bytes an entry occupies: its key plus its JSON text (UTF-16 units, close enough for a quota). */
function entryBytes(op: WriteOp): number {
  if (op.value === undefined) return 0;
  const json = JSON.stringify(op.value) as string | undefined;
  return op.key.length + (json?.length ?? 0);
}

export class MemoryStorage implements StoragePort {
  readonly #options: MemoryStorageOptions;
  #state: DurableState;
  #commitsCount = 0;
  #closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    this.#options = validateOptions(options);
    this.#state = newDurableState(options.quotaBytes !== undefined);
  }

  async load(): Promise<StoreSnapshot> {
    this.#assertOpen('load');
    const { boxes } = this.#state;
    // Copies, so a snapshot stays as it was whatever is committed later.
    return {
      entities: new Map(boxes.entities),
      sync_queue: new Map(boxes.sync_queue),
      metadata: new Map(boxes.metadata),
      conflicts: new Map(boxes.conflicts),
      dead_letter: new Map(boxes.dead_letter),
    };
  }

  async commit(ops: readonly WriteOp[], head?: number): Promise<void> {
    this.#assertOpen('commit');
    const commitIndex = this.#commitsCount;
    this.#commitsCount += 1;
    assertWriteOps(ops);
    const injected = this.#options.failCommitAt?.(commitIndex, ops) ?? null;
    if (injected !== null) throw injected;
    if (head !== undefined) {
      const storeHead = headOf(this.#state.boxes.metadata.get(HEAD_KEY));
      if (storeHead !== head) throw staleError('MemoryStorage', head, storeHead);
    }
    const sizeChanges = this.#sizeChanges(ops);
    this.#apply(ops, sizeChanges);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** A simulated restart: this instance is closed, the returned one sees every committed op. */
  reopen(): MemoryStorage {
    this.#closed = true;
    const reopened = new MemoryStorage(this.#options);
    reopened.#state = this.#state;
    return reopened;
  }

  /** Bytes counted against the quota (0 when no quota is set). */
  get bytesUsed(): number {
    return this.#state.bytesUsed;
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new StorageError('closed', `MemoryStorage: ${what} after close`);
  }

  /**
   * The size each touched entry will have, or null without a quota. Throws
   * StorageError('quota') when the commit would not fit, before anything is applied.
   */
  #sizeChanges(ops: readonly WriteOp[]): Map<string, number> | null {
    const { sizes } = this.#state;
    const { quotaBytes } = this.#options;
    if (sizes === null || quotaBytes === undefined) return null;
    const changes = new Map<string, number>();
    let bytesAfter = this.#state.bytesUsed;
    for (const op of ops) {
      const key = sizeKey(op);
      const before = changes.get(key) ?? sizes.get(key) ?? 0;
      const after = entryBytes(op);
      changes.set(key, after);
      bytesAfter += after - before;
    }
    if (bytesAfter > quotaBytes) {
      throw new StorageError('quota', `MemoryStorage: commit needs ${bytesAfter} bytes, quota is ${quotaBytes}`);
    }
    return changes;
  }

  #apply(ops: readonly WriteOp[], sizeChanges: Map<string, number> | null): void {
    const state = this.#state;
    for (const op of ops) {
      const box = state.boxes[op.box];
      if (op.value === undefined) box.delete(op.key);
      else box.set(op.key, op.value);
    }
    if (sizeChanges === null || state.sizes === null) return;
    for (const [key, bytes] of sizeChanges) {
      state.bytesUsed += bytes - (state.sizes.get(key) ?? 0);
      if (bytes === 0) state.sizes.delete(key);
      else state.sizes.set(key, bytes);
    }
  }
}

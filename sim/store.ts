// CrashableStore: one simulated client's durable storage, synchronous so the simulator stays
// one deterministic call stack. Owns the five boxes, atomic commits, and the storage faults of
// DESIGN §5: quota errors (nothing applied) and torn writes (the first half applied, then the
// caller crashes the client). A crash loses nothing here: what a commit applied is durable.
// Values are kept by reference (records are immutable, engine/model.ts); a loaded snapshot
// gets its own Maps, so later commits never show through it.

import { assertWriteOps, isBoxName, staleError } from '../engine/adapters/write-ops.ts';
import { BOX_NAMES, emptySnapshot, HEAD_KEY, headOf, type BoxName, type StoreSnapshot, type WriteOp } from '../engine/model.ts';

export type CommitResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'quota'; readonly message: string }
  | { readonly ok: false; readonly code: 'torn'; readonly message: string }
  | { readonly ok: false; readonly code: 'stale'; readonly message: string };

// Shared, frozen results: the hot path allocates nothing per commit.
const COMMIT_OK: CommitResult = Object.freeze({ ok: true });
const COMMIT_QUOTA: CommitResult = Object.freeze({
  ok: false,
  code: 'quota',
  message: 'CrashableStore: storage quota exceeded (injected); nothing was written',
});
const COMMIT_TORN: CommitResult = Object.freeze({
  ok: false,
  code: 'torn',
  message: 'CrashableStore: torn write (injected); only the first half of the ops was written',
});

type Boxes = { [B in BoxName]: Map<string, unknown> };

export class CrashableStore {
  private readonly boxes: Boxes;
  private quotaFailing = false;
  private tornArmed = false;
  private commitsApplied = 0;
  private commitsRefused = 0;
  private commitsTorn = 0;

  /** Starts empty, or with a copy of `initial`'s entries (e.g. a device restored from a backup). */
  constructor(initial?: StoreSnapshot) {
    this.boxes = emptySnapshot() as Boxes;
    if (initial === undefined) return;
    for (const box of BOX_NAMES) {
      for (const [key, value] of initial[box]) {
        if (typeof key !== 'string' || key.length === 0) {
          throw new Error(`CrashableStore: initial ${box} key should be a non-empty string, got ${JSON.stringify(key) ?? String(key)}`);
        }
        this.boxes[box].set(key, value);
      }
    }
  }

  /** Every box's durable contents, in new Maps (values shared by reference). */
  loadSnapshot(): StoreSnapshot {
    const boxes = this.boxes;
    return {
      entities: new Map(boxes.entities),
      sync_queue: new Map(boxes.sync_queue),
      metadata: new Map(boxes.metadata),
      conflicts: new Map(boxes.conflicts),
      dead_letter: new Map(boxes.dead_letter),
    };
  }

  /**
   * Applies all of ops, or none of them (quota; or stale: `head` given and not the store's
   * metadata/'head'), or — when a torn write is armed — exactly the first ceil(n/2) and reports
   * 'torn'. A malformed op is a caller bug: it throws, nothing applied.
   * A put stores op.value; an undefined value deletes the key.
   */
  commit(ops: readonly WriteOp[], head?: number): CommitResult {
    assertWriteOps(ops);
    if (head !== undefined) {
      const storeHead = headOf(this.boxes.metadata.get(HEAD_KEY));
      if (storeHead !== head) {
        return { ok: false, code: 'stale', message: staleError('CrashableStore', head, storeHead).message };
      }
    }
    if (this.quotaFailing) {
      this.commitsRefused++;
      return COMMIT_QUOTA;
    }
    if (this.tornArmed) {
      this.tornArmed = false;
      this.commitsTorn++;
      this.apply(ops, Math.ceil(ops.length / 2));
      return COMMIT_TORN;
    }
    this.apply(ops, ops.length);
    this.commitsApplied++;
    return COMMIT_OK;
  }

  /** While on, every commit fails with 'quota' and applies nothing (checked before a torn write). */
  setQuotaFailing(on: boolean): void {
    this.quotaFailing = on;
  }

  /** Arms (or disarms) a torn write: the next commit that is not refused applies only its first half. */
  setTorn(on: boolean): void {
    this.tornArmed = on;
  }

  get isQuotaFailing(): boolean {
    return this.quotaFailing;
  }

  get isTornArmed(): boolean {
    return this.tornArmed;
  }

  /** The head (metadata/'head': the number of the last guarded commit; 0 when none). */
  get head(): number {
    return headOf(this.boxes.metadata.get(HEAD_KEY));
  }

  /** Entries in box now. */
  sizeOf(box: BoxName): number {
    if (!isBoxName(box)) throw new Error(`CrashableStore.sizeOf: unknown box ${JSON.stringify(box) ?? String(box)}`);
    return this.boxes[box].size;
  }

  /** Commits applied in full (refused and torn ones are counted apart). */
  get commitCount(): number {
    return this.commitsApplied;
  }

  /** Commits refused with 'quota'. */
  get refusedCount(): number {
    return this.commitsRefused;
  }

  /** Commits that were torn (half applied). */
  get tornCount(): number {
    return this.commitsTorn;
  }

  private apply(ops: readonly WriteOp[], count: number): void {
    const boxes = this.boxes;
    for (let i = 0; i < count; i++) {
      const op = ops[i]!;
      const box = boxes[op.box];
      if (op.value === undefined) box.delete(op.key);
      else box.set(op.key, op.value);
    }
  }
}

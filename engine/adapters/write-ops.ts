// Checks a commit's write ops on the way in, shared by every storage adapter so they all
// refuse the same things. A malformed op is a bug in the caller (STYLE §3), so it is a plain
// Error, not a StorageError: StorageError codes describe the environment, not the caller.

import { BOX_NAMES, type BoxName, type WriteOp } from '../model.ts';
import { StorageError } from '../ports.ts';

const boxNames: ReadonlySet<string> = new Set(BOX_NAMES);

export function isBoxName(name: unknown): name is BoxName {
  return typeof name === 'string' && boxNames.has(name);
}

/** Why `op` (the `index`-th of its commit) is malformed, or null when it is well formed. */
function opProblem(op: unknown, index: number): string | null {
  if (typeof op !== 'object' || op === null) return `write op ${index} should be an object, got ${String(op)}`;
  const { box, key } = op as { box?: unknown; key?: unknown };
  if (!isBoxName(box)) {
    return `write op ${index}: unknown box ${JSON.stringify(box) ?? String(box)} (expected one of ${BOX_NAMES.join(', ')})`;
  }
  if (typeof key !== 'string' || key.length === 0) {
    return `write op ${index} (box ${box}): key should be a non-empty string, got ${JSON.stringify(key) ?? String(key)}`;
  }
  return null;
}

/** Throws on the first malformed op; returns nothing, so callers validate before applying anything. */
export function assertWriteOps(ops: readonly WriteOp[]): void {
  if (!Array.isArray(ops)) throw new Error(`commit: ops should be an array, got ${String(ops)}`);
  for (let index = 0; index < ops.length; index += 1) {
    const problem = opProblem(ops[index], index);
    if (problem !== null) throw new Error(problem);
  }
}

/** The refusal of a commit guarded by `head` (StoragePort.commit) in a store whose head has moved on to `storeHead`. */
export function staleError(store: string, head: number, storeHead: number): StorageError {
  return new StorageError('stale', `${store}: commit refused, nothing applied: it was made from the store as of commit ${head}, but the store is at commit ${storeHead} (another tab or process wrote since); reload and try again`);
}

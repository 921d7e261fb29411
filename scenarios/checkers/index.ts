// The checkers by name, and runChecks: index the history once, run each checker, return the
// verdicts in a fixed order. Checkers never look inside the engine: only at the History.

import type { History } from '../../sim/history.ts';
import { indexHistory, type HistoryIndex } from './history-index.ts';
import { checkAtMostOnce, checkEntityOrder, checkLocalDurability, checkNoLostAck } from './safety.ts';
import { checkTombstones } from './tombstones.ts';
import { checkConvergence, checkEventualDelivery } from './liveness.ts';
import { checkCursorMonotonic, checkReadYourWrites } from './client-view.ts';
import { checkConflictAccounting, checkErrorClassification, checkLwwRealTime } from './conflicts.ts';
import type { CheckContext, CheckResult } from './types.ts';

export type { CheckContext, CheckResult, Violation } from './types.ts';

type AnyChecker = (history: History, index: HistoryIndex, context: CheckContext) => CheckResult;

export const CHECKERS: ReadonlyArray<readonly [string, AnyChecker]> = [
  ['local-durability', checkLocalDurability],
  ['no-lost-ack', checkNoLostAck],
  ['at-most-once', checkAtMostOnce],
  ['per-entity-order', checkEntityOrder],
  ['eventual-delivery', checkEventualDelivery],
  ['convergence', (h) => checkConvergence(h)],
  ['cursor-monotonic', (h) => checkCursorMonotonic(h)],
  ['read-your-writes', checkReadYourWrites],
  ['tombstone-safety', checkTombstones],
  ['conflict-accounting', checkConflictAccounting],
  ['lww-real-time', checkLwwRealTime],
  ['error-classification', (h) => checkErrorClassification(h)],
];

export const CHECKER_NAMES: readonly string[] = CHECKERS.map(([name]) => name);

/** Run the named checkers (all by default) over one history. */
export function runChecks(history: History, context: CheckContext, only?: readonly string[]): CheckResult[] {
  const index = indexHistory(history);
  const selected = only === undefined ? CHECKERS : CHECKERS.filter(([name]) => only.includes(name));
  return selected.map(([, check]) => check(history, index, context));
}

export function allValid(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.valid);
}

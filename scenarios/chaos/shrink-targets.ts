// What the shrinker must keep failing: the (checker, rule) pairs the original run violated. A
// checker has several rules (eventual-delivery: not-converged, early-retry, …); keeping only
// the checker's name let a shrink walk from one failure to another (rolling-upgrade seed
// 302499: an early retry "shrank" to a v2 client that cannot talk to a v1 server, because the
// upgrade fault was dropped and nothing converged). A counterexample must show the same bug.

import type { CheckResult, Violation } from '../checkers/index.ts';

/** `eventual-delivery/early-retry`: a checker and one of its rules, as reports and summary.json show it. */
export type RuleKey = string;

export function ruleKey(checker: string, rule: string): RuleKey {
  return `${checker}/${rule}`;
}

/** The checker a key names. */
export function checkerOfRule(key: RuleKey): string {
  return key.slice(0, key.indexOf('/'));
}

/** Every (checker, rule) pair the failed results violated, in result order (all violations, not only the kept ones). */
export function violatedRules(results: readonly CheckResult[]): RuleKey[] {
  return results.filter((r) => !r.valid).flatMap((r) => r.rules.map((rule) => ruleKey(r.name, rule)));
}

/** The kept violations of the given pairs (their times are where the failure shows). */
export function violationsOf(results: readonly CheckResult[], keys: readonly RuleKey[]): Violation[] {
  return results.filter((r) => !r.valid).flatMap((r) => r.violations.filter((v) => keys.includes(ruleKey(r.name, v.rule))));
}

/** Checker names of the keys, each once, in order. */
export function checkersOf(keys: readonly RuleKey[]): string[] {
  return [...new Set(keys.map(checkerOfRule))];
}

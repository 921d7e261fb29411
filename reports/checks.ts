// Checker results as the report's verdict rows: the summary, each kept violation in words, and
// the violations themselves (the report draws the first one's slice as the counterexample).

import type { CheckResult } from '../scenarios/checkers/index.ts';
import type { CheckSummary } from './html.ts';

export function toCheckSummaries(results: readonly CheckResult[]): CheckSummary[] {
  return results.map((r) => ({
    name: r.name,
    valid: r.valid,
    summary: r.valid ? r.summary : `${r.property}. ${r.summary}`,
    details: r.violations.map((v) => `[${v.rule}] ${v.message}`),
    violations: r.violations,
  }));
}

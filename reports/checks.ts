// Checker results as the report's verdict rows: the summary, and each kept violation in words.

import type { CheckResult } from '../scenarios/checkers/index.ts';
import type { CheckSummary } from './html.ts';

export function toCheckSummaries(results: readonly CheckResult[]): CheckSummary[] {
  return results.map((r) => ({
    name: r.name,
    valid: r.valid,
    summary: r.valid ? r.summary : `${r.property}. ${r.summary}`,
    details: r.violations.map((v) => v.message),
  }));
}

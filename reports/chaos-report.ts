// The report of one failing chaos seed (`syncstorm chaos`, DIR/failures/seed-N/report.html): the
// run report of the failing (or shrunk) run with every checker's verdict, so its counterexample
// section draws the first violation's slice. One function, so the chaos command and the
// browser test write the very same page.

import type { CheckResult } from '../scenarios/checkers/index.ts';
import type { RunResult } from '../sim/runner.ts';
import { toCheckSummaries } from './checks.ts';
import { writeRunReport } from './write.ts';

export interface ChaosFailureReportInput {
  readonly run: RunResult;
  readonly results: readonly CheckResult[];
  readonly seed: number;
  readonly variant: string;
  /** The run is the shrunk counterexample (else the failing run as it was). */
  readonly shrunk: boolean;
  readonly replayCommand: string;
  /** The trace command of the first violation's clients and entities. */
  readonly traceCommand?: string;
}

export function writeChaosFailureReport(dir: string, input: ChaosFailureReportInput): { htmlPath: string; jsonPath: string } {
  const title = `syncstorm chaos · seed ${input.seed} · ${input.variant} · ${input.shrunk ? 'shrunk counterexample' : 'failing run'}`;
  return writeRunReport(dir, input.run, toCheckSummaries(input.results), { title, replayCommand: input.replayCommand, ...(input.traceCommand === undefined ? {} : { traceCommand: input.traceCommand }) });
}

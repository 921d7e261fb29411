// Writes a run's report files into a directory: report.html (self-contained) and
// metrics.json (the run's identity, the checks' verdicts and RunMetrics). Metrics are
// computed here from the run's history; callers that already have them can render directly.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeFaultMix } from '../sim/plan.ts';
import type { RunResult } from '../sim/runner.ts';
import { overallVerdict, renderRunReport, type CheckSummary } from './html.ts';
import { METRICS_SCHEMA_VERSION, type RunMetrics } from './metrics-schema.ts';
import { computeMetrics } from './metrics.ts';

export const REPORT_HTML_FILE = 'report.html';
export const METRICS_JSON_FILE = 'metrics.json';

/** metrics.json: enough to compare or merge runs without the history. */
export interface MetricsFile {
  readonly schemaVersion: typeof METRICS_SCHEMA_VERSION;
  readonly run: {
    readonly seed: number;
    readonly clients: number;
    readonly durationMs: number;
    readonly variant: string;
    readonly faultMix: string;
    readonly traceHash: string;
    readonly eventsProcessed: number;
  };
  /** 'none' when no checker ran. */
  readonly verdict: 'pass' | 'fail' | 'none';
  readonly checks: readonly CheckSummary[];
  readonly metrics: RunMetrics;
}

export interface WriteReportOptions {
  readonly title?: string;
  /** Default: the `syncstorm run` flags that repeat the seed (exact only for the default config and plan). */
  readonly replayCommand?: string;
  /** `syncstorm trace FILE …` for the run's story as text; shown only when given. */
  readonly traceCommand?: string;
  readonly generatedBy?: string;
}

export function writeRunReport(dir: string, result: RunResult, checks?: readonly CheckSummary[], options: WriteReportOptions = {}): { htmlPath: string; jsonPath: string } {
  const metrics = computeMetrics(result.history);
  const c = result.config;
  const html = renderRunReport({
    title: options.title ?? `syncstorm run · seed ${c.seed} · ${c.clients} clients`,
    result,
    metrics,
    ...(checks === undefined ? {} : { checks }),
    replayCommand: options.replayCommand ?? defaultReplayCommand(result),
    ...(options.traceCommand === undefined ? {} : { traceCommand: options.traceCommand }),
    generatedBy: options.generatedBy ?? `syncstorm ${packageVersion()}`,
  });
  const file: MetricsFile = {
    schemaVersion: METRICS_SCHEMA_VERSION,
    run: {
      seed: c.seed,
      clients: c.clients,
      durationMs: c.durationMs,
      variant: result.variant,
      faultMix: describeFaultMix(result.plan),
      traceHash: result.history.traceHash,
      eventsProcessed: result.eventsProcessed,
    },
    verdict: overallVerdict(checks),
    // Violations are for drawing (history event indexes); metrics.json keeps its words in `details`.
    checks: (checks ?? []).map(({ violations: _drawn, ...words }) => words),
    metrics,
  };
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const htmlPath = join(root, REPORT_HTML_FILE);
  const jsonPath = join(root, METRICS_JSON_FILE);
  writeFileSync(htmlPath, html);
  writeFileSync(jsonPath, JSON.stringify(file, null, 1) + '\n');
  return { htmlPath, jsonPath };
}

export function defaultReplayCommand(result: RunResult): string {
  const c = result.config;
  return `npx syncstorm run --seed ${c.seed} --clients ${c.clients} --team-size ${c.teamSize} --duration ${c.durationMs}`;
}

let version: string | null = null;

function packageVersion(): string {
  if (version === null) {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  }
  return version;
}

// Group "report" (issue 6): the report of the standard run (1,000 clients × one hour, swarm
// faults) — its file size, and its render time in Chromium: navigation start to the page's
// "charts drawn" mark (data-charts-drawn-ms, set by the page once chart.js has drawn every
// canvas), median of several loads, each in a fresh browser context. The report is built in a
// child process (report-child.ts) and stays in out/bench/report/ to be looked at. Without
// /usr/bin/chromium the size is still measured and the render is marked skipped: the bench
// must not depend on a browser being installed.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../reports/chromium.ts';
import { announce, ROOT, runChild } from './spawn-child.ts';
import { STANDARD_CLIENTS } from './standard.ts';
import { HOUR_MS } from './workloads.ts';

export const REPORT_LOADS = 5;
/** Where the measured report stays afterwards, to be opened (out/ is not versioned). */
export const REPORT_OUT_DIR = join(ROOT, 'out', 'bench', 'report');
/** A load that has not drawn its charts by then counts as failed (a hang, not a slow render). */
const LOAD_TIMEOUT_MS = 60_000;

export interface ReportJob {
  readonly clients: number;
  readonly durationMs: number;
  readonly outDir: string;
}

/** What the child built. */
export interface ReportBuild {
  readonly clients: number;
  readonly durationMs: number;
  readonly historyEvents: number;
  readonly checksFailed: readonly string[];
  /** Metrics + HTML + metrics.json, in the child (Node), ms. */
  readonly writeMs: number;
  readonly htmlPath: string;
  readonly htmlBytes: number;
}

/** One load of the page in Chromium; times are ms since navigation start. */
export interface ReportLoad {
  readonly chartsDrawnMs: number;
  /** The first frame painted after the charts were drawn (two animation frames later). */
  readonly paintedMs: number;
  readonly domContentLoadedMs: number;
}

export interface ReportEntry {
  readonly build: ReportBuild | null;
  readonly loads: readonly ReportLoad[];
  /** Median load by chartsDrawnMs, or null when none ran. */
  readonly median: ReportLoad | null;
  /** Why the render was not measured (no Chromium), or null. */
  readonly renderSkipped: string | null;
  readonly error: string | null;
}

export async function measureReport(clients = STANDARD_CLIENTS, durationMs = HOUR_MS, chromiumPath = CHROMIUM_PATH, outDir = REPORT_OUT_DIR): Promise<ReportEntry> {
  announce(`report: ${clients.toLocaleString('en-US')} clients × ${durationMs / 60_000} min, swarm faults — simulate, check, write the report`);
  let build: ReportBuild;
  try {
    build = await runChild<ReportBuild>('report-child.ts', { clients, durationMs, outDir } satisfies ReportJob);
  } catch (failure) {
    return { build: null, loads: [], median: null, renderSkipped: null, error: String(failure) };
  }
  if (!existsSync(chromiumPath)) {
    const why = `no Chromium at ${chromiumPath} (apt-get install -y chromium)`;
    announce(`report: render skipped: ${why}`);
    return { build, loads: [], median: null, renderSkipped: why, error: null };
  }
  try {
    const loads = await loadInChromium(chromiumPath, build.htmlPath, REPORT_LOADS);
    const median = [...loads].sort((a, b) => a.chartsDrawnMs - b.chartsDrawnMs)[Math.floor((loads.length - 1) / 2)] ?? null;
    return { build, loads, median, renderSkipped: null, error: null };
  } catch (failure) {
    return { build, loads: [], median: null, renderSkipped: null, error: String(failure) };
  }
}

async function loadInChromium(chromiumPath: string, htmlPath: string, count: number): Promise<ReportLoad[]> {
  // Loaded only here, so a machine without playwright-core's browser still runs the rest of the bench.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const url = pathToFileURL(htmlPath).href;
  const loads: ReportLoad[] = [];
  try {
    // One warm-up load (the browser's own start-up work), not counted.
    for (let i = 0; i <= count; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
      await page.waitForSelector('body[data-painted-ms]', { timeout: LOAD_TIMEOUT_MS, state: 'attached' });
      const ready = await page.getAttribute('body', 'data-charts-ready');
      if (ready !== 'yes') throw new Error(`the report page did not draw its charts: ${ready}`);
      const load = await page.evaluate(() => {
        const g = globalThis as unknown as { document: { body: { getAttribute(name: string): string | null } }; performance: { getEntriesByType(type: string): { domContentLoadedEventEnd: number }[] } };
        const nav = g.performance.getEntriesByType('navigation')[0];
        return { chartsDrawnMs: Number(g.document.body.getAttribute('data-charts-drawn-ms')), paintedMs: Number(g.document.body.getAttribute('data-painted-ms')), domContentLoadedMs: nav?.domContentLoadedEventEnd ?? Number.NaN };
      });
      await context.close();
      if (i === 0) continue;
      loads.push(load);
      announce(`report: load ${i} of ${count}: charts drawn at ${load.chartsDrawnMs.toFixed(0)} ms, painted at ${load.paintedMs.toFixed(0)} ms`);
    }
  } finally {
    await browser.close();
  }
  return loads;
}

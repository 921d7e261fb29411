// The report in a real browser: a small simulation's report opened from file:// in headless
// Chromium (playwright-core). No page errors or console errors, no request beyond the file
// itself, every chart canvas drawn, the verdict table and the timeline present. Saves a
// screenshot for people to look at: to out/screenshots/ on every run, and to reports/examples/
// (the committed one the README links) when SYNCSTORM_UPDATE_EXAMPLES=1, so a test run leaves the tree clean.
// Chromium is required, never skipped: CI installs it with `apt-get install -y chromium`.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSimConfig } from '../sim/config.ts';
import { runSimulation, type RunResult } from '../sim/runner.ts';
import { CHROMIUM_PATH, inkOf, launchChromium, openReport, requireOpened, screenshotPath, type OpenedReport } from './chromium.ts';
import { formatMs } from './format.ts';
import { CHART_IDS, type CheckSummary } from './html.ts';
import { writeRunReport } from './write.ts';

const EXAMPLE_PNG = screenshotPath('run-report.png');

/**
 * Checks the test can compute honestly from the run itself (the real checkers live in
 * scenarios/ and are wired in later), so the table shows real verdicts.
 */
function smokeChecks(result: RunResult): CheckSummary[] {
  const h = result.history;
  const applied = new Map<string, number>();
  for (const e of h.events) if (e.type === 'apply') applied.set(e.change.queueId, (applied.get(e.change.queueId) ?? 0) + 1);
  const twice = [...applied].filter(([, n]) => n > 1).map(([q, n]) => `${q} applied ${n} times`);
  const left = h.clients.reduce((n, c) => n + c.queue.length, 0);
  return [
    { name: 'converged', valid: h.converged, summary: h.converged ? `quiescent ${formatMs(h.endedAt - h.healedAt)} after heal` : 'the convergence budget ran out' },
    { name: 'queues empty', valid: left === 0, summary: `${left} items still queued at the end` },
    { name: 'at-most-once apply (server log)', valid: twice.length === 0, summary: `${applied.size} queue ids applied; ${twice.length} more than once`, details: twice },
  ];
}

describe('the run report in headless Chromium', () => {
  let browser: Browser | null = null;
  let opened: OpenedReport | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-browser-'));
  const result = runSimulation({ config: buildSimConfig({ seed: 1, clients: 20, durationMs: 600_000 }) });
  const checks = smokeChecks(result);
  const { htmlPath } = writeRunReport(dir, result, checks, { replayCommand: 'npx syncstorm run --seed 1 --clients 20 --duration 10m' });
  /** The loaded page; without Chromium every test fails with how to install it (a failure, never a skip). */
  const page = () => requireOpened(opened).page;

  beforeAll(async () => {
    browser = await launchChromium();
    if (browser !== null) opened = await openReport(browser, htmlPath);
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no page errors, no console errors and no request but the file', async () => {
    expect(await page().getAttribute('body', 'data-charts-ready')).toBe('yes');
    const { pageErrors, consoleErrors, requests, fileUrl } = requireOpened(opened);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });

  it('draws every chart canvas', async () => {
    for (const id of CHART_IDS) {
      const ink = await inkOf(page(), id);
      expect(ink.found, `canvas #${id}`).toBe(true);
      expect(ink.area, `canvas #${id} size`).toBeGreaterThan(0);
      // Axes and labels alone ink at most ~4.5 % of a canvas (measured on a run with no ops);
      // this run's data (lines, areas, bars, fault shading) inks well over 10 %.
      expect(ink.share, `share of non-transparent pixels in #${id}`).toBeGreaterThan(0.06);
    }
  });

  it('has Chromium at /usr/bin/chromium', () => {
    expect(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``).toBe(true);
  });

  it('shows the verdict table with a PASS or FAIL per check', async () => {
    const rows = await page().locator('#verdict-table tbody tr').allInnerTexts();
    expect(rows).toHaveLength(checks.length);
    checks.forEach((check, i) => {
      expect(rows[i]).toContain(check.valid ? 'PASS' : 'FAIL');
      expect(rows[i]).toContain(check.name);
    });
    expect(await page().locator('#overall-verdict').innerText()).toBe(checks.every((c) => c.valid) ? 'PASS' : 'FAIL');
  });

  it('shows the per-client timeline, one row per client up to 30', async () => {
    expect(await page().locator('svg#client-timeline').isVisible()).toBe(true);
    expect(await page().locator('svg#client-timeline g.lane-client').count()).toBe(Math.min(30, result.config.clients));
    expect(await page().locator('svg#client-timeline g.lane-server').count()).toBe(1);
  });

  it('shows the header facts and the replay command', async () => {
    const header = await page().locator('header').innerText();
    expect(header).toContain(result.history.traceHash);
    expect(header).toContain('npx syncstorm run --seed 1');
    expect(header.toLowerCase()).toContain('fault mix');
  });

  it('saves a screenshot of the report', async () => {
    mkdirSync(dirname(EXAMPLE_PNG), { recursive: true });
    await page().screenshot({ path: EXAMPLE_PNG, fullPage: true });
    expect(existsSync(EXAMPLE_PNG)).toBe(true);
  });
});

// The sweep and compare reports in a real browser: each opened from file:// in headless
// Chromium (playwright-core). No page errors, console errors or requests beyond the file, every
// chart canvas drawn (non-blank pixels), and the table / recommendation / verdict present.
// Screenshots go to out/screenshots/ on every run, and to reports/examples/ (the committed
// ones) when SYNCSTORM_UPDATE_EXAMPLES=1. Chromium is required, never skipped.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkOf, launchChromium, openReport, requireOpened, screenshotPath, type OpenedReport } from './chromium.ts';
import { COMPARE_CHART_IDS } from './compare-html.ts';
import { runCompare } from './compare.ts';
import { SWEEP_CHART_IDS } from './sweep-html.ts';
import { parseSweepParam, parseVariantSpec } from './sweep-params.ts';
import { runSweep } from './sweep.ts';
import { writeCompareFiles, writeSweepFiles } from './sweep-write.ts';

describe('the sweep and compare reports in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-sweep-browser-'));
  // A busier workload than the default (1 op per client per minute), so batch size matters.
  const setup = { clients: 20, teamSize: 5, durationMs: 300_000, opsPerClientPerHour: 900 };
  const sweep = runSweep({
    params: [parseSweepParam('batchItemsMax=1,5,25,100'), parseSweepParam('backoffBaseMs=1000,10000')],
    seeds: [1, 2, 3],
    setup,
    generatedBy: 'syncstorm test',
  });
  const sweepHtml = writeSweepFiles(join(dir, 'sweep'), sweep, 'syncstorm sweep --param batchItemsMax=1,5,25,100 --param backoffBaseMs=1000,10000 --seeds 3 --clients 20 --duration 5m --ops-per-hour 900 --out out/sweep').htmlPath;
  const compare = runCompare({
    a: { spec: 'policy=lww-client-clock,batchItemsMax=1', engine: parseVariantSpec('policy=lww-client-clock,batchItemsMax=1') },
    b: { spec: 'policy=lww-hlc,batchItemsMax=25', engine: parseVariantSpec('policy=lww-hlc,batchItemsMax=25') },
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    setup,
    generatedBy: 'syncstorm test',
  });
  const compareHtml = writeCompareFiles(join(dir, 'compare'), compare, 'syncstorm compare policy=lww-client-clock,batchItemsMax=1 policy=lww-hlc,batchItemsMax=25 --seeds 8 --clients 20 --duration 5m --ops-per-hour 900 --out out/compare').htmlPath;

  let browser: Browser | null = null;
  let sweepPage: OpenedReport | null = null;
  let comparePage: OpenedReport | null = null;
  const must = requireOpened;

  beforeAll(async () => {
    browser = await launchChromium();
    if (browser === null) return;
    sweepPage = await openReport(browser, sweepHtml);
    comparePage = await openReport(browser, compareHtml);
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [kind, get] of [['sweep', () => sweepPage], ['compare', () => comparePage]] as const) {
    it(`${kind} report loads with no page errors, no console errors and no request but the file`, async () => {
      const o = must(get());
      expect(await o.page.getAttribute('body', 'data-charts-ready')).toBe('yes');
      expect(o.pageErrors).toEqual([]);
      expect(o.consoleErrors).toEqual([]);
      expect(o.requests).toEqual([o.fileUrl]);
    });
  }

  it('sweep report draws its scatter', async () => {
    for (const id of SWEEP_CHART_IDS) {
      const ink = await inkOf(must(sweepPage).page, id);
      expect(ink.found, `canvas #${id}`).toBe(true);
      expect(ink.area).toBeGreaterThan(0);
      // Axes, ticks and titles alone ink ~3 %; bubbles, labels and the front line add more.
      expect(ink.share, `share of non-transparent pixels in #${id}`).toBeGreaterThan(0.04);
    }
  });

  it('sweep report shows one table row per combination and the recommendation', async () => {
    const page = must(sweepPage).page;
    const rows = await page.locator('#sweep-table tbody tr').allInnerTexts();
    expect(rows).toHaveLength(sweep.combinations.length);
    expect(await page.locator('#sweep-table tbody tr.pareto').count()).toBe(sweep.pareto.length);
    expect(await page.locator('#sweep-table tbody tr.recommended').count()).toBe(1);
    expect(await page.locator('#recommendation').innerText()).toContain(sweep.recommendation!.label);
  });

  it('compare report draws both charts', async () => {
    for (const id of COMPARE_CHART_IDS) {
      const ink = await inkOf(must(comparePage).page, id);
      expect(ink.found, `canvas #${id}`).toBe(true);
      expect(ink.area).toBeGreaterThan(0);
      expect(ink.share, `share of non-transparent pixels in #${id}`).toBeGreaterThan(0.04);
    }
  });

  it('compare report shows each metric with its verdict, and the overall verdict', async () => {
    const page = must(comparePage).page;
    const rows = await page.locator('#compare-table tbody tr').allInnerTexts();
    expect(rows).toHaveLength(compare.metrics.length);
    compare.metrics.forEach((m, i) => {
      expect(rows[i]).toContain(m.label);
      expect(rows[i]).toContain(m.verdict);
    });
    expect(await page.locator('#compare-verdict').innerText()).toContain('B compared with A');
    expect(await page.locator('#violations').isVisible()).toBe(true);
  });

  it('saves screenshots of both reports', async () => {
    for (const [name, opened] of [['sweep-report.png', sweepPage], ['compare-report.png', comparePage]] as const) {
      const path = screenshotPath(name);
      mkdirSync(dirname(path), { recursive: true });
      await must(opened).page.screenshot({ path, fullPage: true });
      expect(existsSync(path)).toBe(true);
    }
  });
});

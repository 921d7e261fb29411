// The report of a chaos failure in a real browser: seed 1 of the zoo's no-server-dedup bug
// (a lost ack replayed twice), run and shrunk as `syncstorm chaos --bug no-server-dedup` does,
// its report written by the same function, opened from file:// in headless Chromium
// (playwright-core). No page errors or requests beyond the file, every chart canvas drawn,
// the verdict table with a FAIL, and the counterexample: the explanation, the slice's
// timeline, and the space-time diagram with an arrow per message. Saves chaos-report.png to
// out/screenshots/ (to reports/examples/, the committed one, when SYNCSTORM_UPDATE_EXAMPLES=1).
// Chromium is required, never skipped.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRun } from '../scenarios/chaos/run-seed.ts';
import { shrinkFailure, type ShrinkResult } from '../scenarios/chaos/shrink.ts';
import { resolveChaosTarget } from '../scenarios/chaos/target.ts';
import { buildSimConfig } from '../sim/config.ts';
import { variantByName } from '../sim/variants.ts';
import { inkOf, launchChromium, openReport, requireOpened, screenshotPath, type OpenedReport } from './chromium.ts';
import { writeChaosFailureReport } from './chaos-report.ts';
import { CHART_IDS } from './html.ts';

const SCREENSHOT = screenshotPath('chaos-report.png');
const BUG = 'no-server-dedup';
const SEED = 1;
/** Shrinking is bounded by runs only (deterministic); the wall limit is a safety net, not a timing. */
const SHRINK_RUNS_MAX = 300;
const SETUP_TIMEOUT_MS = 180_000;

describe('the report of a chaos failure in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-chaos-browser-'));
  let browser: Browser | null = null;
  let opened: OpenedReport | null = null;
  let shrunk: ShrinkResult | null = null;
  const page = () => requireOpened(opened).page;

  beforeAll(async () => {
    // What `syncstorm chaos --bug no-server-dedup --seeds 1` does with its failing seed.
    const target = await resolveChaosTarget({ bug: BUG, scenario: undefined, clients: undefined, durationMs: undefined });
    const variant = variantByName(target.variant);
    const config = buildSimConfig({ ...target.config, seed: SEED });
    const plan = target.planFor(config);
    const original = checkRun({ config, plan, variant });
    expect(original.check.failed, `seed ${SEED} of ${BUG} fails (the premise of this test)`).toContain('at-most-once');
    shrunk = shrinkFailure({ config, plan, variant, failing: original.check.failed, runsMax: SHRINK_RUNS_MAX, wallMsMax: SETUP_TIMEOUT_MS / 2 });
    expect(shrunk.run, 'the shrunk run has a history').not.toBeNull();
    const { htmlPath } = writeChaosFailureReport(join(dir, `seed-${SEED}`), {
      run: shrunk.run!, results: shrunk.check.results, seed: SEED, variant: target.variant, shrunk: true, replayCommand: `npx syncstorm replay out/chaos/failures/seed-${SEED}.json`,
    });
    browser = await launchChromium();
    if (browser !== null) opened = await openReport(browser, htmlPath);
  }, SETUP_TIMEOUT_MS);

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
      // Axes and labels alone ink ~3-4.5 % of a canvas; a shrunk run still draws its line, area or bars.
      expect(ink.share, `share of non-transparent pixels in #${id}`).toBeGreaterThan(0.045);
    }
  });

  it('shows the verdict table with at-most-once FAILED and the overall FAIL', async () => {
    const rows = await page().locator('#verdict-table tbody tr').allInnerTexts();
    expect(rows).toHaveLength(shrunk!.check.results.length);
    const failedRow = rows.find((row) => row.includes('at-most-once'));
    expect(failedRow).toContain('FAIL');
    expect(await page().locator('#overall-verdict').innerText()).toBe('FAIL');
  });

  it("shows the checker's plain-words explanation of the counterexample", async () => {
    const violation = shrunk!.check.results.find((r) => r.name === 'at-most-once')!.violations[0]!;
    const explanation = await page().locator('#counterexample-explanation').innerText();
    expect(explanation).toContain('at-most-once');
    expect(explanation).toContain(violation.message);
  });

  it("shows the slice's timeline: one lane per client of the violation, its op ringed", async () => {
    const timeline = page().locator('#counterexample svg#counterexample-timeline');
    expect(await timeline.isVisible()).toBe(true);
    expect(await timeline.locator('g.lane-client').count()).toBe(1);
    expect(await timeline.locator('g.lane-server').count()).toBe(1);
    expect(await timeline.locator('circle.violating-op').count()).toBeGreaterThan(0);
  });

  it('shows the space-time diagram: lanes, an arrow per message, the violating ones in red', async () => {
    const diagram = page().locator('#counterexample svg#space-time');
    expect(await diagram.isVisible()).toBe(true);
    expect(await diagram.locator('g.lane-server').count()).toBe(1);
    expect(await diagram.locator('g.lane-client').count()).toBeGreaterThanOrEqual(1);
    const arrows = diagram.locator('g.msg');
    expect(await arrows.count()).toBeGreaterThan(2);
    // Every arrow is a drawn line with a length (not an empty group).
    const lengths = await arrows.locator('line').evaluateAll((lines) => lines.map((line) => (line as unknown as { getTotalLength(): number }).getTotalLength()));
    expect(lengths.every((length) => length > 5)).toBe(true);
    // The lost ack story: pushes of the twice-applied op, and both of its applies on the server lane.
    expect(await diagram.locator('g.msg[data-violating="yes"][data-dir="request"]').count()).toBeGreaterThanOrEqual(2);
    expect(await diagram.locator('g.mark-apply.violating').count()).toBeGreaterThanOrEqual(2);
  });

  it('saves a screenshot of the report', async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page().screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});

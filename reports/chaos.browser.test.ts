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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRun } from '../scenarios/chaos/run-seed.ts';
import { shrinkFailure, type ShrinkResult } from '../scenarios/chaos/shrink.ts';
import { resolveChaosTarget } from '../scenarios/chaos/target.ts';
import { buildSimConfig } from '../sim/config.ts';
import { variantByName } from '../sim/variants.ts';
import { writeChaosFailureReport } from './chaos-report.ts';
import { CHART_IDS } from './html.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const here = dirname(fileURLToPath(import.meta.url));
const SCREENSHOT = process.env['SYNCSTORM_UPDATE_EXAMPLES'] === '1' ? join(here, 'examples', 'chaos-report.png') : join(here, '..', 'out', 'screenshots', 'chaos-report.png');
const BUG = 'no-server-dedup';
const SEED = 1;
/** Shrinking is bounded by runs only (deterministic); the wall limit is a safety net, not a timing. */
const SHRINK_RUNS_MAX = 300;
const SETUP_TIMEOUT_MS = 180_000;

interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> } } | null;
}

/** Share of non-transparent pixels of a canvas (runs in the page; typed here, no DOM lib). */
async function inkOf(page: Page, canvasId: string): Promise<{ found: boolean; area: number; share: number }> {
  return page.evaluate((id) => {
    const doc = (globalThis as unknown as { document: { getElementById(id: string): CanvasLike | null } }).document;
    const canvas = doc.getElementById(id);
    if (canvas === null) return { found: false, area: 0, share: 0 };
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
    const area = canvas.width * canvas.height;
    return { found: true, area, share: area === 0 ? 0 : inked / area };
  }, canvasId);
}

describe('the report of a chaos failure in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-chaos-browser-'));
  let browser: Browser | null = null;
  let loaded: Page | null = null;
  let shrunk: ShrinkResult | null = null;
  let fileUrl = '';
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  const page = (): Page => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (this test needs a real browser and is never skipped)`);
    if (loaded === null) throw new Error('the report page did not load (see the beforeAll error)');
    return loaded;
  };

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
    fileUrl = pathToFileURL(htmlPath).href;
    if (!existsSync(CHROMIUM_PATH)) return;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const opened = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    opened.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    opened.on('request', (request) => requests.push(request.url()));
    await opened.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
    await opened.goto(fileUrl, { waitUntil: 'load' });
    await opened.waitForSelector('body[data-charts-ready]', { timeout: 10_000 });
    loaded = opened;
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no page errors, no console errors and no request but the file', async () => {
    expect(await page().getAttribute('body', 'data-charts-ready')).toBe('yes');
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

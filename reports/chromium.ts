// What the report tests and the report benchmark share to drive Debian's Chromium with playwright-core: where it is and
// how it starts (shared/reference/toolchain-notes.md), where screenshots go, opening a report
// from file:// with every other request refused and its errors collected, and measuring how
// much of a chart canvas is drawn. Chromium is required, never skipped: CI installs it.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Headless as root, and no background traffic: this machine's network is closed. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const here = dirname(fileURLToPath(import.meta.url));

/** out/screenshots/NAME on every run; reports/examples/NAME (the committed one) when SYNCSTORM_UPDATE_EXAMPLES=1. */
export function screenshotPath(name: string): string {
  return process.env['SYNCSTORM_UPDATE_EXAMPLES'] === '1' ? join(here, 'examples', name) : join(here, '..', 'out', 'screenshots', name);
}

/** Null without Chromium, so each test can fail with how to install it (requireOpened). */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM_PATH)) return null;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface OpenedReport {
  readonly page: Page;
  readonly fileUrl: string;
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
  readonly requests: string[];
}

/** Opens a report file and waits until its charts are drawn; anything but the file itself is refused (a network access). */
export async function openReport(browser: Browser, htmlPath: string): Promise<OpenedReport> {
  const fileUrl = pathToFileURL(htmlPath).href;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const opened: OpenedReport = { page, fileUrl, pageErrors: [], consoleErrors: [], requests: [] };
  page.on('pageerror', (error) => opened.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') opened.consoleErrors.push(message.text());
  });
  page.on('request', (request) => opened.requests.push(request.url()));
  await page.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
  await page.goto(fileUrl, { waitUntil: 'load' });
  await page.waitForSelector('body[data-charts-ready]', { timeout: 10_000 });
  return opened;
}

/** The opened report, or a failure saying why there is none (never a skip). */
export function requireOpened(opened: OpenedReport | null): OpenedReport {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (this test needs a real browser and is never skipped)`);
  }
  if (opened === null) throw new Error('the report page did not load (see the beforeAll error)');
  return opened;
}

interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> } } | null;
}

/** Share of non-transparent pixels of a canvas (runs in the page; typed here, no DOM lib). */
export async function inkOf(page: Page, canvasId: string): Promise<{ found: boolean; area: number; share: number }> {
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

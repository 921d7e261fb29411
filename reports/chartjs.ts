// chart.js's UMD build, read once from node_modules, made safe to inline in a <script>:
// its exports map hides dist/chart.umd.min.js from require.resolve, so resolve the package's
// entry, walk up to the package root and join the file name. The source-map comment and the
// URLs in its licence banners are removed so the report carries no external URL at all
// (the banners' copyright and licence lines stay).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const UMD_FILE = join('dist', 'chart.umd.min.js');

let cached: string | null = null;

export function chartJsSource(): string {
  if (cached === null) cached = sanitizeForInlineScript(readFileSync(chartJsUmdPath(), 'utf8'));
  return cached;
}

export function chartJsUmdPath(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('chart.js');
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'chart.js') {
      return join(dir, UMD_FILE);
    }
    if (dirname(dir) === dir) throw new Error(`chart.js: no package root above ${entry}`);
  }
}

/** Drops source-map comments and banner URLs; refuses code that could end the <script> element. */
export function sanitizeForInlineScript(source: string): string {
  const cleaned = source
    .replace(/^\s*\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/\/\*![\s\S]*?\*\//g, (banner) => banner.replace(/https?:\/\//g, ''));
  if (/<\/script|<!--|<script/i.test(cleaned)) throw new Error('chart.js: the bundle contains a sequence that would break an inline <script>');
  return cleaned;
}

/** The reports' one font stack (page text and charts). */
export const FONT = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif`;

/** The page rules every report shares (colours, card, headings, title row); each page adds its own after it. */
export const BASE_PAGE_STYLE = `
:root { --fg:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f3f4f6; --card:#fff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.55 ${FONT}; -webkit-font-smoothing: antialiased; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 14px 0; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
h1 { font-size: 23px; line-height: 1.25; margin: 0; letter-spacing: -.01em; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 18px 0 6px; font-weight: 600; }
.title-row { display: flex; align-items: center; justify-content: space-between; gap: 16px; margin-bottom: 14px; }
`;

/** In-page script lines every report runs before drawing: no animation (screenshots), one look. */
export const CHART_DEFAULTS_JS = `    Chart.defaults.animation = false;
    Chart.defaults.font.family = ${JSON.stringify(FONT)};
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#374151';
    Chart.defaults.borderColor = '#eef0f3';
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 14;
`;

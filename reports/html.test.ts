// The HTML report as text: self-contained (no external URL), safe (escaped text, `<` escaped
// in the inline JSON), deterministic, with every section, and small for a 1,000-client run.
// How it looks and draws in a browser is reports/browser.test.ts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSimConfig } from '../sim/config.ts';
import { recordCount, splitRecords, type DownCause, type History, type HistoryEvent } from '../sim/history.ts';
import { runSimulation, type RunResult } from '../sim/runner.ts';
import { sanitizeForInlineScript } from './chartjs.ts';
import { formatClockShort, jsonForScript, prettyJson } from './format.ts';
import { CHART_IDS, renderRunReport, type CheckSummary } from './html.ts';
import { METRICS_SCHEMA_VERSION } from './metrics-schema.ts';
import { computeMetrics } from './metrics.ts';
import { writeRunReport, type MetricsFile } from './write.ts';

const result = runSimulation({ config: buildSimConfig({ seed: 3, clients: 12, durationMs: 300_000 }) });
const metrics = computeMetrics(result.history);
const checks: CheckSummary[] = [
  { name: 'at-most-once', valid: true, summary: 'every queue id applied at most once' },
  { name: 'no <lost> ack', valid: false, summary: 'c1:4 acked & missing', details: ['<script>alert(1)</script>', 'second "detail"'] },
];
const render = (withChecks?: readonly CheckSummary[]): string =>
  renderRunReport({ title: 'Seed 3 <test>', result, metrics, ...(withChecks === undefined ? {} : { checks: withChecks }), replayCommand: 'npx syncstorm run --seed 3', generatedBy: 'syncstorm test' });

function reportData(html: string): string {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match, 'the report-data script element').not.toBeNull();
  return match![1]!;
}

describe('renderRunReport', () => {
  const html = render(checks);

  it('carries no external URL and loads nothing', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/sourceMappingURL/);
  });

  it('inlines chart.js and the data, with `<` escaped in the JSON', () => {
    expect(html).toContain('Chart.js v4');
    const json = reportData(html);
    expect(json).not.toContain('<');
    const data = JSON.parse(json) as { queue: { x: number[] } };
    expect(data.queue.x.length).toBe(metrics.timeline.startsMs.length);
    // Exactly three script elements: the JSON, chart.js, the page's own.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('has every section and a canvas per chart', () => {
    for (const id of ['key-numbers', 'verdict', 'charts', 'timeline', 'details', 'configuration', 'verdict-table', 'client-timeline', 'replay-command']) {
      expect(html).toContain(`id="${id}"`);
    }
    for (const id of CHART_IDS) expect(html).toContain(`<canvas id="${id}"`);
    expect(html).toContain(`<code>${result.history.traceHash}</code>`);
    expect(html).toContain('npx syncstorm run --seed 3');
  });

  it("lists each fault period with its setting in words, not the plan's bare param", () => {
    expect(metrics.faults.periods.length).toBeGreaterThan(0);
    expect(html).toContain('<th>Setting</th>');
    const withSetting = metrics.faults.periods.find((p) => p.kind === 'server-5xx' || p.kind === 'loss' || p.kind === 'clock-drift' || p.kind === 'clock-step');
    expect(withSetting, `seed 3's periods: ${metrics.faults.periods.map((p) => p.kind).join(', ')}`).toBeDefined();
    expect(html).toMatch(/<td>(\d+(\.\d)? % of (requests|messages)|drift [+−]\d+ ppm|clock jumps [+−]\d)/);
  });

  it('escapes text from checks and titles', () => {
    expect(html).toContain('<title>Seed 3 &lt;test&gt;</title>');
    expect(html).toContain('no &lt;lost&gt; ack');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('c1:4 acked &amp; missing');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('shows a PASS or FAIL per check and the overall verdict', () => {
    expect(html.match(/<span class="badge pass">PASS<\/span>/g)).toHaveLength(1);
    expect(html.match(/<span class="badge fail">FAIL<\/span>/g)).toHaveLength(1);
    expect(html).toContain('id="overall-verdict">FAIL<');
    expect(html).toContain('1 of 2 checks failed.');
  });

  it("says 'no checkers run' when none ran", () => {
    for (const none of [undefined, []]) {
      const page = render(none);
      expect(page).toContain('no checkers run');
      expect(page).toContain('id="overall-verdict">NOT CHECKED<');
    }
    expect(render([checks[0]!])).toContain('id="overall-verdict">PASS<');
  });

  it('is the same for the same input', () => {
    expect(render(checks)).toBe(html);
  });
});

describe('sanitizeForInlineScript', () => {
  it('drops the source map comment and banner URLs, keeping the licence lines', () => {
    const out = sanitizeForInlineScript('/*!\n * Lib v1\n * https://example.org\n * Released under the MIT License\n */\ncode();\n//# sourceMappingURL=lib.js.map\n');
    expect(out).toContain('Released under the MIT License');
    expect(out).toContain('example.org');
    expect(out).not.toMatch(/https:|sourceMappingURL/);
  });

  it('refuses code that would end the script element', () => {
    expect(() => sanitizeForInlineScript('var s = "</script>";')).toThrow(/inline <script>/);
  });
});

describe('format helpers', () => {
  it('prettyJson is JSON with primitive arrays packed onto lines', () => {
    const value = { a: 1, kinds: Array.from({ length: 30 }, (_, i) => `kind-${i}`), nested: { empty: [], objects: [{ x: null }] } };
    const text = prettyJson(value, 60);
    expect(JSON.parse(text)).toEqual(value);
    expect(text.split('\n').every((line) => line.length <= 60)).toBe(true);
    expect(text.split('\n').length).toBeLessThan(20);
  });

  it('jsonForScript leaves no `<` and parses back to the same value', () => {
    const value = { s: '</script><!-- \u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('formatClockShort labels round times', () => {
    expect([0, 30_000, 900_000, 3_600_000, 4_500_000, 7_200_000].map(formatClockShort)).toEqual(['0', '30s', '15min', '1h', '1h15', '2h']);
  });
});

describe('writeRunReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes report.html and metrics.json', () => {
    const { htmlPath, jsonPath } = writeRunReport(join(dir, 'run'), result, checks, { replayCommand: 'npx syncstorm replay x.json' });
    expect(htmlPath).toBe(join(dir, 'run', 'report.html'));
    expect(readFileSync(htmlPath, 'utf8')).toContain('npx syncstorm replay x.json');
    const file = JSON.parse(readFileSync(jsonPath, 'utf8')) as MetricsFile;
    expect(file.schemaVersion).toBe(METRICS_SCHEMA_VERSION);
    expect(file.run).toMatchObject({ seed: 3, clients: 12, traceHash: result.history.traceHash, variant: result.variant });
    expect(file.verdict).toBe('fail');
    expect(file.checks).toHaveLength(2);
    expect(file.metrics).toEqual(JSON.parse(JSON.stringify(metrics)));
  });
});

describe('size', () => {
  it('stays under 5 MB for a busy 1,000-client, one-hour history', () => {
    const synthetic = syntheticRun(1000, 3_600_000, 60);
    const html = renderRunReport({ title: 'big', result: synthetic, metrics: computeMetrics(synthetic.history), replayCommand: 'x', generatedBy: 'test' });
    expect(recordCount(synthetic.history)).toBeGreaterThan(400_000);
    expect(Buffer.byteLength(html)).toBeLessThan(5 * 1024 * 1024);
  });
});

describe('the Crashes tile', () => {
  it('counts real crashes only; engine rebuilds and closed tabs go beside them, and the timeline names each cause', () => {
    const down = (t: number, client: number, cause: DownCause, detail: string): HistoryEvent[] => [
      { t, type: 'crash', client, cause, detail },
      { t: t + 1_000, type: 'restart', client, detail: '' },
    ];
    const events: HistoryEvent[] = [
      ...down(10_000, 0, 'crash', 'between effects 1 and 2 of 3 (write)'),
      ...down(20_000, 1, 'rebuild', 'storage stale'),
      ...down(30_000, 1, 'rebuild', 'storage stale'),
      ...down(40_000, 2, 'rebuild', 'reloaded: another tab wrote to the store'),
      ...down(50_000, 2, 'close', 'the second tab closed'),
    ];
    const history: History = { ...splitRecords(events), healedAt: 60_000, endedAt: 70_000, converged: true, clients: [], server: null, traceHash: 'downs' };
    const run: RunResult = { config: buildSimConfig({ seed: 1, clients: 3, teamSize: 3, durationMs: 60_000 }), plan: { ops: [], faults: [], faultMix: {}, clocks: [] }, variant: 'correct', history, eventsProcessed: events.length };
    const html = renderRunReport({ title: 'downs', result: run, metrics: computeMetrics(history), replayCommand: 'x', generatedBy: 'test' });
    expect(html).toContain('<div class="k">Crashes</div><div class="v">1</div><div class="sub">engine rebuilds 3 · closes 1 · server: no events</div>');
    expect(html).toContain('crashed at 10.0 s, back at 11.0 s: between effects 1 and 2 of 3 (write)');
    expect(html).toContain('rebuilt from storage at 20.0 s, back at 21.0 s: storage stale');
    expect(html).toContain('closed at 50.0 s, back at 51.0 s: the second tab closed');
  });
});

/** A plausible busy history: per client, ops with enqueue, send, ack and apply; faults and crashes. */
function syntheticRun(clients: number, durationMs: number, opsPerClient: number): RunResult {
  const events: HistoryEvent[] = [];
  const gapMs = Math.floor(durationMs / opsPerClient);
  let opId = 1;
  for (let k = 0; k < opsPerClient; k++) {
    for (let c = 0; c < clients; c++) {
      const t = k * gapMs + c;
      const queueId = `c${c}:${k + 1}`;
      events.push({ t, type: 'invoke', client: c, clientTime: t, opId, action: 'create', entityId: `n${k}`, fields: {} });
      events.push({ t, type: 'engine', client: c, clientTime: t, event: { type: 'enqueued', at: t, queueId, entityType: 'note', entityId: `n${k}`, action: 'create', payload: {} } });
      events.push({ t, type: 'complete', client: c, opId: opId++, outcome: 'ok', queueId, error: null });
      events.push({ t: t + 1, type: 'engine', client: c, clientTime: t, event: { type: 'sent', at: t, requestId: k, queueIds: [queueId], bytes: 200 } });
      events.push({ t: t + 1, type: 'message', client: c, kind: 'push', dir: 'request', requestId: k, fate: 'sent', detail: '' });
      events.push({ t: t + 2, type: 'apply', user: `team-${c}`, instance: 1, change: { user: `team-${c}`, queueId, clientId: `c${c}`, entityType: 'note', entityId: `n${k}`, action: 'create', revision: 1, seq: k, serverTime: t, deleted: false } });
      events.push({ t: t + 3, type: 'engine', client: c, clientTime: t, event: { type: 'acked', at: t, queueId, revision: 1, replayed: false, attempts: 1 + (k % 3) } });
      if (k % 20 === 0 && c % 50 === 0) {
        const fault = { atMs: t, kind: 'partition' as const, durationMs: gapMs, client: c, param: 0 };
        events.push({ t: t + 4, type: 'fault', phase: 'start', index: k * clients + c, fault });
        events.push({ t: t + 4, type: 'crash', client: c, cause: 'crash', detail: 'test' });
        events.push({ t: t + 5, type: 'restart', client: c, detail: '' });
      }
    }
  }
  events.sort((a, b) => a.t - b.t);
  const history: History = { ...splitRecords(events), healedAt: durationMs, endedAt: durationMs + 60_000, converged: true, clients: [], server: null, traceHash: 'synthetic' };
  const config = buildSimConfig({ seed: 9, clients, durationMs });
  return { config, plan: { ops: [], faults: [], faultMix: { partition: 3 }, clocks: [] }, variant: 'correct', history, eventsProcessed: events.length };
}

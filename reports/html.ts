// The run report: one self-contained HTML file (no external URL, no network), for a pull
// request or a CI artifact. chart.js is inlined; the charts' data travels as JSON in a
// <script type="application/json"> with `<` escaped; animation is off so what loads is what
// a screenshot shows. Sections: header (seed, clients, duration, variant, fault mix, trace
// hash, replay command), key numbers, verdict table, the counterexample when a check failed
// (counterexample.ts), charts (queue length with fault periods shaded, applies/s, latency and
// attempts histograms), per-client timeline (inline SVG), details tables, configuration. Page
// assets (style, chart script) are in run-page.ts. Output depends only on the input: no clock, no randomness.

import { DEFAULT_ENGINE_OPTIONS } from '../engine/options.ts';
import type { DownCause } from '../sim/history.ts';
import { describeFaultMix } from '../sim/plan.ts';
import { otherDownsParts } from '../sim/summary.ts';
import { describeFaultSetting } from './fault-setting.ts';
import type { RunResult } from '../sim/runner.ts';
import { chartJsSource } from './chartjs.ts';
import { escapeHtml, formatBytes, formatCount, formatMs, formatMsShort, formatPercent, formatRatio, jsonForScript, prettyJson } from './format.ts';
import type { FaultPeriod, Histogram, RunMetrics } from './metrics-schema.ts';
import { faultColor, HEAL_COLOR, OP_COLORS, CRASH_COLOR, withAlpha } from './palette.ts';
import { releaseBreakdown, renderReleaseCard } from './releases.ts';
import { buildTimeline, renderTimelineSvg, TIMELINE_CLIENTS_MAX } from './timeline.ts';
import { COUNTEREXAMPLE_STYLE, counterexampleSection } from './counterexample.ts';
import { RUN_REPORT_SCRIPT, RUN_REPORT_STYLE } from './run-page.ts';
import type { Violation } from '../scenarios/checkers/index.ts';

/** A checker's verdict as the report shows it (scenarios/ CheckResult maps onto this). */
export interface CheckSummary {
  readonly name: string;
  readonly valid: boolean;
  readonly summary: string;
  readonly details?: readonly string[];
  /** The violations as found (event indexes, clients, times): the counterexample section draws the first. */
  readonly violations?: readonly Violation[];
}

export interface RunReportInput {
  readonly title: string;
  readonly result: RunResult;
  readonly metrics: RunMetrics;
  readonly checks?: readonly CheckSummary[];
  /** The shell command that re-runs this exact run. */
  readonly replayCommand: string;
  /** The shell command that prints the run's story as text (`syncstorm trace FILE …`), when there is a run file. */
  readonly traceCommand?: string;
  /** Tool and version that wrote the report, e.g. `syncstorm 0.1.0`. */
  readonly generatedBy: string;
}

/** Ids of the chart canvases, in page order (tests and docs refer to them). */
export const CHART_IDS = ['chart-queue', 'chart-applies', 'chart-latency', 'chart-attempts'] as const;
/** Fault bands drawn on time charts at most; past this, nearby bands of a kind merge further. */
const BANDS_MAX = 600;
/** Details kept per check in the verdict table. */
const CHECK_DETAILS_MAX = 50;

export type Verdict = 'pass' | 'fail' | 'none';

export function overallVerdict(checks: readonly CheckSummary[] | undefined): Verdict {
  if (checks === undefined || checks.length === 0) return 'none';
  return checks.every((c) => c.valid) ? 'pass' : 'fail';
}

export function renderRunReport(input: RunReportInput): string {
  const { result, metrics } = input;
  const verdict = overallVerdict(input.checks);
  const timeline = buildTimeline(result.history, metrics.faults.periods, metrics.span.endMs);
  const tabs = result.history.clients.filter((client) => client.tabOf !== undefined).length;
  const lanesText = tabs === 0 ? `${formatCount(timeline.clientsTotal)} clients` : `${formatCount(timeline.clientsTotal)} lanes (${formatCount(timeline.clientsTotal - tabs)} clients, then ${tabs} second tab${tabs === 1 ? '' : 's'})`;
  const body = [
    headerSection(input, verdict),
    keyNumbersSection(metrics),
    verdictSection(input.checks),
    counterexampleSection(result.history, metrics.faults.periods, input.checks),
    chartsSection(metrics),
    renderReleaseCard(releaseBreakdown(result.history, result.config.release.client, result.config.clients)),
    `<section class="card" id="timeline"><h2>Per-client timeline</h2>
<p class="note">First ${timeline.lanes.length} of ${lanesText}${timeline.clientsTotal > TIMELINE_CLIENTS_MAX ? ` (at most ${TIMELINE_CLIENTS_MAX} are drawn)` : ''}. Each row: <b>ops</b> (one tick per pixel column; the most notable op of the column wins), <b>faults</b> on that client, <b>downtime</b> until the restart, whatever took the engine down (a crash, a rebuild after a refused commit, a closed tab). Hover a mark for details.</p>
${timelineLegend()}
<div class="timeline-wrap">${renderTimelineSvg(timeline)}</div></section>`,
    detailsSection(metrics),
    `<section class="card" id="configuration"><h2>Configuration</h2><pre class="config">${escapeHtml(prettyJson(result.config))}</pre></section>`,
    `<footer>Generated by ${escapeHtml(input.generatedBy)} · schema v${metrics.schemaVersion} · self-contained: no network access needed.</footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(input.generatedBy)}">
<title>${escapeHtml(input.title)}</title>
<style>${RUN_REPORT_STYLE}${COUNTEREXAMPLE_STYLE}</style>
</head>
<body class="verdict-${verdict}">
<main>
${body}
</main>
<script type="application/json" id="report-data">${jsonForScript(chartData(metrics))}</script>
<script>${chartJsSource()}</script>
<script>${RUN_REPORT_SCRIPT}</script>
</body>
</html>
`;
}

// ---- sections -----------------------------------------------------------------------------

function headerSection(input: RunReportInput, verdict: Verdict): string {
  const { result, metrics } = input;
  const c = result.config;
  const policy = c.engine.conflictPolicy ?? DEFAULT_ENGINE_OPTIONS.conflictPolicy;
  const converged = metrics.convergence.converged
    ? `yes, ${formatMs(metrics.convergence.convergenceMs)} after heal`
    : `<span class="bad">no</span>, budget ${formatMs(c.convergenceBudgetMs)} exhausted`;
  const facts: [string, string][] = [
    ['Seed', `<code>${c.seed}</code>`],
    ['Clients', `${formatCount(c.clients)} <span class="muted">(teams of ${c.teamSize})</span>`],
    ['Chaos phase', formatMs(c.durationMs)],
    ['Simulated in total', formatMs(metrics.span.endMs)],
    ['Variant', `<code>${escapeHtml(result.variant)}</code>`],
    ['Conflict policy', `<code>${escapeHtml(policy)}</code>`],
    ['Converged', converged],
    ['Trace hash', `<code>${escapeHtml(result.history.traceHash)}</code>`],
    ['Events processed', formatCount(result.eventsProcessed)],
  ];
  const verdictText = { pass: 'PASS', fail: 'FAIL', none: 'NOT CHECKED' }[verdict];
  return `<header class="card head">
<div class="title-row"><h1>${escapeHtml(input.title)}</h1><span class="badge big ${verdict}" id="overall-verdict">${verdictText}</span></div>
<dl class="facts">${facts.map(([k, v]) => `<div class="fact"><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
<div class="fact wide"><dt>Fault mix</dt><dd>${escapeHtml(describeFaultMix(result.plan))}</dd></div>
<div class="fact wide"><dt>Replay</dt><dd><pre class="replay" id="replay-command">${escapeHtml(input.replayCommand)}</pre></dd></div>
${input.traceCommand === undefined ? '' : `<div class="fact wide"><dt>Trace</dt><dd><pre class="replay" id="trace-command">${escapeHtml(input.traceCommand)}</pre></dd></div>
`}</header>`;
}

function keyNumbersSection(m: RunMetrics): string {
  const tiles: [string, string, string][] = [
    ['Ops', formatCount(m.ops.invoked), `${formatCount(m.ops.writes)} writes · ${formatCount(m.ops.reads)} reads`],
    ['Outcomes', `${formatCount(m.ops.ok)} ok`, `${formatCount(m.ops.fail)} failed · ${formatCount(m.ops.info)} unknown`],
    ['Latency p50', formatMs(m.latency.p50Ms), `push → ack, ${formatCount(m.latency.samples)} items`],
    ['Latency p95 / p99', `${formatMs(m.latency.p95Ms)}`, `p99 ${formatMs(m.latency.p99Ms)} · max ${formatMs(m.latency.maxMs)}`],
    ['Convergence', m.convergence.converged ? formatMs(m.convergence.convergenceMs) : 'did not converge', 'from heal to quiescence'],
    ['Queue peak', formatCount(m.queue.peak), `at ${formatMs(m.queue.peakAtMs)} · ${formatCount(m.queue.endActual)} left at end`],
    ['Conflicts', formatCount(m.conflicts.total), outcomeLine(m.conflicts.byOutcome)],
    ['Dead letters', formatCount(m.deadLetters.total), Object.keys(m.deadLetters.byCode).join(', ') || 'none'],
    ['Duplicates suppressed', formatCount(m.duplicatesSuppressed), 'acks replayed by idempotency'],
    ['Retry rate', formatRatio(m.retries.retryRate), `${formatCount(m.retries.retried)} retries · resends ${formatPercent(m.retries.resendRate)}`],
    ['Requests per op', formatRatio(m.requests.requestsPerOp), `${formatRatio(m.requests.pushesPerOp)} pushes · ${formatBytes(m.requests.pushBytesPerOp)} pushed`],
    ['Messages lost', formatCount(m.messages.dropped), `${formatCount(m.messages.duplicated)} duplicated · ${formatCount(m.messages.refused)} refused`],
    ['Crashes', formatCount(m.crashes.byCause.crash), crashesLine(m.crashes.byCause, m.crashes.serverActions)],
    ['Server applies', formatCount(m.applies.total), `peak ${formatRatio(m.applies.peakPerSecond, 1)}/s`],
  ];
  const html = tiles.map(([k, v, sub]) => `<div class="tile"><div class="k">${k}</div><div class="v">${escapeHtml(v)}</div><div class="sub">${escapeHtml(sub)}</div></div>`).join('');
  return `<section class="card" id="key-numbers"><h2>Key numbers</h2><div class="tiles">${html}</div></section>`;
}

function outcomeLine(byOutcome: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byOutcome).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${formatCount(n)}`);
  return parts.length === 0 ? 'none' : parts.join(' · ');
}

/** Engines down for other causes than a crash (a stale-commit rebuild, a closed tab), then the server's actions. */
function crashesLine(byCause: Readonly<Record<DownCause, number>>, actions: Readonly<Record<string, number>>): string {
  const others = otherDownsParts(byCause);
  const parts = Object.entries(actions).map(([k, n]) => `${k} ${n}`);
  return [...others, `server: ${parts.length === 0 ? 'no events' : parts.join(' · ')}`].join(' · ');
}

function verdictSection(checks: readonly CheckSummary[] | undefined): string {
  if (checks === undefined || checks.length === 0) {
    return `<section class="card" id="verdict"><h2>Verdict</h2><table id="verdict-table"><tbody><tr><td class="none-run">no checkers run</td></tr></tbody></table></section>`;
  }
  const failed = checks.filter((c) => !c.valid).length;
  const rows = checks.map((c) => {
    const details = c.details ?? [];
    const kept = details.slice(0, CHECK_DETAILS_MAX);
    const more = details.length > kept.length ? `<li class="muted">… ${details.length - kept.length} more</li>` : '';
    const detailHtml = details.length === 0 ? '' : `<details${c.valid ? '' : ' open'}><summary>${details.length} detail${details.length === 1 ? '' : 's'}</summary><ul>${kept.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}${more}</ul></details>`;
    const cls = c.valid ? 'pass' : 'fail';
    return `<tr class="check ${cls}"><td><span class="badge ${cls}">${c.valid ? 'PASS' : 'FAIL'}</span></td><td><b>${escapeHtml(c.name)}</b></td><td>${escapeHtml(c.summary)}${detailHtml}</td></tr>`;
  });
  const headline = failed === 0 ? `All ${checks.length} checks passed.` : `${failed} of ${checks.length} checks failed.`;
  return `<section class="card" id="verdict"><h2>Verdict</h2><p class="${failed === 0 ? 'good' : 'bad'}">${headline}</p>
<table id="verdict-table"><thead><tr><th style="width:90px">Result</th><th style="width:240px">Check</th><th>Summary</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function chartsSection(m: RunMetrics): string {
  const kinds = Object.entries(m.faults.byKind).sort((a, b) => b[1]! - a[1]! || a[0].localeCompare(b[0]));
  const legend = kinds.length === 0
    ? '<span class="muted">no faults injected</span>'
    : kinds.map(([kind, n]) => `<span><i class="swatch" style="background:${withAlpha(faultColor(kind), 0.45)};border:1px solid ${faultColor(kind)}"></i>${escapeHtml(kind)} ×${n}</span>`).join('');
  const heal = `<span><i class="swatch line" style="border-color:${HEAL_COLOR}"></i>heal (faults end, convergence phase starts)</span>`;
  const l = m.latency;
  return `<section class="card" id="charts"><h2>Charts</h2>
<h3>Queue length over time <span class="muted">— all clients, per ${formatMs(m.timeline.bucketMs)} bucket; shaded: fault periods</span></h3>
<div class="chart"><canvas id="chart-queue" aria-label="queue length over time"></canvas></div>
<div class="legend" id="fault-legend">${legend}${heal}</div>
<h3>Server applies per second</h3>
<div class="chart short"><canvas id="chart-applies" aria-label="server applies per second"></canvas></div>
<div class="grid2">
<div><h3>Push-to-ack latency <span class="muted">— p50 ${formatMs(l.p50Ms)} · p95 ${formatMs(l.p95Ms)} · p99 ${formatMs(l.p99Ms)}</span></h3>
<div class="chart"><canvas id="chart-latency" aria-label="latency histogram"></canvas></div></div>
<div><h3>Attempts per acked item <span class="muted">— mean ${formatRatio(m.attempts.meanAttempts)}</span></h3>
<div class="chart"><canvas id="chart-attempts" aria-label="attempts histogram"></canvas></div></div>
</div></section>`;
}

function timelineLegend(): string {
  const ops = [['write', OP_COLORS.write], ['read', OP_COLORS.read], ['failed', OP_COLORS.fail], ['unknown (crash)', OP_COLORS.info]] as const;
  const items = ops.map(([name, color]) => `<span><i class="swatch tick" style="background:${color}"></i>${name}</span>`);
  items.push(`<span><i class="swatch" style="background:${CRASH_COLOR};height:5px"></i>client down</span>`);
  items.push(`<span><i class="swatch diamond"></i>server event</span>`);
  items.push('<span class="muted">fault colours as in the chart legend</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

function detailsSection(m: RunMetrics): string {
  const policies = Object.entries(m.conflicts.byPolicy);
  const outcomes = Object.keys(m.conflicts.byOutcome);
  const conflicts = policies.length === 0
    ? '<p class="muted">No conflicts.</p>'
    : table(['Policy', ...outcomes], policies.map(([policy, counts]) => [escapeHtml(policy), ...outcomes.map((o) => num(counts[o as keyof typeof counts]))]));
  const dead = Object.entries(m.deadLetters.byCode);
  const deadTable = dead.length === 0 ? '<p class="muted">No dead letters.</p>' : table(['Code', 'Items'], dead.map(([code, n]) => [escapeHtml(code), num(n)]));
  const failed = Object.entries(m.requests.failedByOutcome).map(([k, n]) => `${k} ${formatCount(n)}`).join(' · ') || 'none';
  const traffic = table(['Measure', 'Value'], [
    ['Push requests', num(m.requests.pushes)],
    ['Pull requests', num(m.requests.pulls)],
    ['Bytes pushed', formatBytes(m.requests.pushBytes)],
    ['Ops enqueued', num(m.requests.opsEnqueued)],
    ['Failed requests', escapeHtml(failed)],
    ['Batch size mean / max', `${formatRatio(m.batches.meanItems)} / ${m.batches.maxItems}`],
    ['Messages sent / delivered', `${formatCount(m.messages.sent)} / ${formatCount(m.messages.delivered)}`],
    ['Messages dropped / duplicated / refused', `${formatCount(m.messages.dropped)} / ${formatCount(m.messages.duplicated)} / ${formatCount(m.messages.refused)}`],
    ['Queue at end (events / final state)', `${formatCount(m.queue.endDerived)} / ${formatCount(m.queue.endActual)}`],
  ]);
  const faults = faultTable(m.faults.periods, m.faults.periodsOmitted);
  return `<section class="card" id="details"><h2>Details</h2><div class="grid2">
<div><h3>Conflicts by policy and outcome</h3>${conflicts}<h3>Dead letters</h3>${deadTable}</div>
<div><h3>Traffic</h3>${traffic}</div></div>
<h3>Fault periods</h3>${faults}</section>`;
}

const FAULT_ROWS_MAX = 200;

function faultTable(periods: readonly FaultPeriod[], omitted: number): string {
  if (periods.length === 0) return '<p class="muted">No faults.</p>';
  const rows = periods.slice(0, FAULT_ROWS_MAX).map((p) => [
    `<i class="swatch" style="background:${faultColor(p.kind)}"></i>${escapeHtml(p.kind)}`,
    p.client < 0 ? 'server' : `c${p.client}`,
    formatMs(p.startMs),
    formatMs(p.endMs - p.startMs),
    escapeHtml(describeFaultSetting(p.kind, p.param) ?? '—'),
  ]);
  const rest = periods.length - rows.length + omitted;
  const note = rest > 0 ? `<p class="muted">… and ${formatCount(rest)} more.</p>` : '';
  return `<div class="scroll">${table(['Kind', 'Where', 'Start', 'Duration', 'Setting'], rows)}</div>${note}`;
}

function num(n: number | undefined): string {
  return formatCount(n ?? 0);
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

// ---- chart data ---------------------------------------------------------------------------

export interface ChartData {
  /** Time axis unit: the charts' x values are ms ÷ unitMs. */
  readonly unit: 'min' | 's';
  readonly endX: number;
  readonly healX: number | null;
  readonly queue: { readonly x: readonly number[]; readonly last: readonly number[]; readonly max: readonly number[] };
  readonly applies: { readonly x: readonly number[]; readonly perSecond: readonly number[] };
  readonly latency: { readonly labels: readonly string[]; readonly counts: readonly number[] };
  readonly attempts: { readonly labels: readonly string[]; readonly counts: readonly number[] };
  /** Fault periods merged per kind: [startX, endX, kind index]. */
  readonly bands: readonly (readonly [number, number, number])[];
  readonly bandKinds: readonly { readonly kind: string; readonly fill: string; readonly edge: string }[];
}

export function chartData(m: RunMetrics): ChartData {
  const unitMs = m.span.endMs > 180_000 ? 60_000 : 1000;
  const toX = (ms: number): number => Math.round((ms / unitMs) * 1000) / 1000;
  const mid = m.timeline.startsMs.map((start) => toX(Math.min(m.span.endMs, start + m.timeline.bucketMs / 2)));
  const { bands, bandKinds } = faultBands(m.faults.periods, m.span.endMs, toX);
  return {
    unit: unitMs === 60_000 ? 'min' : 's',
    endX: toX(m.span.endMs),
    healX: m.span.healedAtMs > 0 ? toX(m.span.healedAtMs) : null,
    queue: { x: mid, last: m.timeline.queueLast, max: m.timeline.queueMax },
    applies: { x: mid, perSecond: m.timeline.appliesPerSecond.map((v) => Math.round(v * 1000) / 1000) },
    latency: histogramBars(m.latency.histogram),
    attempts: m.attempts.buckets.every((b) => b.count === 0)
      ? { labels: ['no acks'], counts: [0] }
      : {
          labels: m.attempts.buckets.map((b) => (b.orMore ? `≥${b.attempts}` : String(b.attempts))),
          counts: m.attempts.buckets.map((b) => b.count),
        },
    bands,
    bandKinds,
  };
}

/** The histogram's non-empty range as labelled bars (`1s–2s`); one empty bar when there is no sample. */
export function histogramBars(h: Histogram): { labels: string[]; counts: number[] } {
  let first = h.counts.findIndex((n) => n > 0);
  if (first === -1) return { labels: ['no samples'], counts: [0] };
  let last = h.counts.length - 1;
  while (h.counts[last] === 0) last--;
  first = Math.max(0, first);
  const labels: string[] = [];
  const counts: number[] = [];
  for (let i = first; i <= last; i++) {
    const lo = h.edges[i]!;
    const hi = h.edges[i + 1];
    labels.push(hi === undefined ? `≥${formatMsShort(lo)}` : `${formatMsShort(lo)}–${formatMsShort(hi)}`);
    counts.push(h.counts[i]!);
  }
  return { labels, counts };
}

/** Union of each kind's periods, nearby ones merged, so the shading stays light to draw and to ship. */
function faultBands(periods: readonly FaultPeriod[], endMs: number, toX: (ms: number) => number): Pick<ChartData, 'bands' | 'bandKinds'> {
  const kinds = [...new Set(periods.map((p) => p.kind))].sort();
  const kindIndex = new Map<string, number>(kinds.map((kind, i) => [kind, i]));
  let gapMs = 0;
  let merged = mergeBands(periods, gapMs);
  while (merged.length > BANDS_MAX) {
    gapMs = gapMs === 0 ? endMs / 1000 : gapMs * 2;
    merged = mergeBands(periods, gapMs);
  }
  return {
    bands: merged.map((b) => [toX(b.startMs), toX(b.endMs), kindIndex.get(b.kind)!] as const),
    bandKinds: kinds.map((kind) => ({ kind, fill: withAlpha(faultColor(kind), 0.13), edge: withAlpha(faultColor(kind), 0.55) })),
  };
}

function mergeBands(periods: readonly FaultPeriod[], gapMs: number): { kind: string; startMs: number; endMs: number }[] {
  const sorted = [...periods].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.startMs - b.startMs));
  const out: { kind: string; startMs: number; endMs: number }[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === p.kind && p.startMs <= last.endMs + gapMs) last.endMs = Math.max(last.endMs, p.endMs);
    else out.push({ kind: p.kind, startMs: p.startMs, endMs: p.endMs });
  }
  return out;
}

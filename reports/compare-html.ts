// The comparison report: one self-contained HTML file. Header (A and B as engine overrides, or
// as two chaos runs with the seeds on which B took another path; seeds, setup), the tally of verdicts, the metric table (A, B, B − A, 95 % interval, verdict),
// a chart of each metric's change with its interval (right = B better), per-seed p99 latency of
// both sides, checker failures side by side, and the per-seed numbers. Depends only on the CompareFile.

import type { CompareFile, CompareSource, MetricComparison, MetricUnit, SampleSetOrigin } from './compare.ts';
import { escapeHtml, formatBytes, formatCount, formatMs, formatRatio } from './format.ts';
import { factList, htmlTable, inUnit, renderPage, timeUnit } from './sweep-page.ts';

/** Canvas ids of the compare report (tests refer to them). */
export const COMPARE_CHART_IDS = ['chart-ci', 'chart-seeds'] as const;

export interface CompareReportOptions {
  readonly command?: string;
}

export function renderCompareReport(file: CompareFile, options: CompareReportOptions = {}): string {
  const t = file.tally;
  const body = [
    headerSection(file, options),
    summarySection(file),
    metricsSection(file),
    chartsSection(file),
    violationsSection(file),
    perSeedSection(file),
  ].join('\n');
  return renderPage({
    title: `syncstorm compare · ${file.a.label} vs ${file.b.label}`,
    generatedBy: file.generatedBy,
    tone: t.worse > 0 || file.violations.b.total > 0 ? 'bad' : t.better > 0 ? 'good' : 'neutral',
    body,
    data: chartData(file),
    script: CHART_SCRIPT,
  });
}

export function formatValue(unit: MetricUnit, value: number | null): string {
  if (value === null) return '—';
  switch (unit) {
    case 'ms': return formatMs(value);
    case 'bytes': return formatBytes(value);
    case 'ratio': return formatRatio(value);
    case 'per-second': return `${formatRatio(value, 3)} /s`;
    case 'count': return Number.isInteger(value) ? formatCount(value) : formatRatio(value, 2);
  }
}

function signed(unit: MetricUnit, value: number): string {
  if (value === 0) return '0';
  const text = formatValue(unit, Math.abs(value));
  return `${value > 0 ? '+' : '−'}${text}`;
}

function seedList(seeds: readonly number[]): string {
  if (seeds.length === 0) return 'none';
  const contiguous = seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1);
  return contiguous && seeds.length > 2 ? `${seeds[0]}…${seeds[seeds.length - 1]} (${seeds.length})` : seeds.join(', ');
}

function headerSection(file: CompareFile, options: CompareReportOptions): string {
  const facts: [string, string][] = file.source === undefined ? variantFacts(file) : chaosRunFacts(file, file.source);
  const command = options.command === undefined ? '' : `<pre class="cmd" id="compare-command">${escapeHtml(options.command)}</pre>`;
  return `<header class="card head"><div class="title-row"><h1>Compare: ${escapeHtml(file.a.label)} <span class="muted">vs</span> ${escapeHtml(file.b.label)}</h1></div>${factList(facts)}${command}</header>`;
}

/** Two chaos runs' samples (two builds, or two configurations): what each ran, and the seeds on which B took another path. */
function chaosRunFacts(file: CompareFile, source: CompareSource): [string, string][] {
  const s = file.setup;
  const side = (badge: 'a' | 'b', o: SampleSetOrigin): string => `<span class="badge ${badge}">${badge.toUpperCase()}</span> <code>${escapeHtml(o.dir)}</code> <span class="muted">${escapeHtml(`${o.variant} · policy ${o.policy}`)}</span>`;
  const other = source.seedsOnAnotherPath;
  const paths = other.length === 0 ? 'none: both ran every seed alike, event for event (as a refactor should)' : `${formatCount(other.length)} of ${formatCount(s.seeds.length)}: ${seedList(other)}`;
  return [
    ['A', side('a', source.a)],
    ['B', side('b', source.b)],
    ['Seeds (same for both)', escapeHtml(seedList(s.seeds)) + (source.seedsUnpaired > 0 ? ` <span class="muted">(${formatCount(source.seedsUnpaired)} run on one side only, left out)</span>` : '')],
    ['Clients', `${formatCount(s.clients)} <span class="muted">(teams of ${s.teamSize})</span>`],
    ['Chaos phase', formatMs(s.durationMs)],
    ['Scenario', `<code>${escapeHtml(source.a.scenario)}</code>`],
    ['Faults', escapeHtml(source.a.faults)],
    ['Seeds on another path (trace hash differs)', `<span id="compare-other-paths">${escapeHtml(paths)}</span>`],
    ...(source.seedsWithAnotherPlan.length === 0
      ? []
      : [['Seeds with another workload', `<span class="bad" id="compare-other-plans">${escapeHtml(`${formatCount(source.seedsWithAnotherPlan.length)} of ${formatCount(s.seeds.length)} (${seedList(source.seedsWithAnotherPlan)}): B's build plans other ops, faults or clocks for them, so their differences are not the engine's alone`)}</span>`] as [string, string]]),
    ['Intervals', `${Math.round(s.confidence * 100)} % paired bootstrap, ${formatCount(s.resamples)} resamples, seed ${s.statsSeed}`],
  ];
}

/** Two engine variants run here over the same seeds. */
function variantFacts(file: CompareFile): [string, string][] {
  const s = file.setup;
  return [
    ['A', `<span class="badge a">A</span> <code>${escapeHtml(file.a.label)}</code>`],
    ['B', `<span class="badge b">B</span> <code>${escapeHtml(file.b.label)}</code>`],
    ['Seeds (same for both)', escapeHtml(seedList(s.seeds))],
    ['Clients', `${formatCount(s.clients)} <span class="muted">(teams of ${s.teamSize})</span>`],
    ['Chaos phase', formatMs(s.durationMs)],
    ['Workload', `${formatCount(s.opsPerClientPerHour)} ops per client per hour`],
    ['Base engine options', `<code>${escapeHtml(Object.entries(s.baseEngine).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'engine defaults')}</code>`],
    ['Intervals', `${Math.round(s.confidence * 100)} % paired bootstrap, ${formatCount(s.resamples)} resamples, seed ${s.statsSeed}`],
    ['Runs', `${formatCount(s.seeds.length * 2)} in ${formatMs(file.wallMs)} wall`],
  ];
}

function summarySection(file: CompareFile): string {
  const t = file.tally;
  const names = (verdict: MetricComparison['verdict']): string => file.metrics.filter((m) => m.verdict === verdict).map((m) => m.label).join(', ');
  const parts: string[] = [];
  if (t.better > 0) parts.push(`<span class="good">better</span> on ${t.better} (${escapeHtml(names('better'))})`);
  if (t.worse > 0) parts.push(`<span class="bad">worse</span> on ${t.worse} (${escapeHtml(names('worse'))})`);
  parts.push(`no significant difference on ${t.same}`);
  const tone = t.worse > 0 ? ' warn' : t.better > 0 ? '' : ' neutral';
  const v = file.violations;
  const safety = v.a.total === 0 && v.b.total === 0
    ? 'Every checker held on every seed for both.'
    : `Checker violations: A ${formatCount(v.a.total)} on ${v.a.seeds.length} seed${v.a.seeds.length === 1 ? '' : 's'}, B ${formatCount(v.b.total)} on ${v.b.seeds.length} seed${v.b.seeds.length === 1 ? '' : 's'} (see below).`;
  return `<section class="card" id="summary"><h2>Verdict</h2><div class="callout${tone}" id="compare-verdict">B compared with A over ${file.setup.seeds.length} seeds: ${parts.join('; ')}.</div>
<p class="note">${escapeHtml(safety)} A difference is significant when its ${Math.round(file.setup.confidence * 100)} % interval excludes zero; better or worse follows each metric's good direction.</p></section>`;
}

function metricsSection(file: CompareFile): string {
  const head = ['Metric', 'Better', '<span class="badge a">A</span> mean', '<span class="badge b">B</span> mean', 'B − A', `${Math.round(file.setup.confidence * 100)} % interval`, 'Change', 'Verdict'];
  const rows = file.metrics.map((m) => {
    const d = m.difference;
    const badge = m.verdict === 'better' ? 'better' : m.verdict === 'worse' ? 'worse' : 'same';
    const note = m.note === '' ? '' : `<br><span class="muted">${escapeHtml(m.note)}</span>`;
    return [
      `<b>${escapeHtml(m.label)}</b>${note}`,
      m.better === 'lower' ? 'lower' : 'higher',
      formatValue(m.unit, m.a),
      formatValue(m.unit, m.b),
      d === null ? '—' : signed(m.unit, d.estimate),
      d === null ? '—' : `[${signed(m.unit, d.low)}, ${signed(m.unit, d.high)}]`,
      m.relative === null ? '—' : `${m.relative > 0 ? '+' : m.relative < 0 ? '−' : ''}${Math.abs(m.relative * 100).toFixed(1)} %`,
      `<span class="badge ${badge}">${escapeHtml(m.verdict)}</span>`,
    ];
  });
  const classes = file.metrics.map((m) => (m.verdict === 'better' ? 'better' : m.verdict === 'worse' ? 'worse' : ''));
  return `<section class="card" id="metrics"><h2>Metrics</h2>${htmlTable('compare-table', head, rows, classes)}
<p class="note">Per-seed values are averaged; B − A is the mean of the per-seed differences (A and B ran the same workload, faults and clocks on each seed).</p></section>`;
}

function chartsSection(file: CompareFile): string {
  return `<section class="card" id="charts"><h2>Charts</h2><div class="grid2">
<div><h3>Change of each metric, with its interval <span class="muted">— % of the larger mean; right of zero is B better</span></h3>
<div class="chart mid"><canvas id="chart-ci" aria-label="change per metric with confidence interval"></canvas></div>
<div class="legend"><span><i class="dot" style="background:#059669"></i>better</span><span><i class="dot" style="background:#dc2626"></i>worse</span><span><i class="dot" style="background:#9ca3af"></i>no significant difference</span></div></div>
<div><h3>p99 push-to-ack latency per seed</h3>
<div class="chart mid"><canvas id="chart-seeds" aria-label="p99 latency per seed"></canvas></div>
<div class="legend"><span><i class="dot" style="background:#3b82f6"></i>A</span><span><i class="dot" style="background:#f97316"></i>B</span></div></div>
</div></section>`;
}

function violationsSection(file: CompareFile): string {
  const v = file.violations;
  if (v.checkers.length === 0) {
    return `<section class="card" id="violations"><h2>Checker violations, side by side</h2><p class="good" id="violations-none">Every checker held on every seed, for A and for B.</p></section>`;
  }
  const seeds = (list: readonly number[]): string => (list.length === 0 ? '<span class="good">held</span>' : `<span class="bad">failed on ${escapeHtml(list.join(', '))}</span>`);
  const table = htmlTable('violations-table', ['Checker', '<span class="badge a">A</span> seeds', '<span class="badge b">B</span> seeds'], v.checkers.map((c) => [`<b>${escapeHtml(c.name)}</b>`, seeds(c.aSeeds), seeds(c.bSeeds)]));
  const firsts = [...v.a.seeds.map((s) => ['A', s] as const), ...v.b.seeds.map((s) => ['B', s] as const)]
    .slice(0, 40)
    .map(([side, s]) => `<li><span class="badge ${side.toLowerCase()}">${side}</span> seed ${s.seed}: ${escapeHtml(s.first)}</li>`)
    .join('');
  return `<section class="card" id="violations"><h2>Checker violations, side by side</h2>${table}<h3>First violation per failing seed</h3><ul class="note">${firsts}</ul></section>`;
}

function perSeedSection(file: CompareFile): string {
  const head = ['Seed', 'p99 A', 'p99 B', 'bytes/op A', 'bytes/op B', 'conflicts A', 'conflicts B', 'convergence A', 'convergence B', 'violations A', 'violations B'];
  const conv = (ms: number | null): string => (ms === null ? '<span class="bad">no</span>' : formatMs(ms));
  const rows = file.perSeed.map(({ seed, a, b }) => [
    String(seed), formatMs(a.p99Ms), formatMs(b.p99Ms), formatBytes(a.bytesPerOp), formatBytes(b.bytesPerOp),
    formatCount(a.conflicts), formatCount(b.conflicts), conv(a.convergenceMs), conv(b.convergenceMs), formatCount(a.violations), formatCount(b.violations),
  ]);
  return `<section class="card" id="per-seed"><details><summary><b>Per-seed numbers</b> <span class="muted">(${file.perSeed.length} seeds)</span></summary><div class="scroll">${htmlTable('per-seed-table', head, rows)}</div></details></section>`;
}

export interface CompareChartData {
  readonly metrics: readonly { readonly label: string; readonly estimate: number; readonly low: number; readonly high: number; readonly verdict: string; readonly text: string }[];
  /** Half-width of the change axis in %: a round value, at most CHANGE_AXIS_PCT_MAX (longer intervals are cut at the edge). */
  readonly extentPct: number;
  readonly seeds: readonly number[];
  /** Per-seed p99 ÷ the unit below; log scale when they span a wide range. */
  readonly p99A: readonly (number | null)[];
  readonly p99B: readonly (number | null)[];
  readonly p99Unit: string;
  readonly p99Log: boolean;
}

const CHANGE_AXIS_STEPS_PCT = [5, 10, 20, 25, 50, 100] as const;

/**
 * Each metric's difference as % of the larger of |A| and |B| means (so 0 → n still plots), signed
 * so that positive means B is better; an all-zero metric plots as a zero-width interval at 0.
 */
export function chartData(file: CompareFile): CompareChartData {
  const pct = (x: number): number => Math.round(x * 10) / 10;
  const metrics = file.metrics.flatMap((m) => {
    if (m.difference === null) return [];
    const scale = Math.max(Math.abs(m.a ?? 0), Math.abs(m.b ?? 0));
    const sign = m.better === 'lower' ? -1 : 1;
    const rel = (x: number): number => (scale === 0 ? 0 : pct((sign * 100 * x) / scale));
    const [low, high] = [rel(m.difference.low), rel(m.difference.high)].sort((x, y) => x - y) as [number, number];
    const text = `B − A ${signed(m.unit, m.difference.estimate)} [${signed(m.unit, m.difference.low)}, ${signed(m.unit, m.difference.high)}]`;
    return [{ label: m.label, estimate: rel(m.difference.estimate), low, high, verdict: m.verdict, text }];
  });
  const widest = Math.max(0, ...metrics.map((m) => Math.max(Math.abs(m.low), Math.abs(m.high))));
  const extentPct = CHANGE_AXIS_STEPS_PCT.find((step) => step >= widest) ?? CHANGE_AXIS_STEPS_PCT[CHANGE_AXIS_STEPS_PCT.length - 1]!;
  const p99s = file.perSeed.flatMap((s) => [s.a.p99Ms, s.b.p99Ms]).filter((v): v is number => v !== null);
  const unit = timeUnit(Math.max(0, ...p99s));
  const positive = p99s.filter((v) => v > 0);
  const p99Log = positive.length > 1 && Math.max(...positive) / Math.min(...positive) >= 50;
  const scaled = (v: number | null): number | null => (v === null ? null : inUnit(v, unit.ms));
  return {
    metrics,
    extentPct,
    seeds: file.perSeed.map((s) => s.seed),
    p99A: file.perSeed.map((s) => scaled(s.a.p99Ms)),
    p99B: file.perSeed.map((s) => scaled(s.b.p99Ms)),
    p99Unit: unit.name,
    p99Log,
  };
}

const CHART_SCRIPT = `
    var colorOf = function (verdict, alpha) {
      if (verdict === 'better') return 'rgba(5,150,105,' + alpha + ')';
      if (verdict === 'worse') return 'rgba(220,38,38,' + alpha + ')';
      return 'rgba(107,114,128,' + alpha + ')';
    };
    var ms = data.metrics;
    var zeroLine = {
      id: 'zeroLine',
      beforeDatasetsDraw: function (chart) {
        var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx, px = x.getPixelForValue(0);
        ctx.save();
        ctx.strokeStyle = '#111827';
        ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.restore();
      }
    };
    var extent = data.extentPct;
    new Chart(document.getElementById('chart-ci'), {
      type: 'bar',
      plugins: [zeroLine],
      data: {
        labels: ms.map(function (d) { return d.label; }),
        datasets: [
          { type: 'bar', label: 'interval', data: ms.map(function (d) { return d.low === d.high ? [d.low - extent * 0.004, d.high + extent * 0.004] : [d.low, d.high]; }),
            backgroundColor: ms.map(function (d) { return colorOf(d.verdict, 0.28); }), borderColor: ms.map(function (d) { return colorOf(d.verdict, 0.9); }),
            borderWidth: 1, borderSkipped: false, borderRadius: 3, barPercentage: 0.55, categoryPercentage: 0.9 },
          { type: 'scatter', label: 'estimate', data: ms.map(function (d, i) { return { x: d.estimate, y: d.label }; }),
            backgroundColor: ms.map(function (d) { return colorOf(d.verdict, 1); }), borderColor: '#fff', borderWidth: 1.5, pointRadius: 6, pointStyle: 'rectRot' }
        ]
      },
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) { var d = ms[ctx.dataIndex]; return [d.text, 'change ' + d.estimate + ' % (+ = B better)', d.verdict]; } } } },
        scales: {
          x: { type: 'linear', min: -extent, max: extent, title: { display: true, text: '← B worse   ·   change, % of the larger mean   ·   B better →' }, ticks: { stepSize: extent / 2, maxRotation: 0, callback: function (v) { return (v > 0 ? '+' : '') + v + '%'; } } },
          y: { type: 'category', grid: { display: false } }
        }
      }
    });
    new Chart(document.getElementById('chart-seeds'), {
      type: 'bar',
      data: {
        labels: data.seeds.map(function (s) { return 'seed ' + s; }),
        datasets: [
          { label: 'A', data: data.p99A, backgroundColor: '#3b82f6', borderRadius: 3, maxBarThickness: 28 },
          { label: 'B', data: data.p99B, backgroundColor: '#f97316', borderRadius: 3, maxBarThickness: 28 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ': p99 ' + (ctx.raw === null ? '—' : ctx.raw + ' ' + data.p99Unit); } } } },
        scales: {
          x: { grid: { display: false } },
          y: { type: data.p99Log ? 'logarithmic' : 'linear', beginAtZero: !data.p99Log, ticks: data.p99Log ? { autoSkip: false, callback: logTick } : {}, title: { display: true, text: 'p99 push-to-ack latency (' + data.p99Unit + (data.p99Log ? ', log scale' : '') + ')' } }
        }
      }
    });
`;

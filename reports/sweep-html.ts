// The sweep report: one self-contained HTML file. Header (parameters, seeds, setup), the
// recommendation in one sentence, a scatter of throughput against p99 latency with bytes per
// op as the point size and the Pareto front highlighted and joined, the table of every
// combination, and the checkers that failed where any did. Output depends only on the SweepFile.

import { escapeHtml, formatBytes, formatCount, formatMs, formatRatio } from './format.ts';
import type { SweepCombination, SweepFile } from './sweep.ts';
import { P99_TOLERANCE, paretoFront } from './sweep.ts';
import { factList, htmlTable, inUnit, renderPage, timeUnit } from './sweep-page.ts';

/** Canvas ids of the sweep report (tests refer to them). */
export const SWEEP_CHART_IDS = ['chart-sweep'] as const;
/** Points labelled on the chart at most (Pareto points are always labelled). */
const POINT_LABELS_MAX = 24;
const RADIUS_MIN_PX = 3;
const RADIUS_MAX_PX = 18;

export interface SweepReportOptions {
  /** The command that produced the sweep, shown in the header. */
  readonly command?: string;
}

export function renderSweepReport(file: SweepFile, options: SweepReportOptions = {}): string {
  const unsafe = file.combinations.some((c) => c.violations > 0);
  const body = [
    headerSection(file, options),
    recommendationSection(file),
    chartSection(file),
    tableSection(file),
    violationsSection(file),
  ].join('\n');
  return renderPage({
    title: `syncstorm sweep · ${file.combinations.length} settings × ${file.setup.seeds.length} seeds`,
    generatedBy: file.generatedBy,
    tone: unsafe ? 'bad' : 'good',
    body,
    data: chartData(file),
    script: CHART_SCRIPT,
  });
}

function seedRange(seeds: readonly number[]): string {
  if (seeds.length === 0) return 'none';
  const contiguous = seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1);
  return contiguous && seeds.length > 2 ? `${seeds[0]}…${seeds[seeds.length - 1]} (${seeds.length})` : seeds.join(', ');
}

function headerSection(file: SweepFile, options: SweepReportOptions): string {
  const s = file.setup;
  const params = s.params.map((p) => `<code>${escapeHtml(p.name)}</code> = ${p.values.map((v) => escapeHtml(String(v))).join(', ')}`).join('<br>');
  const base = Object.entries(s.baseEngine).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'engine defaults';
  const facts: [string, string][] = [
    ['Parameters', params],
    ['Settings', `${file.combinations.length} combinations`],
    ['Seeds', escapeHtml(seedRange(s.seeds))],
    ['Clients', `${formatCount(s.clients)} <span class="muted">(teams of ${s.teamSize})</span>`],
    ['Chaos phase', formatMs(s.durationMs)],
    ['Workload', `${formatCount(s.opsPerClientPerHour)} ops per client per hour`],
    ['Base engine options', `<code>${escapeHtml(base)}</code>`],
    ['Runs', `${formatCount(file.combinations.length * s.seeds.length)} in ${formatMs(file.wallMs)} wall`],
  ];
  const command = options.command === undefined ? '' : `<pre class="cmd" id="sweep-command">${escapeHtml(options.command)}</pre>`;
  return `<header class="card head"><div class="title-row"><h1>Sweep: ${escapeHtml(s.params.map((p) => p.name).join(' × '))}</h1></div>${factList(facts)}${command}</header>`;
}

function recommendationSection(file: SweepFile): string {
  const r = file.recommendation;
  const content = r === null
    ? '<div class="callout warn">No recommendation: no combination produced a usable measurement.</div>'
    : `<div class="callout${file.combinations[r.index]!.violations > 0 ? ' warn' : ''}" id="recommendation-reason">${escapeHtml(r.reason).replace(escapeHtml(r.label), `<b class="setting">${escapeHtml(r.label)}</b>`)}</div>`;
  const rule = `Rule: among the Pareto-optimal settings (no other setting has at least their throughput with at most their p99 and bytes per op, and is better on one of them) that had no checker violation, take those whose p99 is within ${Math.round(P99_TOLERANCE * 100)} % of the best, then the highest throughput.`;
  return `<section class="card" id="recommendation"><h2>Recommendation</h2>${content}<p class="note">${rule}</p></section>`;
}

function chartSection(file: SweepFile): string {
  const legend = [
    '<span><i class="dot" style="background:#059669;border:2px solid #064e3b"></i>recommended</span>',
    '<span><i class="dot" style="background:#f59e0b;border:2px solid #b45309"></i>Pareto-optimal</span>',
    '<span><i class="dot" style="background:rgba(100,116,139,.35);border:1px solid #64748b"></i>dominated</span>',
    '<span><i class="dot" style="background:#fff;border:2px solid #dc2626"></i>red ring: checker violations</span>',
    '<span class="muted">point size: bytes pushed per op</span>',
  ].join('');
  return `<section class="card" id="charts"><h2>Throughput against p99 latency</h2>
<p class="note">Each point is one setting, averaged over ${file.setup.seeds.length} seeds. Up and to the left is better; smaller points push fewer bytes per op. Highlighted: the Pareto front over all three (throughput, p99, bytes); the dashed line joins the settings best on throughput and p99 alone.</p>
<div class="chart"><canvas id="chart-sweep" aria-label="throughput against p99 latency"></canvas></div>
<div class="legend">${legend}</div></section>`;
}

function range(a: SweepCombination['p99Ms'], format: (v: number | null) => string): string {
  if (a.n <= 1 || a.min === a.max) return '';
  return `<br><span class="muted">${format(a.min)} – ${format(a.max)}</span>`;
}

function tableSection(file: SweepFile): string {
  const params = file.setup.params;
  const head = ['#', ...params.map((p) => escapeHtml(p.name)), '<span title="acked items per simulated second">throughput /s</span>', 'p99 latency', 'bytes / op', 'requests / op', 'violations', 'front'];
  const rows = file.combinations.map((c) => [
    String(c.index + 1),
    ...params.map((p) => `<code>${escapeHtml(String((c.engine as Record<string, unknown>)[p.name]))}</code>`),
    `${formatRatio(c.throughputPerS.mean, 3)}${range(c.throughputPerS, (v) => formatRatio(v, 3))}`,
    `${formatMs(c.p99Ms.mean)}${range(c.p99Ms, formatMs)}`,
    formatBytes(c.bytesPerOp.mean),
    formatRatio(c.requestsPerOp.mean),
    c.violations === 0 ? '<span class="good">0</span>' : `<span class="bad">${formatCount(c.violations)}</span> <span class="muted">(${c.failingSeeds.length} seed${c.failingSeeds.length === 1 ? '' : 's'})</span>`,
    [c.recommended ? '<span class="badge star">★ recommended</span>' : '', c.pareto ? '<span class="badge pareto">Pareto</span>' : ''].filter((x) => x !== '').join(' '),
  ]);
  const classes = file.combinations.map((c) => [c.pareto ? 'pareto' : '', c.recommended ? 'recommended' : ''].join(' ').trim());
  return `<section class="card" id="table"><h2>Every setting</h2>
<p class="note">Means over seeds (the smallest – largest seed below when they differ). Throughput: acked items ÷ simulated seconds of the run (chaos phase plus convergence). p99: push-to-ack latency per seed, nearest rank.</p>
${htmlTable('sweep-table', head, rows, classes)}</section>`;
}

function violationsSection(file: SweepFile): string {
  const failing = file.combinations.filter((c) => c.violations > 0);
  if (failing.length === 0) return `<section class="card" id="violations"><h2>Checker violations</h2><p class="good">Every checker held on every seed of every setting.</p></section>`;
  const rows = failing.flatMap((c) => Object.entries(c.failedCheckers).map(([name, seeds]) => [escapeHtml(c.label), `<b>${escapeHtml(name)}</b>`, escapeHtml(seeds.join(', '))]));
  return `<section class="card" id="violations"><h2>Checker violations</h2><p class="bad">${failing.length} of ${file.combinations.length} settings failed a checker; replay a seed with <code>syncstorm run --seed N</code> and the setting to see why.</p>${htmlTable('violations-table', ['Setting', 'Checker', 'Seeds'], rows)}</section>`;
}

interface SweepPoint {
  readonly x: number;
  readonly y: number;
  readonly r: number;
  /** `#3 batchItemsMax=5 · backoffBaseMs=1000`, plus `(= #5, #7)` for settings measured identically. */
  readonly label: string;
  readonly bytes: string;
  readonly p99: string;
  readonly requests: string;
  readonly violations: number;
  readonly showLabel: boolean;
}

export interface SweepChartData {
  readonly logX: boolean;
  /** The x values' unit (p99 ÷ this unit). */
  readonly xUnit: string;
  readonly recommended: readonly SweepPoint[];
  readonly pareto: readonly SweepPoint[];
  readonly dominated: readonly SweepPoint[];
  /** The throughput-vs-p99 front (ignoring bytes) by increasing p99, for the dashed line. */
  readonly front: readonly { readonly x: number; readonly y: number }[];
}

/**
 * Point area is proportional to bytes per op (radius ∝ √bytes, the largest RADIUS_MAX_PX), so
 * sizes compare honestly. Settings with identical numbers are drawn once, their numbers listed.
 */
export function chartData(file: SweepFile): SweepChartData {
  const measured = file.combinations.filter((c) => c.p99Ms.mean !== null && c.throughputPerS.mean !== null);
  const bytesMax = Math.max(1, ...measured.map((c) => c.bytesPerOp.mean ?? 0));
  const p99s = measured.map((c) => c.p99Ms.mean!);
  const unit = timeUnit(Math.max(0, ...p99s));
  const logX = p99s.length > 1 && Math.min(...p99s) > 0 && Math.max(...p99s) / Math.min(...p99s) >= 20;
  const key = (c: SweepCombination): string => [c.p99Ms.mean, c.throughputPerS.mean, c.bytesPerOp.mean].join('|');
  const groups = new Map<string, SweepCombination[]>();
  for (const c of measured) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
  const labelAll = groups.size <= POINT_LABELS_MAX;
  // The drawn point of a group is its recommended member, else its first.
  const drawn = [...groups.values()].map((members) => members.find((c) => c.recommended) ?? members[0]!);
  const point = (c: SweepCombination): SweepPoint => {
    const others = groups.get(key(c))!.filter((o) => o !== c).map((o) => `#${o.index + 1}`);
    return {
      x: inUnit(c.p99Ms.mean!, unit.ms),
      y: Number(c.throughputPerS.mean!.toPrecision(6)),
      r: Math.max(RADIUS_MIN_PX, Math.round(RADIUS_MAX_PX * Math.sqrt(Math.max(0, c.bytesPerOp.mean ?? 0) / bytesMax) * 10) / 10),
      label: `#${c.index + 1} ${c.label}${others.length === 0 ? '' : ` (= ${others.join(', ')})`}`,
      bytes: formatBytes(c.bytesPerOp.mean),
      p99: formatMs(c.p99Ms.mean),
      requests: formatRatio(c.requestsPerOp.mean),
      violations: c.violations,
      showLabel: labelAll || c.pareto,
    };
  };
  // The line: the front in this plot's two dimensions (bytes left out), as a staircase a reader expects.
  const plane = measured.map((c) => ({ throughputPerS: c.throughputPerS.mean, p99Ms: c.p99Ms.mean, bytesPerOp: 0 }));
  const front = paretoFront(plane).map((i) => ({ x: inUnit(measured[i]!.p99Ms.mean!, unit.ms), y: Number(measured[i]!.throughputPerS.mean!.toPrecision(6)) })).sort((a, b) => a.x - b.x || b.y - a.y);
  return {
    logX,
    xUnit: unit.name,
    recommended: drawn.filter((c) => c.recommended).map(point),
    pareto: drawn.filter((c) => c.pareto && !c.recommended).map(point),
    dominated: drawn.filter((c) => !c.pareto).map(point),
    front,
  };
}

/** Draws the scatter; labels sit to the right of their point (left when near the right edge). */
const CHART_SCRIPT = `
    var labels = {
      id: 'pointLabels',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, area = chart.chartArea;
        ctx.save();
        ctx.font = '11.5px ' + Chart.defaults.font.family;
        ctx.textBaseline = 'middle';
        chart.data.datasets.forEach(function (ds, di) {
          if (ds.type === 'line') return;
          var meta = chart.getDatasetMeta(di);
          meta.data.forEach(function (el, i) {
            var p = ds.data[i];
            if (!p.showLabel) return;
            var text = p.label, w = ctx.measureText(text).width, gap = p.r + 5;
            var left = el.x + gap + w > area.right;
            var tx = left ? el.x - gap - w : el.x + gap;
            ctx.fillStyle = 'rgba(255,255,255,0.85)';
            ctx.fillRect(tx - 2, el.y - 8, w + 4, 16);
            ctx.fillStyle = ds.labelColor;
            ctx.fillText(text, tx, el.y);
          });
        });
        ctx.restore();
      }
    };
    var ring = function (points, normal) { return points.map(function (p) { return p.violations > 0 ? '#dc2626' : normal; }); };
    var bubble = function (label, points, fill, border, width, labelColor) {
      return { type: 'bubble', label: label, data: points, clip: false, backgroundColor: fill, borderColor: ring(points, border), borderWidth: width, labelColor: labelColor, hoverBorderWidth: width + 1 };
    };
    new Chart(document.getElementById('chart-sweep'), {
      data: { datasets: [
        { type: 'line', label: 'throughput / p99 front', data: data.front, borderColor: 'rgba(180,83,9,0.55)', borderDash: [6, 5], borderWidth: 1.5, pointRadius: 0, fill: false, order: 3 },
        bubble('dominated', data.dominated, 'rgba(100,116,139,0.30)', '#64748b', 1, '#6b7280'),
        bubble('Pareto-optimal', data.pareto, 'rgba(245,158,11,0.75)', '#b45309', 2, '#92400e'),
        bubble('recommended', data.recommended, 'rgba(5,150,105,0.85)', '#064e3b', 3, '#065f46')
      ] },
      plugins: [labels],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        layout: { padding: { top: 24, right: 24, left: 8, bottom: 4 } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            label: function (ctx) {
              var p = ctx.raw;
              if (!p || !p.label) return '';
              return [p.label, 'throughput ' + p.y + ' acked/s', 'p99 ' + p.p99, p.bytes + '/op · ' + p.requests + ' requests/op', p.violations + ' violations'];
            }
          } }
        },
        scales: {
          x: { type: data.logX ? 'logarithmic' : 'linear', grace: '8%', ticks: data.logX ? { autoSkip: false, callback: logTick } : {}, title: { display: true, text: 'p99 push-to-ack latency (' + data.xUnit + ', mean over seeds) — lower is better' } },
          y: { grace: '12%', title: { display: true, text: 'throughput (acked items / simulated s) — higher is better' } }
        }
      }
    });
`;

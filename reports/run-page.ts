// The run report's page assets (html.ts writes the markup): its stylesheet, and the script
// that draws its four charts from the inline JSON. Moved out of html.ts to keep it readable.

import { BASE_PAGE_STYLE, CHART_DEFAULTS_JS } from './chartjs.ts';
import { HEAL_COLOR } from './palette.ts';

const MONO = `ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace`;

export const RUN_REPORT_STYLE = BASE_PAGE_STYLE + `
body.verdict-pass { border-top: 6px solid #059669; } body.verdict-fail { border-top: 6px solid #dc2626; } body.verdict-none { border-top: 6px solid #9ca3af; }
h2 + h3 { margin-top: 4px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px 24px; margin: 0 0 10px; }
.fact dt, .fact.wide dt { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; }
.fact dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.fact.wide { margin-top: 10px; }
code, pre { font-family: ${MONO}; font-size: 13px; }
pre { margin: 0; }
.replay { background: #111827; color: #e5e7eb; padding: 9px 14px; border-radius: 7px; overflow-x: auto; margin-top: 3px; }
.muted { color: var(--muted); font-weight: 400; }
.good { color: #047857; font-weight: 600; } .bad { color: #b91c1c; font-weight: 600; }
.note { color: #4b5563; font-size: 13.5px; margin: 0 0 8px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-weight: 700; font-size: 12px; letter-spacing: .06em; }
.badge.big { font-size: 15px; padding: 4px 16px; }
.badge.pass { background: #d1fae5; color: #065f46; } .badge.fail { background: #fee2e2; color: #991b1b; } .badge.none { background: #e5e7eb; color: #374151; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 9px 12px; }
.tile .k { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; }
.tile .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.35; }
.tile .sub { color: #4b5563; font-size: 12px; }
.chart { position: relative; height: 280px; } .chart.short { height: 200px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
td { font-variant-numeric: tabular-nums; }
tr.check.fail td { background: #fef2f2; }
td.none-run { color: var(--muted); font-style: italic; padding: 10px; }
details summary { cursor: pointer; color: #374151; font-size: 13px; margin-top: 4px; }
details ul { margin: 4px 0 0; padding-left: 20px; font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; color: #374151; margin: 8px 0 4px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -1px; margin-right: 6px; }
.swatch.tick { width: 3px; height: 12px; border-radius: 0; }
.swatch.line { width: 14px; height: 0; border-top: 2px dashed; border-radius: 0; vertical-align: 3px; }
.swatch.diamond { width: 9px; height: 9px; background: #111827; transform: rotate(45deg); border-radius: 1px; }
.timeline-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 4px 0; }
.scroll { max-height: 320px; overflow-y: auto; }
pre.config { background: #f9fafb; border: 1px solid var(--line); padding: 12px 14px; border-radius: 8px; overflow: auto; font-size: 12.5px; line-height: 1.45; }
footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 18px; }
@media (max-width: 800px) { .grid2 { grid-template-columns: 1fr; } }
`;

/**
 * Runs in the page: reads the JSON, draws the four charts. Fault periods are shaded by a
 * small inline plugin (translucent boxes behind the data, a dashed line at the heal).
 * Sets document.body.dataset.chartsReady ('yes' or the error) for tests and screenshots, and
 * chartsDrawnMs / paintedMs (ms since navigation start) for the render benchmark.
 */
export const RUN_REPORT_SCRIPT = `
(function () {
  'use strict';
  var ready = function (value) { document.body.setAttribute('data-charts-ready', value); };
  try {
    if (typeof Chart === 'undefined') throw new Error('chart.js did not load');
    var data = JSON.parse(document.getElementById('report-data').textContent);
${CHART_DEFAULTS_JS}
    var unitLabel = data.unit === 'min' ? 'simulated time (min)' : 'simulated time (s)';
    var shading = {
      id: 'faultShading',
      beforeDatasetsDraw: function (chart) {
        var area = chart.chartArea, x = chart.scales.x, ctx = chart.ctx;
        ctx.save();
        ctx.beginPath();
        ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
        ctx.clip();
        for (var i = 0; i < data.bands.length; i++) {
          var b = data.bands[i], k = data.bandKinds[b[2]];
          var x0 = x.getPixelForValue(b[0]), x1 = x.getPixelForValue(b[1]);
          var w = Math.max(1.5, x1 - x0);
          ctx.fillStyle = k.fill;
          ctx.fillRect(x0, area.top, w, area.bottom - area.top);
          ctx.fillStyle = k.edge;
          ctx.fillRect(x0, area.top, w, 4);
        }
        if (data.healX !== null) {
          var hx = x.getPixelForValue(data.healX);
          ctx.strokeStyle = ${JSON.stringify(HEAL_COLOR)};
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(hx, area.top);
          ctx.lineTo(hx, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = ${JSON.stringify(HEAL_COLOR)};
          ctx.font = '11px ' + Chart.defaults.font.family;
          ctx.fillText('heal', hx + 4, area.top + 16);
        }
        ctx.restore();
      }
    };
    var points = function (xs, ys) { return xs.map(function (x, i) { return { x: x, y: ys[i] }; }); };
    var timeScales = function (yTitle, precision) {
      return {
        x: { type: 'linear', min: 0, max: data.endX, title: { display: true, text: unitLabel }, grid: { display: false }, ticks: { includeBounds: false } },
        y: { beginAtZero: true, title: { display: true, text: yTitle }, ticks: precision === null ? {} : { precision: precision } }
      };
    };
    var common = { responsive: true, maintainAspectRatio: false, animation: false, normalized: true,
      interaction: { mode: 'index', intersect: false } };
    var merge = function (a, b) { var o = {}; for (var k in a) o[k] = a[k]; for (var j in b) o[j] = b[j]; return o; };

    new Chart(document.getElementById('chart-queue'), {
      type: 'line',
      plugins: [shading],
      data: { datasets: [
        { label: 'highest in bucket', data: points(data.queue.x, data.queue.max), borderColor: 'rgba(37,99,235,0.35)', backgroundColor: 'rgba(37,99,235,0.12)', fill: 'origin', borderWidth: 1, pointRadius: 0, stepped: 'middle' },
        { label: 'at bucket end', data: points(data.queue.x, data.queue.last), borderColor: '#1d4ed8', borderWidth: 2, pointRadius: 0, stepped: 'middle', fill: false }
      ] },
      options: merge(common, { scales: timeScales('items queued', 0) })
    });
    new Chart(document.getElementById('chart-applies'), {
      type: 'line',
      plugins: [shading],
      data: { datasets: [
        { label: 'server applies / s', data: points(data.applies.x, data.applies.perSecond), borderColor: '#7c3aed', backgroundColor: 'rgba(124,58,237,0.15)', fill: 'origin', borderWidth: 1.5, pointRadius: 0, stepped: 'middle' }
      ] },
      options: merge(common, { scales: timeScales('applies / s', null), plugins: { legend: { display: false } } })
    });
    var bars = function (id, labels, counts, color, xTitle) {
      new Chart(document.getElementById(id), {
        type: 'bar',
        data: { labels: labels, datasets: [{ label: 'items', data: counts, backgroundColor: color, borderRadius: 3, maxBarThickness: 48 }] },
        options: merge(common, {
          plugins: { legend: { display: false } },
          scales: { x: { title: { display: true, text: xTitle }, grid: { display: false } }, y: { beginAtZero: true, title: { display: true, text: 'items' }, ticks: { precision: 0 } } }
        })
      });
    };
    bars('chart-latency', data.latency.labels, data.latency.counts, '#0d9488', 'push → ack latency (log buckets)');
    bars('chart-attempts', data.attempts.labels, data.attempts.counts, '#ea580c', 'attempts until ack');
    // Render marks for the benchmark (ms since navigation start): charts drawn (animation is off,
    // so chart.js drew them synchronously), then the first frame painted after that.
    document.body.setAttribute('data-charts-drawn-ms', performance.now().toFixed(1));
    requestAnimationFrame(function () { requestAnimationFrame(function () { document.body.setAttribute('data-painted-ms', performance.now().toFixed(1)); }); });
    ready('yes');
  } catch (error) {
    ready('error: ' + (error && error.message ? error.message : String(error)));
    throw error;
  }
})();
`;

// The per-client timeline of the report: for the first few clients, one row each with three
// lanes (ops, faults, crashes), plus a server row, drawn as inline SVG. buildTimeline is one
// pure pass over the history; ops are binned into pixel columns (worst outcome wins), so the
// SVG's size is bounded by clients × columns whatever the run's length. buildTimelineSlice
// draws the same for chosen clients over a time window (a counterexample's slice), with the
// violating ops ringed.

import type { DownCause, History } from '../sim/history.ts';
import type { FaultPeriod } from './metrics-schema.ts';
import { escapeHtml, formatClockShort, formatClockTick, formatCount, formatMs, niceTimeStepMs } from './format.ts';
import { CRASH_COLOR, faultColor, HEAL_COLOR, OP_COLORS, VIOLATION_COLOR } from './palette.ts';
import { faultSettingSuffix } from './fault-setting.ts';

export const TIMELINE_CLIENTS_MAX = 30;
export const TIMELINE_COLUMNS = 900;

/** Column marks, from least to most notable: a column shows its most notable op. */
export const OpMark = { None: 0, Read: 1, Write: 2, Fail: 3, Info: 4 } as const;
export type OpMark = (typeof OpMark)[keyof typeof OpMark];

export interface ClientLane {
  readonly client: number;
  /** marks[col] for col in 0..columns-1. */
  readonly marks: Uint8Array;
  readonly opCount: number;
  readonly faults: readonly FaultPeriod[];
  /** Each time its engine was down (sim/history.ts DownCause: a crash, a rebuild, a close, a failed start), until the restart. */
  readonly down: readonly { readonly startMs: number; readonly endMs: number; readonly cause: DownCause; readonly detail: string }[];
  /** Ops to ring in red (a counterexample's violating ops); empty in the full timeline. */
  readonly highlights: readonly { readonly t: number; readonly label: string }[];
}

export interface Timeline {
  /** The window drawn: [startMs, endMs] of true time (startMs 0 for the whole run). */
  readonly startMs: number;
  readonly endMs: number;
  readonly healedAtMs: number;
  readonly columns: number;
  readonly clientsTotal: number;
  readonly lanes: readonly ClientLane[];
  readonly serverFaults: readonly FaultPeriod[];
  readonly serverEvents: readonly { readonly t: number; readonly action: string; readonly epoch: string }[];
}

export function buildTimeline(history: History, faultPeriods: readonly FaultPeriod[], endMs: number, clientsMax = TIMELINE_CLIENTS_MAX, columns = TIMELINE_COLUMNS): Timeline {
  const clientsTotal = Math.max(history.clients.length, highestClient(history) + 1);
  const clients = Array.from({ length: Math.min(clientsMax, clientsTotal) }, (_, i) => i);
  return collectLanes(history, faultPeriods, { clients, startMs: 0, endMs, columns, clientsTotal, highlightOps: new Set() });
}

export interface TimelineSliceOptions {
  readonly clients: readonly number[];
  readonly startMs: number;
  readonly endMs: number;
  /** Keys `client/opId` of the ops to ring. */
  readonly highlightOps: ReadonlySet<string>;
  readonly columns?: number;
}

/** The timeline of a few chosen clients over [startMs, endMs] (a counterexample's slice). */
export function buildTimelineSlice(history: History, faultPeriods: readonly FaultPeriod[], options: TimelineSliceOptions): Timeline {
  const clientsTotal = Math.max(history.clients.length, highestClient(history) + 1);
  return collectLanes(history, faultPeriods, { ...options, columns: options.columns ?? TIMELINE_COLUMNS, clientsTotal });
}

interface LaneOptions {
  readonly clients: readonly number[];
  readonly startMs: number;
  readonly endMs: number;
  readonly columns: number;
  readonly clientsTotal: number;
  readonly highlightOps: ReadonlySet<string>;
}

function collectLanes(history: History, faultPeriods: readonly FaultPeriod[], o: LaneOptions): Timeline {
  const { startMs, endMs, columns } = o;
  const rowOf = new Map<number, number>(o.clients.map((client, row) => [client, row]));
  const shown = o.clients.length;
  const marks = Array.from({ length: shown }, () => new Uint8Array(columns));
  const opCounts = new Array<number>(shown).fill(0);
  const down = Array.from({ length: shown }, () => [] as { startMs: number; endMs: number; cause: DownCause; detail: string }[]);
  const highlights = Array.from({ length: shown }, () => [] as { t: number; label: string }[]);
  const crashedAt = new Map<number, { t: number; cause: DownCause; detail: string }>();
  const openOps = new Map<number, { row: number; column: number }>();
  const serverEvents: { t: number; action: string; epoch: string }[] = [];
  const spanMs = Math.max(1, endMs - startMs);
  const columnOf = (t: number): number => Math.min(columns - 1, Math.max(0, Math.floor(((t - startMs) / spanMs) * columns)));
  const inWindow = (t: number): boolean => t >= startMs && t <= endMs;
  const mark = (row: number, column: number, value: OpMark): void => {
    const lane = marks[row]!;
    if (value > lane[column]!) lane[column] = value;
  };
  history.events.select(['server', 'invoke', 'complete', 'crash', 'restart'], (e) => {
    if (e.type === 'server' && inWindow(e.t)) serverEvents.push({ t: e.t, action: e.action, epoch: e.epoch });
    if (!('client' in e)) return;
    const row = rowOf.get(e.client);
    if (row === undefined) return;
    if (e.type === 'invoke') {
      if (!inWindow(e.t)) return;
      opCounts[row]!++;
      const column = columnOf(e.t);
      mark(row, column, e.action === 'read' ? OpMark.Read : OpMark.Write);
      openOps.set(e.opId, { row, column });
      if (o.highlightOps.has(`${e.client}/${e.opId}`)) highlights[row]!.push({ t: e.t, label: `${e.action} ${e.entityId} (op ${e.opId})` });
    } else if (e.type === 'complete') {
      const op = openOps.get(e.opId);
      openOps.delete(e.opId);
      if (op !== undefined && e.outcome !== 'ok') mark(op.row, op.column, e.outcome === 'fail' ? OpMark.Fail : OpMark.Info);
    } else if (e.type === 'crash') {
      if (!crashedAt.has(e.client)) crashedAt.set(e.client, { t: e.t, cause: e.cause, detail: e.detail });
    } else if (e.type === 'restart') {
      const crash = crashedAt.get(e.client);
      crashedAt.delete(e.client);
      if (crash !== undefined && crash.t <= endMs && e.t >= startMs) down[row]!.push({ startMs: crash.t, endMs: e.t, cause: crash.cause, detail: crash.detail });
    }
  });
  for (const [client, crash] of crashedAt) if (crash.t <= endMs) down[rowOf.get(client)!]!.push({ startMs: crash.t, endMs, cause: crash.cause, detail: crash.detail });
  const faultsOf = Array.from({ length: shown }, () => [] as FaultPeriod[]);
  const overlaps = (p: FaultPeriod): boolean => p.endMs >= startMs && p.startMs <= endMs;
  for (const period of faultPeriods) {
    const row = rowOf.get(period.client);
    if (row !== undefined && overlaps(period)) faultsOf[row]!.push(period);
  }
  const lanes = o.clients.map((client, row) => ({ client, marks: marks[row]!, opCount: opCounts[row]!, faults: faultsOf[row]!, down: down[row]!, highlights: highlights[row]! }));
  const serverFaults = faultPeriods.filter((p) => p.client < 0 && overlaps(p));
  return { startMs, endMs, healedAtMs: history.healedAt, columns, clientsTotal: o.clientsTotal, lanes, serverFaults, serverEvents };
}

function highestClient(history: History): number {
  let highest = -1;
  for (const e of history.events) if ('client' in e && e.client > highest) highest = e.client;
  return highest;
}

// ---- SVG ------------------------------------------------------------------------------

const WIDTH = 1100;
const LABEL_W = 64;
const PAD_R = 12;
const AXIS_H = 24;
const SERVER_H = 22;
const ROW_H = 24;
const FOOT_H = 18;
const PLOT_W = WIDTH - LABEL_W - PAD_R;

const MARK_COLORS: Readonly<Record<number, string>> = {
  [OpMark.Read]: OP_COLORS.read,
  [OpMark.Write]: OP_COLORS.write,
  [OpMark.Fail]: OP_COLORS.fail,
  [OpMark.Info]: OP_COLORS.info,
};

export interface TimelineSvgOptions {
  readonly id: string;
  readonly ariaLabel: string;
}

const FULL_TIMELINE_SVG: TimelineSvgOptions = { id: 'client-timeline', ariaLabel: 'per-client timeline: ops, faults and crashes' };

/** The timeline as one <svg> element (no script, tooltips as <title>). */
export function renderTimelineSvg(timeline: Timeline, options: TimelineSvgOptions = FULL_TIMELINE_SVG): string {
  const rows = timeline.lanes.length;
  const height = AXIS_H + SERVER_H + rows * ROW_H + FOOT_H;
  const spanMs = Math.max(1, timeline.endMs - timeline.startMs);
  const x = (t: number): number => LABEL_W + ((Math.min(Math.max(t, timeline.startMs), timeline.endMs) - timeline.startMs) / spanMs) * PLOT_W;
  const parts: string[] = [];
  parts.push(`<svg id="${escapeHtml(options.id)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${escapeHtml(options.ariaLabel)}">`);
  parts.push(phaseBackground(timeline, x, height));
  parts.push(axis(timeline, x, height));
  parts.push(serverRow(timeline, x));
  timeline.lanes.forEach((lane, row) => parts.push(clientRow(lane, AXIS_H + SERVER_H + row * ROW_H, timeline, x)));
  parts.push('</svg>');
  return parts.join('');
}

type XScale = (t: number) => number;

function n1(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function phaseBackground(timeline: Timeline, x: XScale, height: number): string {
  const top = AXIS_H;
  const out: string[] = [];
  // Alternate row shading is drawn per row; here only the convergence phase and the heal line.
  if (timeline.healedAtMs > timeline.startMs && timeline.healedAtMs < timeline.endMs) {
    const hx = x(timeline.healedAtMs);
    out.push(`<rect x="${n1(hx)}" y="${top}" width="${n1(LABEL_W + PLOT_W - hx)}" height="${height - top}" fill="#ecfdf5"/>`);
    out.push(`<line x1="${n1(hx)}" x2="${n1(hx)}" y1="${top}" y2="${height - 4}" stroke="${HEAL_COLOR}" stroke-width="1.2" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${n1(hx + 4)}" y="${height - 5}" font-size="11" fill="${HEAL_COLOR}">heal · convergence phase</text>`);
  }
  return out.join('');
}

function axis(timeline: Timeline, x: XScale, height: number): string {
  const stepMs = niceTimeStepMs(timeline.endMs - timeline.startMs, 10);
  // The whole run reads best as offsets (`15min`); a slice deep into the run as clock times (`9:10`).
  const label = timeline.startMs === 0 ? formatClockShort : (t: number): string => formatClockTick(t, stepMs);
  const out: string[] = [];
  for (let t = Math.ceil(timeline.startMs / stepMs) * stepMs; t <= timeline.endMs; t += stepMs) {
    const tx = n1(x(t));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${AXIS_H - 4}" y2="${height - FOOT_H}" stroke="#e5e7eb" stroke-width="1"/>`);
    out.push(`<text x="${tx}" y="${AXIS_H - 8}" font-size="11" fill="#6b7280" text-anchor="middle">${label(t)}</text>`);
  }
  return out.join('');
}

function serverRow(timeline: Timeline, x: XScale): string {
  const y = AXIS_H;
  const out = [`<g class="lane-server"><text x="4" y="${y + 15}" font-size="11" font-weight="600" fill="#111827">server</text>`];
  out.push(`<rect x="${LABEL_W}" y="${y + 2}" width="${PLOT_W}" height="${SERVER_H - 4}" fill="#f9fafb" stroke="#e5e7eb"/>`);
  for (const p of timeline.serverFaults) out.push(faultRect(p, x, y + 5, SERVER_H - 10));
  for (const ev of timeline.serverEvents) {
    const ex = x(ev.t);
    out.push(`<path d="M${n1(ex)} ${y + 4}l4 7l-4 7l-4 -7z" fill="#111827"><title>${escapeHtml(`server ${ev.action} at ${formatMs(ev.t)} (epoch ${ev.epoch})`)}</title></path>`);
  }
  out.push('</g>');
  return out.join('');
}

function faultRect(p: FaultPeriod, x: XScale, y: number, h: number): string {
  const fx = x(p.startMs);
  const width = Math.max(2, x(p.endMs) - fx);
  const who = p.client < 0 ? 'server' : `client ${p.client}`;
  const title = `${p.kind} on ${who}, ${formatMs(p.startMs)} → ${formatMs(p.endMs)}${faultSettingSuffix(p.kind, p.param)}`;
  return `<rect x="${n1(fx)}" y="${y}" width="${n1(width)}" height="${h}" rx="2" fill="${faultColor(p.kind)}" fill-opacity="0.85"><title>${escapeHtml(title)}</title></rect>`;
}

/** How a down bar's tooltip starts, by cause. */
const DOWN_VERBS: Readonly<Record<DownCause, string>> = { crash: 'crashed', rebuild: 'rebuilt from storage', close: 'closed', 'start-failed': 'failed to start' };

function clientRow(lane: ClientLane, y: number, timeline: Timeline, x: XScale): string {
  const out = [`<g class="lane-client" data-client="${lane.client}">`];
  if (lane.client % 2 === 1) out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW_H}" fill="#000" fill-opacity="0.025"/>`);
  const crashes = lane.down.filter((d) => d.cause === 'crash').length;
  const label = `client ${lane.client}: ${formatCount(lane.opCount)} ops, ${lane.faults.length} faults, ${crashes} crashes${lane.down.length > crashes ? `, ${lane.down.length - crashes} other restarts` : ''}`;
  out.push(`<text x="4" y="${y + 15}" font-size="11" fill="#374151">c${lane.client}<title>${escapeHtml(label)}</title></text>`);
  out.push(opTicks(lane, y + 2, timeline));
  for (const p of lane.faults) out.push(faultRect(p, x, y + 11, 6));
  for (const d of lane.down) {
    const dx = x(d.startMs);
    const title = `${DOWN_VERBS[d.cause]} at ${formatMs(d.startMs)}, back at ${formatMs(d.endMs)}: ${d.detail}`;
    out.push(`<rect x="${n1(dx)}" y="${y + 18}" width="${n1(Math.max(2, x(d.endMs) - dx))}" height="4" fill="${CRASH_COLOR}"><title>${escapeHtml(title)}</title></rect>`);
    out.push(`<path d="M${n1(dx - 3)} ${y + 17}l6 6m0 -6l-6 6" stroke="#dc2626" stroke-width="1.6"/>`);
  }
  for (const h of lane.highlights) {
    out.push(`<circle class="violating-op" cx="${n1(x(h.t))}" cy="${y + 6}" r="5.5" fill="none" stroke="${VIOLATION_COLOR}" stroke-width="2"><title>${escapeHtml(`violating op: ${h.label} at ${formatMs(h.t)}`)}</title></circle>`);
  }
  out.push('</g>');
  return out.join('');
}

/** One path per mark colour: a vertical tick per column that holds an op. */
function opTicks(lane: ClientLane, y: number, timeline: Timeline): string {
  const colW = PLOT_W / timeline.columns;
  const paths = new Map<number, string[]>();
  lane.marks.forEach((value, column) => {
    if (value === OpMark.None) return;
    const cx = LABEL_W + (column + 0.5) * colW;
    let list = paths.get(value);
    if (list === undefined) paths.set(value, (list = []));
    list.push(`M${n1(cx)} ${y}v7`);
  });
  const out: string[] = [];
  for (const [value, segments] of [...paths].sort((a, b) => a[0] - b[0])) {
    out.push(`<path d="${segments.join('')}" stroke="${MARK_COLORS[value]}" stroke-width="${value >= OpMark.Fail ? 2 : 1.2}"/>`);
  }
  return out.join('');
}

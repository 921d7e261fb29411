// Draws a SpaceTime (space-time.ts) as one inline <svg>: a vertical lane per client of the
// slice with the server in the middle, time going down. Rows are the distinct times at which
// something happens (Lamport's logical layout, as Maelstrom draws it), so a 40 ms round trip
// and a 30 s backoff both stay readable; each row is labelled with its clock time and long
// quiet stretches are marked. Size is bounded by the builder's caps. No script; tooltips are <title>.

import { escapeHtml, formatClockTick, formatMs } from './format.ts';
import { faultColor, HEAL_COLOR, OP_COLORS, VIOLATION_COLOR } from './palette.ts';
import { SERVER_LANE, type SpaceTime, type SpaceTimeMark, type SpaceTimeMessage } from './space-time.ts';

const WIDTH = 1100;
const TIME_W = 104;
const HEAD_H = 44;
const ROW_H = 19;
const FOOT_H = 16;
const LANE_GAP_MAX = 380;
/** A quiet stretch between two rows longer than this is marked on the time column. */
const GAP_MARK_MS = 2_000;

export const MESSAGE_COLORS = {
  push: '#2563eb',
  pull: '#6b7280',
  answered: '#059669',
  failed: '#ea580c',
  violating: VIOLATION_COLOR,
} as const;

type Color = (typeof MESSAGE_COLORS)[keyof typeof MESSAGE_COLORS];

function n1(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** Lanes left to right: half the clients, the server, the other half (shorter arrows, fewer crossings). */
function laneOrder(clients: readonly number[]): number[] {
  const left = Math.ceil(clients.length / 2);
  return [...clients.slice(0, left), SERVER_LANE, ...clients.slice(left)];
}

export function renderSpaceTimeSvg(st: SpaceTime): string {
  const order = laneOrder(st.clients);
  const gap = Math.min(LANE_GAP_MAX, (WIDTH - TIME_W - 140) / Math.max(1, order.length - 1));
  const left = TIME_W + (WIDTH - TIME_W - gap * (order.length - 1)) / 2;
  const laneX = new Map(order.map((lane, i) => [lane, left + i * gap]));
  const times = rowTimes(st);
  const rowOf = new Map(times.map((t, i) => [t, i]));
  const y = (t: number): number => HEAD_H + ROW_H * (rowOf.get(t) ?? 0) + ROW_H / 2;
  const height = HEAD_H + times.length * ROW_H + FOOT_H;
  const parts = [`<svg id="space-time" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="message space-time diagram of the counterexample">`, arrowMarkers()];
  parts.push(timeColumn(times, height, y));
  order.forEach((lane) => parts.push(laneLine(lane, laneX.get(lane)!, height, st)));
  for (const f of st.faults) {
    const x = laneX.get(f.lane)! + 7;
    const title = `${f.kind} on ${f.lane === SERVER_LANE ? 'the server' : `c${f.lane}`}, ${formatMs(f.startMs)} → ${formatMs(f.endMs)}${f.param === 0 ? '' : ` (param ${f.param})`}`;
    const y0 = y(f.startMs) - ROW_H / 2 + 2;
    parts.push(`<g class="fault"><rect x="${n1(x)}" y="${n1(y0)}" width="6" height="${n1(Math.max(4, y(f.endMs) - y0 + ROW_H / 2 - 4))}" rx="2" fill="${faultColor(f.kind)}" fill-opacity="0.8"/><text x="${n1(x + 9)}" y="${n1(y0 + 9)}" font-size="10" fill="${faultColor(f.kind)}">${escapeHtml(f.kind)}</text><title>${escapeHtml(title)}</title></g>`);
  }
  for (const m of st.messages) parts.push(arrow(m, laneX.get(m.client)!, laneX.get(SERVER_LANE)!, y));
  for (const group of marksByPlace(st.marks)) {
    const x = laneX.get(group[0]!.lane)!;
    parts.push(markGroup(group, x, y(group[0]!.t), group[0]!.lane !== SERVER_LANE && x < laneX.get(SERVER_LANE)!));
  }
  parts.push('</svg>');
  return parts.join('');
}

function rowTimes(st: SpaceTime): number[] {
  const times = new Set<number>();
  for (const m of st.messages) {
    times.add(m.sentAt);
    if (m.endAt !== null) times.add(m.endAt);
  }
  for (const mark of st.marks) times.add(mark.t);
  for (const f of st.faults) {
    times.add(f.startMs);
    times.add(f.endMs);
  }
  return [...times].sort((a, b) => a - b);
}

function arrowMarkers(): string {
  const marker = (name: string, color: string): string =>
    `<marker id="st-arrow-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${color}"/></marker>`;
  return `<defs>${Object.entries(MESSAGE_COLORS).map(([name, color]) => marker(name, color)).join('')}</defs>`;
}

function timeColumn(times: readonly number[], height: number, y: (t: number) => number): string {
  const out = [`<rect x="0" y="0" width="${TIME_W - 8}" height="${height}" fill="#f9fafb"/>`, `<text x="8" y="16" font-size="11" font-weight="600" fill="#374151">time</text>`];
  times.forEach((t, i) => {
    const ty = y(t);
    if (i % 2 === 1) out.push(`<rect x="${TIME_W - 8}" y="${n1(ty - ROW_H / 2)}" width="${WIDTH - TIME_W + 8}" height="${ROW_H}" fill="#000" fill-opacity="0.018"/>`);
    out.push(`<text x="8" y="${n1(ty + 3.5)}" font-size="10" fill="#6b7280" font-variant-numeric="tabular-nums">${formatClockTick(t, 1)}</text>`);
    const next = times[i + 1];
    if (next !== undefined && next - t > GAP_MARK_MS) {
      const gy = n1(ty + ROW_H / 2);
      out.push(`<line x1="${TIME_W - 8}" x2="${WIDTH}" y1="${gy}" y2="${gy}" stroke="#d1d5db" stroke-dasharray="2 4"/>`);
      out.push(`<text x="${WIDTH - 6}" y="${n1(ty + ROW_H / 2 - 2)}" font-size="9.5" fill="#9ca3af" text-anchor="end">${escapeHtml(formatMs(next - t))} later</text>`);
    }
  });
  return out.join('');
}

function laneLine(lane: number, x: number, height: number, st: SpaceTime): string {
  const isServer = lane === SERVER_LANE;
  const name = isServer ? 'server' : `c${lane}`;
  const sub = isServer ? '' : st.clientIds[st.clients.indexOf(lane)] ?? '';
  const cls = isServer ? 'lane-server' : 'lane-client';
  return `<g class="${cls}"${isServer ? '' : ` data-client="${lane}"`}><text x="${n1(x)}" y="18" font-size="12.5" font-weight="700" fill="#111827" text-anchor="middle">${name}</text>${sub === '' || sub === name ? '' : `<text x="${n1(x)}" y="32" font-size="10" fill="#6b7280" text-anchor="middle">${escapeHtml(sub)}</text>`}<line x1="${n1(x)}" x2="${n1(x)}" y1="${HEAD_H - 6}" y2="${height - FOOT_H + 6}" stroke="${isServer ? '#111827' : '#9ca3af'}" stroke-width="${isServer ? 2 : 1.5}"/></g>`;
}

function colorOf(m: SpaceTimeMessage): { color: Color; name: keyof typeof MESSAGE_COLORS } {
  if (m.highlighted) return { color: MESSAGE_COLORS.violating, name: 'violating' };
  if (m.dir === 'request') return m.kind === 'push' ? { color: MESSAGE_COLORS.push, name: 'push' } : { color: MESSAGE_COLORS.pull, name: 'pull' };
  return m.detail.startsWith('200') ? { color: MESSAGE_COLORS.answered, name: 'answered' } : { color: MESSAGE_COLORS.failed, name: 'failed' };
}

function labelOf(m: SpaceTimeMessage): string {
  if (m.dir === 'response') return `#${m.requestId} ← ${m.detail || 'answer'}`;
  const items = m.queueIds.length === 0 ? '' : ` · ${m.queueIds.slice(0, 2).join(', ')}${m.queueIds.length > 2 ? ` +${m.queueIds.length - 2}` : ''}`;
  return `${m.kind} #${m.requestId}${m.kind === 'push' ? items : ''}`;
}

const END_WORDS: Readonly<Record<SpaceTimeMessage['end'], string>> = {
  delivered: 'arrived',
  dropped: 'dropped by the network',
  refused: 'refused',
  ignored: 'not acted on: the client had timed the request out or already had its answer',
  lost: 'never seen arriving',
};

function arrow(m: SpaceTimeMessage, clientX: number, serverX: number, y: (t: number) => number): string {
  const [x1, x2] = m.dir === 'request' ? [clientX, serverX] : [serverX, clientX];
  const y1 = y(m.sentAt);
  const { color, name } = colorOf(m);
  const reaches = m.endAt !== null;
  // A message that ended on the way stops part-way: near its sender when refused at once, halfway when lost.
  const share = reaches ? 1 : m.end === 'refused' ? 0.18 : 0.5;
  const x2End = x1 + (x2 - x1) * share;
  const y2 = reaches ? y(m.endAt!) : y1 + ROW_H * 0.75;
  const dx = Math.sign(x2 - x1);
  const width = m.highlighted ? 2.4 : 1.4;
  const dash = m.copy ? ' stroke-dasharray="6 3"' : m.end === 'lost' || m.end === 'ignored' ? ' stroke-dasharray="3 3"' : '';
  const head = m.end === 'delivered' ? ` marker-end="url(#st-arrow-${name})"` : '';
  const endX = m.end === 'delivered' ? x2End - dx * 2 : x2End;
  const title = `${m.kind} ${m.dir} #${m.requestId} of c${m.client}${m.queueIds.length === 0 ? '' : ` carrying ${m.queueIds.join(', ')}`}: sent at ${formatMs(m.sentAt)}, ${END_WORDS[m.end]}${m.endAt === null ? '' : ` at ${formatMs(m.endAt)}`}${m.detail === '' ? '' : ` (${m.detail})`}${m.duplicated ? '; the network duplicated it' : ''}${m.copy ? '; this is the extra copy' : ''}`;
  const out = [`<g class="msg" data-dir="${m.dir}" data-end="${m.end}"${m.highlighted ? ' data-violating="yes"' : ''}>`];
  out.push(`<line x1="${n1(x1)}" y1="${n1(y1)}" x2="${n1(endX)}" y2="${n1(y2)}" stroke="${color}" stroke-width="${width}"${dash}${head}/>`);
  if (m.end === 'dropped' || m.end === 'refused') {
    out.push(`<path class="cross" d="M${n1(x2End - 5)} ${n1(y2 - 5)}l10 10m0 -10l-10 10" stroke="${VIOLATION_COLOR}" stroke-width="2.2"/>`);
  } else if (m.end === 'lost' || m.end === 'ignored') {
    out.push(`<text x="${n1(x2End + dx * 4)}" y="${n1(y2 + 4)}" font-size="12" font-weight="700" fill="${color}" text-anchor="${dx > 0 ? 'start' : 'end'}">?</text>`);
  }
  const lx = x1 + (x2End - x1) * (reaches ? 0.5 : 0.55);
  const ly = (y1 + y2) / 2 - 3;
  const tag = m.copy ? ' (dup)' : m.duplicated ? ' ×2' : '';
  out.push(`<text x="${n1(lx)}" y="${n1(ly)}" font-size="10" fill="${color}" text-anchor="middle" stroke="#fff" stroke-width="3" paint-order="stroke"${m.highlighted ? ' font-weight="700"' : ''}>${escapeHtml(labelOf(m) + tag)}</text>`);
  out.push(`<title>${escapeHtml(title)}</title></g>`);
  return out.join('');
}

/** Marks at one lane and moment, drawn as one: the most notable shape, every label joined. */
function marksByPlace(marks: readonly SpaceTimeMark[]): SpaceTimeMark[][] {
  const groups = new Map<string, SpaceTimeMark[]>();
  for (const mark of marks) {
    const key = `${mark.lane}@${mark.t}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [mark]);
    else group.push(mark);
  }
  return [...groups.values()];
}

const SHAPE_RANK: Readonly<Record<SpaceTimeMark['kind'], number>> = { crash: 6, restart: 5, server: 4, op: 3, apply: 2, event: 1 };

function markGroup(group: readonly SpaceTimeMark[], x: number, y: number, labelLeft: boolean): string {
  const main = [...group].sort((a, b) => SHAPE_RANK[b.kind] - SHAPE_RANK[a.kind])[0]!;
  const highlighted = group.some((m) => m.highlighted);
  const color = highlighted ? VIOLATION_COLOR : main.kind === 'op' ? (main.outcome === 'ok' ? OP_COLORS.write : main.outcome === 'fail' ? OP_COLORS.fail : OP_COLORS.info) : '#111827';
  const title = `<title>${escapeHtml(group.map((m) => `${m.label}${m.highlighted ? ' (part of the violation)' : ''}`).join('\n') + ` — at ${formatMs(main.t)}`)}</title>`;
  const kinds = [...new Set(group.map((m) => `mark-${m.kind}`))].join(' ');
  const cls = `mark ${kinds}${highlighted ? ' violating' : ''}`;
  let shape: string;
  if (main.kind === 'crash') shape = `<path d="M${n1(x - 6)} ${n1(y - 6)}l12 12m0 -12l-12 12" stroke="#dc2626" stroke-width="2.4"/>`;
  else if (main.kind === 'restart') shape = `<rect x="${n1(x - 6)}" y="${n1(y - 2)}" width="12" height="4" fill="${HEAL_COLOR}"/>`;
  else if (main.kind === 'server' || main.kind === 'event') shape = `<path d="M${n1(x)} ${n1(y - 6)}l6 6l-6 6l-6 -6z" fill="${color}"/>`;
  else if (main.kind === 'apply') shape = `<rect x="${n1(x - 4)}" y="${n1(y - 4)}" width="8" height="8" fill="${color}"/>`;
  else shape = `<circle cx="${n1(x)}" cy="${n1(y)}" r="4.5" fill="${color}"/>`;
  const ring = highlighted ? `<circle cx="${n1(x)}" cy="${n1(y)}" r="8.5" fill="none" stroke="${VIOLATION_COLOR}" stroke-width="2"/>` : '';
  // Ops, crashes, server events and everything violating are named beside the lane; the rest only on hover.
  const named = group.filter((m) => m.highlighted || m.kind === 'op' || m.kind === 'crash' || m.kind === 'server');
  const text = named.length === 0
    ? ''
    : `<text x="${n1(labelLeft ? x - 13 : x + 13)}" y="${n1(y + 3.5)}" font-size="10.5" fill="${color}" text-anchor="${labelLeft ? 'end' : 'start'}" stroke="#fff" stroke-width="3" paint-order="stroke"${highlighted ? ' font-weight="700"' : ''}>${escapeHtml(shorten(named.map((m) => m.label).join(' · '), 48))}</text>`;
  return `<g class="${cls}">${ring}${shape}${text}${title}</g>`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

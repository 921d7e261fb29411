// The report's counterexample section, shown when a check failed: the checker's plain-words
// explanation, then the slice of the run that shows it (slice.ts) drawn twice: as a per-client
// timeline restricted to the slice's clients and window (timeline.ts) and as a message
// space-time diagram (space-time.ts, space-time-svg.ts). The first violation of the first
// failed check is drawn; the others are listed. Pure: output depends only on the input.

import type { Violation } from '../scenarios/checkers/index.ts';
import type { History } from '../sim/history.ts';
import { escapeHtml, formatClockTick, formatCount, formatMs } from './format.ts';
import type { FaultPeriod } from './metrics-schema.ts';
import { HEAL_COLOR, OP_COLORS, VIOLATION_COLOR } from './palette.ts';
import { sliceOfViolation } from './slice.ts';
import { MESSAGE_COLORS, renderSpaceTimeSvg } from './space-time-svg.ts';
import { buildSpaceTime, SPACE_TIME_MARKS_MAX, SPACE_TIME_MESSAGES_MAX } from './space-time.ts';
import { buildTimelineSlice, renderTimelineSvg } from './timeline.ts';

/** What the section needs of a check (html.ts's CheckSummary has it). */
export interface FailedCheck {
  readonly name: string;
  readonly valid: boolean;
  readonly summary: string;
  readonly violations?: readonly Violation[];
}

/** Other violations listed under the drawn one, at most. */
const OTHERS_MAX = 8;

/** The section, or '' when every check held (or no failed check carries a violation). */
export function counterexampleSection(history: History, faultPeriods: readonly FaultPeriod[], checks: readonly FailedCheck[] | undefined): string {
  const failed = (checks ?? []).filter((c) => !c.valid && (c.violations?.length ?? 0) > 0);
  const first = failed[0];
  if (first === undefined) return '';
  const violation = first.violations![0]!;
  const slice = sliceOfViolation(history, violation);
  const timeline = buildTimelineSlice(history, faultPeriods, { clients: slice.clients, startMs: slice.startMs, endMs: slice.endMs, highlightOps: slice.ops });
  const st = buildSpaceTime(history, slice, faultPeriods);
  const windowText = `${formatClockTick(slice.startMs, 1)} → ${formatClockTick(slice.endMs, 1)} (${formatMs(slice.endMs - slice.startMs)})`;
  const clientsText = slice.clients.map((c) => `c${c}`).join(', ');
  const capNote = st.messagesInWindow > st.messages.length
    ? `<b>${st.messages.length} of ${formatCount(st.messagesInWindow)} messages</b> in this window are drawn (at most ${SPACE_TIME_MESSAGES_MAX}: those carrying the violating ops first, then the nearest in time to the violation).`
    : st.messages.length === 0
      ? 'No message of these clients was recorded in this window (a run with recordMessages off records none).'
      : `All ${st.messages.length} messages of these clients in this window are drawn.`;
  const marksNote = st.marksInWindow > st.marks.length ? ` ${st.marks.length} of ${formatCount(st.marksInWindow)} lane marks drawn (at most ${SPACE_TIME_MARKS_MAX}).` : '';
  const others = failed.flatMap((c) => (c.violations ?? []).map((v) => ({ name: c.name, v }))).slice(1, 1 + OTHERS_MAX);
  const othersHtml = others.length === 0
    ? ''
    : `<details class="other-violations"><summary>${others.length} more violation${others.length === 1 ? '' : 's'} (not drawn)</summary><ul>${others.map((o) => `<li><b>${escapeHtml(o.name)}</b> (${escapeHtml(o.v.rule)}): ${escapeHtml(o.v.message)}</li>`).join('')}</ul></details>`;
  return `<section class="card" id="counterexample"><h2>Counterexample</h2>
<div class="explanation" id="counterexample-explanation"><span class="badge fail">FAIL</span> <b>${escapeHtml(first.name)}</b> (${escapeHtml(violation.rule)}): ${escapeHtml(violation.message)}
<div class="muted">${escapeHtml(first.summary)}</div></div>
<p class="note">The slice: client${slice.clients.length === 1 ? '' : 's'} <b>${clientsText}</b> (${escapeHtml(slice.clientsFrom === 'violation' ? 'named by the violation' : `the violation names none: ${slice.clientsFrom}`)}) and the server, over ${windowText}${slice.queueIds.size === 0 ? '' : `; violating op${slice.queueIds.size === 1 ? '' : 's'} <code>${escapeHtml([...slice.queueIds].slice(0, 6).join(', '))}</code>`}. Violating ops and the messages that carried them are in <b style="color:${VIOLATION_COLOR}">red</b>.</p>
${othersHtml}
<h3>Timeline of the slice</h3>
<div class="timeline-wrap">${renderTimelineSvg(timeline, { id: 'counterexample-timeline', ariaLabel: 'timeline of the counterexample slice' })}</div>
<h3>Messages <span class="muted">— space-time diagram: time goes down, one row per moment something happened</span></h3>
<p class="note">${capNote}${marksNote}</p>
${spaceTimeLegend()}
<div class="space-time-wrap">${renderSpaceTimeSvg(st)}</div></section>`;
}

function spaceTimeLegend(): string {
  const line = (color: string, text: string, dash = ''): string => `<span><i class="swatch line solid" style="border-color:${color}${dash === '' ? '' : ';border-top-style:dashed'}"></i>${text}</span>`;
  const items = [
    line(MESSAGE_COLORS.push, 'push request'),
    line(MESSAGE_COLORS.pull, 'pull request'),
    line(MESSAGE_COLORS.answered, 'answer 200'),
    line(MESSAGE_COLORS.failed, 'answer: error'),
    line(VIOLATION_COLOR, 'carried a violating op'),
    line('#6b7280', 'extra copy (duplicated) · lost / ignored', 'dashed'),
    `<span><b style="color:${VIOLATION_COLOR}">✕</b> dropped or refused</span>`,
    `<span><i class="swatch dot" style="background:${OP_COLORS.write}"></i>op</span>`,
    `<span><i class="swatch" style="background:#111827;width:9px;height:9px"></i>server apply</span>`,
    `<span><b style="color:${VIOLATION_COLOR}">✕</b> on a lane: crash <i class="swatch" style="background:${HEAL_COLOR};height:4px"></i>restart</span>`,
    `<span><i class="swatch ring" style="border-color:${VIOLATION_COLOR}"></i>part of the violation</span>`,
  ];
  return `<div class="legend">${items.join('')}</div>`;
}

export const COUNTEREXAMPLE_STYLE = `
#counterexample .explanation { background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px; padding: 10px 14px; margin-bottom: 10px; }
#counterexample .explanation .muted { font-size: 13px; margin-top: 4px; }
.space-time-wrap { overflow: auto; max-height: 900px; border: 1px solid var(--line); border-radius: 8px; }
.swatch.line.solid { border-top-style: solid; }
.swatch.dot { border-radius: 50%; width: 9px; height: 9px; }
.swatch.ring { border: 2px solid; border-radius: 50%; background: none; width: 12px; height: 12px; }
.other-violations { margin: 0 0 8px; }
`;

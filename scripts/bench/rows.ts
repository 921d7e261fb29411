// The benchmark's figures as table rows, each with its target and verdict where it has one
// (issue 3's targets live here and nowhere else). Pure: entries in, rows out.

import type { BaselineEntry } from './baseline.ts';
import type { SimMeasurement } from './jobs.ts';
import { compression, formatMinutes, perSecond } from './stats.ts';
import type { ThroughputEntry } from './throughput.ts';
import { HOUR_MS } from './workloads.ts';

export interface Row {
  /** What was run; shown on the first row of its group. */
  readonly subject: string;
  readonly figure: string;
  readonly value: string;
  readonly target: string | null;
  /** null: no target. */
  readonly pass: boolean | null;
}

export const TARGETS = {
  hourWallMsMax: 10_000,
  compressionMin: 360,
  fakeTimersRatioMin: 5,
  bigPeakRssBytesMax: 2 * 2 ** 30,
  /** Issue 5: durable items/s of 50 clients pushing to the HTTP mock with its lowdb store. */
  pushItemsPerSecondMin: 5_000,
  /** Issue 5: group commit's items/s ÷ the one-write-per-push baseline's. */
  pushGroupCommitRatioMin: 10,
} as const;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const bytes = (n: number): string => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GB` : `${Math.round(n / 2 ** 20)} MB`);
const clientsText = (n: number): string => `${n.toLocaleString('en-US')} clients`;

function wallsText(runs: readonly SimMeasurement[], median: SimMeasurement): string {
  const cpu = `cpu ${seconds(median.cpuMs)}`;
  if (runs.length < 2) return `${seconds(median.wallMs)} (${cpu})`;
  return `${seconds(median.wallMs)} (median of ${runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(' / ')}; ${cpu})`;
}

function failedRow(subject: string, error: string | null, target: string | null): Row {
  return { subject, figure: 'failed', value: error ?? 'no run finished', target, pass: target === null ? null : false };
}

export function throughputRows(entry: ThroughputEntry): Row[] {
  const subject = `${clientsText(entry.clients)} × ${formatMinutes(entry.durationMs)}, swarm faults${entry.shortened === null ? '' : ' (shortened)'}`;
  const m = entry.median;
  const isHourOf1000 = entry.clients === 1000 && entry.durationMs === HOUR_MS;
  const isBig = entry.clients === 10_000;
  if (m === null) return [failedRow(subject, entry.error, isHourOf1000 ? '< 10 s' : isBig ? '< 2 GB RSS' : null)];
  // Over the chaos span the targets name (the hour): 3,600 s in 10 s is 360×.
  const ratio = compression(m.durationMs, m.wallMs);
  const row = (figure: string, value: string, target: string | null = null, pass: boolean | null = null): Row => ({ subject, figure, value, target, pass });
  return [
    row('wall time', wallsText(entry.runs, m), isHourOf1000 ? '< 10 s' : null, isHourOf1000 ? m.wallMs < TARGETS.hourWallMsMax : null),
    row('events processed', int(m.eventsProcessed)),
    row('events/s', int(perSecond(m.eventsProcessed, m.wallMs))),
    row('client-ops/s', `${int(perSecond(m.opsInvoked, m.wallMs))} (${int(m.opsInvoked)} invoked of ${int(m.opsPlanned)} planned)`),
    row('time compression', `${int(ratio)}× (${int(compression(m.simulatedMs, m.wallMs))}× over ${formatMinutes(m.simulatedMs)} incl. convergence)`, isHourOf1000 ? '≥ 360×' : null, isHourOf1000 ? ratio >= TARGETS.compressionMin : null),
    row('peak RSS', `${bytes(m.peakRssBytes)} (${int(m.historyEvents)} history events)`, isBig ? '< 2 GB' : null, isBig ? m.peakRssBytes < TARGETS.bigPeakRssBytesMax : null),
    row('checkers', `${seconds(m.checkMs)} (${m.checksFailed.length === 0 ? 'all valid' : `failed: ${m.checksFailed.join(', ')}`})`),
  ];
}

export function baselineRows(entry: BaselineEntry): Row[] {
  const subject = `${clientsText(entry.clients)} × ${formatMinutes(entry.spanMs)}, no faults${entry.shortened === null ? '' : ' (shortened)'}`;
  const targeted = entry.clients === 1000;
  const ft = entry.fakeTimers;
  const sim = entry.simMedian;
  if (ft === null || sim === null || entry.ratio === null) return [failedRow(subject, entry.error, targeted ? '≥ 5×' : null)];
  const row = (figure: string, value: string, target: string | null = null, pass: boolean | null = null): Row => ({ subject, figure, value, target, pass });
  return [
    row('simulator wall', `${wallsText(entry.simRuns, sim)}, ${int(sim.opsInvoked)} ops invoked`),
    row('fake-timers wall', `${seconds(ft.wallMs)} (cpu ${seconds(ft.cpuMs)}), ${int(ft.opsInvoked)} ops invoked, ${int(ft.serverApplied)} server applies`),
    row('speed ratio sim ÷ fake-timers', `${entry.ratio.toFixed(1)}× (by cpu time ${(ft.cpuMs / sim.cpuMs).toFixed(1)}×)`, targeted ? '≥ 5×' : null, targeted ? entry.ratio >= TARGETS.fakeTimersRatioMin : null),
  ];
}

/** Lines under the table: why a run is shorter, and how to read the figures. */
export function notes(throughput: readonly ThroughputEntry[], baseline: readonly BaselineEntry[]): string[] {
  const lines: string[] = [];
  for (const e of throughput) if (e.shortened !== null) lines.push(`${clientsText(e.clients)} ran ${formatMinutes(e.durationMs)} simulated, not an hour: ${e.shortened}.`);
  for (const e of baseline) if (e.shortened !== null) lines.push(`baseline ${clientsText(e.clients)}: both sides ran ${formatMinutes(e.spanMs)}, not an hour: ${e.shortened}.`);
  lines.push('cpu = user + system time of the child over the same stretch; wall well above cpu means other work on the machine took the CPUs.');
  lines.push('wall = plan generation + run (simulator; fake-timers: + opening the engines); checkers are timed apart. Each run is a fresh process; peak RSS is its maxRSS.');
  lines.push('time compression = the chaos span (the hour) ÷ wall; wall also covers the convergence phase after it.');
  lines.push('speed ratio = fake-timers wall ÷ simulator wall over the same span and ops (the simulator also runs its short convergence check).');
  for (const e of throughput) for (const failure of e.median?.checkFailures ?? []) lines.push(`${clientsText(e.clients)}: checker ${failure}`);
  return lines;
}

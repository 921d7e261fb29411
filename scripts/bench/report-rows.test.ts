// The report group's rows: size and render against their targets, the median of the loads,
// and a render marked skipped (neither pass nor short) when there is no Chromium.

import { describe, expect, it } from 'vitest';
import type { ReportBuild, ReportEntry, ReportLoad } from './report-bench.ts';
import { reportNotes, reportRows } from './report-rows.ts';
import { markOf } from './table.ts';

const build: ReportBuild = { clients: 1000, durationMs: 3_600_000, historyEvents: 1_323_984, checksFailed: [], writeMs: 2301, htmlPath: '/tmp/r/report.html', htmlBytes: 272_000 };
const load = (chartsDrawnMs: number): ReportLoad => ({ chartsDrawnMs, paintedMs: chartsDrawnMs + 50, domContentLoadedMs: chartsDrawnMs + 40 });

const marks = (entry: ReportEntry): string[] => reportRows(entry).map((row) => `${row.figure}: ${markOf(row.pass)}`);

describe('report bench rows', () => {
  it('passes a small report that draws in under 2 s, showing the median of the loads', () => {
    const loads = [load(1337), load(1101), load(1764)];
    const rows = reportRows({ build, loads, median: loads[0]!, renderSkipped: null, error: null });
    expect(rows.map((row) => `${row.figure}: ${markOf(row.pass)}`)).toEqual(['file size: pass', 'written in (Node): ', 'render: charts drawn: pass', 'render: first paint after: ']);
    expect(rows[0]!.value).toBe('0.26 MB (1,323,984 history events)');
    expect(rows[2]!.value).toBe('1,337 ms (median of 3 loads: 1.34 / 1.10 / 1.76 s)');
    expect(rows[2]!.target).toBe('< 2 s');
  });

  it('marks a report over 5 MB or a render over 2 s short', () => {
    const big = { ...build, htmlBytes: 5 * 1024 * 1024 };
    expect(marks({ build: big, loads: [load(2000)], median: load(2000), renderSkipped: null, error: null })).toEqual(['file size: short', 'written in (Node): ', 'render: charts drawn: short', 'render: first paint after: ']);
  });

  it('marks the render skipped, not short, without Chromium, and still reports the size', () => {
    const entry: ReportEntry = { build, loads: [], median: null, renderSkipped: 'no Chromium at /usr/bin/chromium (apt-get install -y chromium)', error: null };
    const rows = reportRows(entry);
    expect(marks(entry)).toEqual(['file size: pass', 'written in (Node): ', 'render in Chromium: ']);
    expect(rows[2]!.value).toBe('skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)');
    expect(reportNotes(entry).some((line) => line.includes('skipped'))).toBe(true);
  });

  it('marks a failed build or render short, with the error', () => {
    expect(marks({ build: null, loads: [], median: null, renderSkipped: null, error: 'report-child.ts exited with 1' })).toEqual(['failed: short']);
    expect(marks({ build, loads: [], median: null, renderSkipped: null, error: 'timeout' })).toEqual(['file size: pass', 'written in (Node): ', 'render in Chromium: short']);
  });
});

// The push measurement (issue 5) as table rows with targets and verdicts, and its notes. Pure.
// Its targets live in rows.ts (TARGETS) with the others.

import type { PushEntry, PushRun } from './push-bench.ts';
import { TARGETS, type Row } from './rows.ts';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(1)} ms`;

function subjectOf(run: PushRun | null, mode: 'group' | 'per-push'): string {
  const clients = run?.clients ?? 50;
  const batch = run?.batch ?? 10;
  const seconds = (run?.durationMs ?? 5_000) / 1000;
  const store = mode === 'group' ? 'group commit (journal + lowdb snapshot)' : 'one fsync\'ed lowdb write per push (baseline)';
  return `push: ${clients} clients × ${seconds} s, batches of ${batch}, ${store}`;
}

function runRows(run: PushRun | null, mode: 'group' | 'per-push', entry: PushEntry): Row[] {
  const subject = subjectOf(run, mode);
  const targeted = mode === 'group';
  const target = targeted ? '≥ 5,000 durable items/s' : null;
  const row = (figure: string, value: string, t: string | null = null, pass: boolean | null = null): Row => ({ subject, figure, value, target: t, pass });
  if (run === null) return [row('failed', entry.error ?? 'no run finished', target, targeted ? false : null)];
  const s = run.server;
  const snapshots = mode === 'group' ? ` (${int(s?.snapshotWrites ?? 0)} of them whole snapshots)` : '';
  const writes = s === null ? 'no server report' : `${int(s.writes)} durable writes${snapshots}, ${(run.itemsOk / Math.max(1, s.writes)).toFixed(1)} items per write, ${int(s.itemsInFile)} items stored`;
  const all = mode === 'group' ? entry.groupItemsPerSecond : entry.perPushItemsPerSecond;
  const median = all.length > 1 ? `median of ${all.length} runs: ${all.map(int).join(', ')}; ` : '';
  return [
    row('durable items/s', `${int(run.itemsPerSecond)} (${median}${int(run.itemsOk)} items in ${(run.wallMs / 1000).toFixed(2)} s)`, target, targeted ? run.itemsPerSecond >= TARGETS.pushItemsPerSecondMin : null),
    row('push latency', `p50 ${ms(run.latencyP50Ms)}, p99 ${ms(run.latencyP99Ms)}, max ${ms(run.latencyMaxMs)}`),
    row('pushes', `${int(run.pushes)}${run.pushesFailed > 0 ? `, ${int(run.pushesFailed)} failed` : ', none failed'}`),
    row('store', writes),
    row('server cpu', s === null ? 'no server report' : `${int(s.cpuMs)} ms user + system while serving, ${((1000 * s.cpuMs) / Math.max(1, run.itemsOk)).toFixed(0)} µs per durable item`),
  ];
}

export function pushRows(entry: PushEntry): Row[] {
  const rows = [...runRows(entry.group, 'group', entry), ...runRows(entry.perPush, 'per-push', entry), memoryRow(entry)];
  const subject = 'push: group commit ÷ one write per push';
  const target = '≥ 10× the one-write-per-push baseline';
  rows.push(
    entry.ratio === null
      ? { subject, figure: 'items/s ratio', value: 'no ratio (a run failed)', target, pass: false }
      : { subject, figure: 'items/s ratio', value: `${entry.ratio.toFixed(1)}×`, target, pass: entry.ratio >= TARGETS.pushGroupCommitRatioMin },
  );
  return rows;
}

/** Reference row: the same HTTP path with no store, so how close group commit gets to it shows. */
function memoryRow(entry: PushEntry): Row {
  const subject = 'push: the same app with no store (HTTP/JSON ceiling, nothing durable)';
  const run = entry.memory;
  if (run === null) return { subject, figure: 'items/s', value: 'no run finished', target: null, pass: null };
  const share = entry.group === null || run.itemsPerSecond <= 0 ? '' : `; group commit reaches ${Math.round((100 * entry.group.itemsPerSecond) / run.itemsPerSecond)}% of it`;
  const cpu = run.server === null ? '' : `, server ${((1000 * run.server.cpuMs) / Math.max(1, run.itemsOk)).toFixed(0)} µs cpu per item`;
  return { subject, figure: 'items/s', value: `${int(run.itemsPerSecond)} (p50 ${ms(run.latencyP50Ms)}${cpu}${share})`, target: null, pass: null };
}

export function pushNotes(entry: PushEntry): string[] {
  const lines = [
    'push: the server (createServerApp + LowdbServerStore, file in a temp dir) runs in its own process; the 50 client loops share the bench process, each its own user token and keep-alive connection (node:http) over 127.0.0.1.',
    'push: an item counts when its push was answered 200 with status ok; every 200 is sent only after the change is fsync\'ed. Latency = request sent to answer read, over every push.',
    'push group commit: each commit appends one checksummed record of its new entries to the journal and fdatasyncs it; the journal is compacted into the lowdb snapshot (temp file, fsync, rename) once it outgrows the snapshot.',
    'push baseline: the same app and file encoder, but each push awaits its own full lowdb write of the state with the same durability (temp file, fsync, rename, fsync of the directory), serialised, instead of sharing group commits.',
  ];
  for (const run of [entry.group, entry.perPush]) {
    if (run?.server != null && run.server.itemsInFile < run.itemsOk) lines.push(`push ${run.mode}: only ${run.server.itemsInFile} items in the file after close, ${run.itemsOk} acknowledged (durability broken?)`);
  }
  return lines;
}

// Metrics split by engine release, for mixed-version fleets (a rolling upgrade): each op,
// queued item and engine event counts for the release its client ran when it happened; an
// item's push-to-ack latency belongs to the release that queued it. Releases change at the
// start of a 'client-upgrade' fault (sim/releases.ts); every client starts on the run's
// config.release.client. One pure pass over the history.

import type { History } from '../sim/history.ts';
import { clientUpgradeOfParam } from '../sim/releases.ts';
import { percentile } from './metrics-math.ts';
import { escapeHtml, formatCount, formatMs } from './format.ts';

export interface ReleaseRow {
  readonly release: string;
  /** Clients running it when the run ended, and clients that ran it at some point. */
  readonly clientsAtEnd: number;
  readonly clientsEver: number;
  readonly opsInvoked: number;
  readonly opsFailed: number;
  readonly itemsQueued: number;
  readonly itemsAcked: number;
  readonly ackP50Ms: number | null;
  readonly ackP99Ms: number | null;
  readonly pushes: number;
  readonly bytesPushed: number;
  readonly conflicts: number;
  readonly deadLetters: number;
  /** Times a server refused the client's protocol version (engine event upgrade-required). */
  readonly refusals: number;
  /** Local schema migration steps committed by clients starting into it. */
  readonly migrationSteps: number;
}

interface Tally {
  readonly clients: Set<number>;
  opsInvoked: number;
  opsFailed: number;
  itemsQueued: number;
  readonly latencies: number[];
  pushes: number;
  bytesPushed: number;
  conflicts: number;
  deadLetters: number;
  refusals: number;
  migrationSteps: number;
}

function newTally(): Tally {
  return { clients: new Set(), opsInvoked: 0, opsFailed: 0, itemsQueued: 0, latencies: [], pushes: 0, bytesPushed: 0, conflicts: 0, deadLetters: 0, refusals: 0, migrationSteps: 0 };
}

/** One row per release that any client ran, in order of first appearance (a second tab counts as its device: it runs the device's release). */
export function releaseBreakdown(history: History, initialRelease: string, clientCount = history.clients.filter((c) => c.tabOf === undefined).length): ReleaseRow[] {
  const deviceOf = (client: number): number => history.clients[client]?.tabOf ?? client;
  const current: string[] = new Array<string>(clientCount).fill(initialRelease);
  const tallies = new Map<string, Tally>();
  const tallyOf = (release: string): Tally => {
    let tally = tallies.get(release);
    if (tally === undefined) tallies.set(release, (tally = newTally()));
    return tally;
  };
  for (let client = 0; client < clientCount; client++) tallyOf(initialRelease).clients.add(client);
  /** queueId → [release that queued it, true time queued]. */
  const queued = new Map<string, [string, number]>();
  for (const e of history.events) {
    switch (e.type) {
      case 'fault':
        if (e.phase === 'start' && e.fault.kind === 'client-upgrade' && e.fault.client < clientCount) {
          const release = clientUpgradeOfParam(e.fault.param).release.name;
          current[e.fault.client] = release;
          tallyOf(release).clients.add(e.fault.client);
        }
        break;
      case 'invoke':
        tallyOf(current[deviceOf(e.client)] ?? initialRelease).opsInvoked++;
        break;
      case 'complete':
        if (e.outcome === 'fail') tallyOf(current[deviceOf(e.client)] ?? initialRelease).opsFailed++;
        break;
      case 'migrate':
        tallyOf(e.release).migrationSteps++;
        break;
      case 'engine': {
        const release = current[deviceOf(e.client)] ?? initialRelease;
        const ev = e.event;
        if (ev.type === 'enqueued') {
          tallyOf(release).itemsQueued++;
          if (!queued.has(ev.queueId)) queued.set(ev.queueId, [release, e.t]);
        } else if (ev.type === 'acked') {
          const origin = queued.get(ev.queueId);
          if (origin !== undefined) tallyOf(origin[0]).latencies.push(e.t - origin[1]);
        } else if (ev.type === 'sent') {
          const tally = tallyOf(release);
          tally.pushes++;
          tally.bytesPushed += ev.bytes;
        } else if (ev.type === 'conflict') tallyOf(release).conflicts++;
        else if (ev.type === 'dead-lettered') tallyOf(release).deadLetters++;
        else if (ev.type === 'upgrade-required') tallyOf(release).refusals++;
        break;
      }
      default:
        break;
    }
  }
  const atEnd = new Map<string, number>();
  for (const release of current) atEnd.set(release, (atEnd.get(release) ?? 0) + 1);
  return [...tallies].map(([release, t]) => {
    const values = Float64Array.from(t.latencies);
    return {
      release,
      clientsAtEnd: atEnd.get(release) ?? 0,
      clientsEver: t.clients.size,
      opsInvoked: t.opsInvoked,
      opsFailed: t.opsFailed,
      itemsQueued: t.itemsQueued,
      itemsAcked: values.length,
      ackP50Ms: percentile(values, values.length, 50),
      ackP99Ms: percentile(values, values.length, 99),
      pushes: t.pushes,
      bytesPushed: t.bytesPushed,
      conflicts: t.conflicts,
      deadLetters: t.deadLetters,
      refusals: t.refusals,
      migrationSteps: t.migrationSteps,
    };
  });
}

/** The report's "By release" card; empty when the whole run ran one release (nothing to split). */
export function renderReleaseCard(rows: readonly ReleaseRow[]): string {
  if (rows.length < 2) return '';
  const head = ['release', 'clients at end (ever)', 'ops (failed)', 'items queued', 'acked', 'ack p50', 'ack p99', 'pushes', 'bytes pushed', 'conflicts', 'dead letters', 'version refusals', 'migration steps'];
  const ms = (value: number | null): string => (value === null ? '—' : formatMs(value));
  const body = rows
    .map((r) =>
      [
        `<b>${escapeHtml(r.release)}</b>`,
        `${formatCount(r.clientsAtEnd)} (${formatCount(r.clientsEver)})`,
        `${formatCount(r.opsInvoked)} (${formatCount(r.opsFailed)})`,
        formatCount(r.itemsQueued),
        formatCount(r.itemsAcked),
        ms(r.ackP50Ms),
        ms(r.ackP99Ms),
        formatCount(r.pushes),
        formatCount(r.bytesPushed),
        formatCount(r.conflicts),
        formatCount(r.deadLetters),
        formatCount(r.refusals),
        formatCount(r.migrationSteps),
      ]
        .map((cell) => `<td>${cell}</td>`)
        .join(''),
    )
    .map((cells) => `<tr>${cells}</tr>`)
    .join('\n');
  return `<section class="card" id="releases"><h2>By release</h2>
<p class="note">A mixed-version fleet: each op and event counts for the release its client ran at the time; an item's push-to-ack latency for the release that queued it.</p>
<table class="releases"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table></section>`;
}

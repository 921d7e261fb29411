// A run's headline numbers, counted from its History (the full metrics live in reports/).

import { DOWN_CAUSES, type DownCause, type History } from './history.ts';

export interface RunSummary {
  readonly ops: { invoked: number; ok: number; fail: number; info: number; reads: number };
  readonly acked: number;
  readonly replayedAcks: number;
  readonly conflicts: number;
  readonly deadLetters: number;
  readonly retries: number;
  readonly applies: number;
  readonly messages: { sent: number; dropped: number; duplicated: number; refused: number };
  /** Engines that went down, by cause ('crash' alone counts real crashes). */
  readonly downs: Readonly<Record<DownCause, number>>;
  readonly faults: number;
  readonly converged: boolean;
  /** Simulated ms from heal to convergence; null when it did not converge. */
  readonly convergenceMs: number | null;
  readonly queueRemaining: number;
  readonly simulatedMs: number;
}

export function summarize(history: History): RunSummary {
  const ops = { invoked: 0, ok: 0, fail: 0, info: 0, reads: 0 };
  const messages = { sent: 0, dropped: 0, duplicated: 0, refused: 0 };
  let acked = 0, replayedAcks = 0, conflicts = 0, deadLetters = 0, retries = 0, applies = 0, faults = 0;
  const downs = downCounts();
  history.events.select(['invoke', 'complete', 'engine:acked', 'engine:conflict', 'engine:dead-lettered', 'engine:retried', 'apply', 'crash', 'fault'], (e) => {
    switch (e.type) {
      case 'invoke':
        ops.invoked++;
        if (e.action === 'read') ops.reads++;
        break;
      case 'complete':
        ops[e.outcome]++;
        break;
      case 'engine':
        if (e.event.type === 'acked') {
          acked++;
          if (e.event.replayed) replayedAcks++;
        } else if (e.event.type === 'conflict') conflicts++;
        else if (e.event.type === 'dead-lettered') deadLetters++;
        else if (e.event.type === 'retried') retries++;
        break;
      case 'apply':
        applies++;
        break;
      case 'crash':
        downs[e.cause]++;
        break;
      case 'fault':
        if (e.phase === 'start') faults++;
        break;
      default:
        break;
    }
  });
  const log = history.messages;
  for (let i = 0; i < log.length; i++) {
    const fate = log.fateOf(i);
    if (fate !== 'delivered') messages[fate]++;
  }
  const queueRemaining = history.clients.reduce((n, c) => n + c.queue.length, 0);
  return {
    ops, acked, replayedAcks, conflicts, deadLetters, retries, applies, messages, downs, faults,
    converged: history.converged,
    convergenceMs: history.converged ? history.endedAt - history.healedAt : null,
    queueRemaining,
    simulatedMs: history.endedAt,
  };
}

/** Every cause at zero. */
export function downCounts(): Record<DownCause, number> {
  return Object.fromEntries(DOWN_CAUSES.map((cause) => [cause, 0])) as Record<DownCause, number>;
}

const DOWN_CAUSE_NOUNS: Readonly<Record<DownCause, string>> = { crash: 'crashes', rebuild: 'engine rebuilds', close: 'closes', 'start-failed': 'failed starts' };

/** ["engine rebuilds 21", "closes 9"]: the causes but a crash that happened (a rebuild after a stale commit or a closed tab is no crash). */
export function otherDownsParts(downs: Readonly<Record<DownCause, number>>): string[] {
  return DOWN_CAUSES.filter((cause) => cause !== 'crash' && downs[cause] > 0).map((cause) => `${DOWN_CAUSE_NOUNS[cause]} ${downs[cause]}`);
}

/** "crashes 2 · engine rebuilds 21 · closes 9": real crashes always, the other causes when any happened. */
export function downsText(downs: Readonly<Record<DownCause, number>>): string {
  return [`${DOWN_CAUSE_NOUNS.crash} ${downs.crash}`, ...otherDownsParts(downs)].join(' · ');
}

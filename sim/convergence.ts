// The convergence phase's two questions, asked at every check after the heal (runner.ts):
// has everyone caught up, and if not, which clients get a final read?

import type { QueueItem } from '../engine/model.ts';
import type { SyncStatus } from '../engine/events.ts';

/** What the checks read of a client: its core (null while crashed), its user and its sync interval. */
export interface ConvergenceClient {
  readonly user: string;
  readonly options: { readonly syncIntervalMs: number };
  readonly core: {
    queueItems(): Iterable<QueueItem>;
    cursor(): number;
    epoch(): string | null;
    status(): Pick<SyncStatus, 'isSyncing'>;
  } | null;
}

/** What the checks read of the server: its epoch and each user's head of log. */
export interface ConvergenceServer {
  readonly epoch: string;
  lastSeqOf(user: string): number;
}

/**
 * Everyone up, nothing queued (a conflict paused for its person counts: the person answers it,
 * sim/answers.ts), every cursor at the server's head in its epoch. A pull still in flight then brings nothing new (requiring none in flight could miss
 * quiescence forever when a client's pull interval lines up with the checks).
 */
export function hasConverged(clients: readonly ConvergenceClient[], server: ConvergenceServer): boolean {
  for (const client of clients) {
    if (client.core === null || hasWorkToSend(client) || isBehind(client, server)) return false;
  }
  return true;
}

/**
 * Jepsen's final read. An engine with no sync interval (syncIntervalMs 0) pulls only when asked:
 * after the heal's sync, a write acked after its pull, or a peer's write landing after it, stays
 * unseen forever, though every queue is empty and every op acked. An app drives such an engine
 * (a sync on foreground, on a server poke); the harness plays that app once the system is
 * quiet: every client up, no item queued anywhere, no request in flight anywhere. Then
 * each client with no interval whose cursor is behind its user's head (or in another epoch)
 * gets one `sync`, at most one per check. Quiet means the queue-moving properties are already
 * settled (a stuck queue is never quiet, so a final read cannot hide it); clients with an
 * interval pull by themselves, and a sync for them would hide a wedged pull.
 */
export function finalReadTargets<C extends ConvergenceClient>(clients: readonly C[], server: ConvergenceServer): C[] {
  for (const client of clients) {
    if (client.core === null || hasWorkToSend(client) || client.core.status().isSyncing) return [];
  }
  return clients.filter((client) => client.options.syncIntervalMs === 0 && isBehind(client, server));
}

function hasWorkToSend(client: ConvergenceClient): boolean {
  return client.core!.queueItems()[Symbol.iterator]().next().done !== true;
}

function isBehind(client: ConvergenceClient, server: ConvergenceServer): boolean {
  const core = client.core!;
  return core.epoch() !== server.epoch || core.cursor() < server.lastSeqOf(client.user);
}

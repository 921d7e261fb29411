// Growth, engine side: one SyncCore (the real sans-I/O core) fills its queue with `items`
// creates while offline, then comes online and drains it against a ServerCore in this
// process, with no network and no latency: every request is answered at once, every timer
// fires as soon as nothing else is left to do. What remains is the engine's own cost per
// queued item (batching, acks, commits), so a 10× longer queue should cost about 10× as much.

import { seededRandom } from '../../engine/adapters/seeded-random.ts';
import { SyncCore } from '../../engine/core/sync-core.ts';
import type { CoreEffect, CoreInput, TimerName } from '../../engine/core/types.ts';
import { emptySnapshot } from '../../engine/model.ts';
import { buildEngineOptions } from '../../engine/options.ts';
import type { PullResponse, PushResponse } from '../../engine/protocol.ts';
import type { TransportOutcome } from '../../engine/ports.ts';
import { ServerCore, type Reply } from '../../server-mock/core/index.ts';

export interface DrainMeasurement {
  readonly items: number;
  /** Enqueueing every item offline (one write input each). */
  readonly fillMs: number;
  /** From going online until the queue is empty. */
  readonly drainMs: number;
  /** CPU time (user + system) of the drain: steadier than wall on a busy machine. */
  readonly drainCpuMs: number;
  readonly pushes: number;
  readonly serverApplied: number;
}

const USER = 'drain-user';
/** Far more than a drain needs; a loop past it means the engine stopped making progress. */
const INPUTS_PER_ITEM_MAX = 50;

function outcomeOf<T>(reply: Reply<unknown>): TransportOutcome<T> {
  if (reply.status === 200) return { kind: 'ok', body: reply.body as T };
  return { kind: 'http', status: reply.status, retryAfterMs: null, body: reply.body as never };
}

/** Fills a fresh core's queue with `items` creates offline, then drains it; both timed. */
export function measureDrain(items: number): DrainMeasurement {
  if (!Number.isSafeInteger(items) || items < 1) throw new Error(`drain items should be an integer ≥ 1, got ${items}`);
  // A background pull interval would only add noise; the queue must hold every item.
  const options = buildEngineOptions({ clientId: 'drain', queueCapacity: items, syncIntervalMs: 0 });
  const server = ServerCore.fresh({ random: seededRandom(7).float, tokenLifetimeMs: 365 * 24 * 3600_000 }, 'e1');
  const core = new SyncCore(options, emptySnapshot(), seededRandom(1));
  let now = 1_000_000;
  const inputs: CoreInput[] = [];
  const timers = new Map<TimerName, number>();
  let pushes = 0;
  const carryOut = (effect: CoreEffect): void => {
    switch (effect.type) {
      case 'push': {
        pushes++;
        const { reply } = server.push(USER, effect.request, now);
        inputs.push({ type: 'push-result', now, requestId: effect.requestId, outcome: outcomeOf<PushResponse>(reply) });
        return;
      }
      case 'pull':
        inputs.push({ type: 'pull-result', now, requestId: effect.requestId, outcome: outcomeOf<PullResponse>(server.pull(USER, effect.query, now)) });
        return;
      case 'arm':
        timers.set(effect.timer, now + effect.delayMs);
        return;
      case 'disarm':
        timers.delete(effect.timer);
        return;
      case 'refresh-token':
        inputs.push({ type: 'token-refreshed', now, ok: true });
        return;
      default:
        return; // commits are durable at once (memory), events and replies need no driver
    }
  };
  const feed = (input: CoreInput): void => {
    for (const effect of core.step(input, now)) carryOut(effect);
  };
  feed({ type: 'start', now, online: false });
  const fillStarted = performance.now();
  for (let i = 0; i < items; i++) {
    feed({ type: 'write', now, opId: i + 1, action: 'create', entityType: 'note', entityId: `n${i}`, fields: { title: `note ${i}`, n: i } });
  }
  const fillMs = performance.now() - fillStarted;
  if (core.queueLength() !== items) throw new Error(`drain: ${core.queueLength()} of ${items} items queued`);
  const drainStarted = performance.now();
  const drainCpu = process.cpuUsage();
  inputs.push({ type: 'connectivity', now, online: true });
  for (let steps = 0; core.queueLength() > 0; steps++) {
    if (steps > items * INPUTS_PER_ITEM_MAX) throw new Error(`drain: ${core.queueLength()} items still queued after ${steps} inputs`);
    const input = inputs.shift() ?? fireEarliestTimer();
    if (input === null) throw new Error(`drain: ${core.queueLength()} items queued, nothing in flight and no timer armed`);
    feed(input);
  }
  const drainMs = performance.now() - drainStarted;
  const cpu = process.cpuUsage(drainCpu);
  return { items, fillMs, drainMs, drainCpuMs: (cpu.user + cpu.system) / 1000, pushes, serverApplied: server.state.users.get(USER)?.log.length ?? 0 };

  function fireEarliestTimer(): CoreInput | null {
    let earliest: [TimerName, number] | null = null;
    for (const entry of timers) if (earliest === null || entry[1] < earliest[1]) earliest = entry;
    if (earliest === null) return null;
    timers.delete(earliest[0]);
    now = Math.max(now, earliest[1]);
    return { type: 'timer', now, timer: earliest[0] };
  }
}

// Benchmark child: memory per idle virtual client. Builds a world of N clients (no ops, no
// faults), starts them and lets them settle for a simulated minute (first pulls answered,
// timers armed), measures the heap after a full GC with that world alive, then does the same
// with a second world of N more clients alive beside it: (2N − N) ÷ N is the cost of one idle
// client, its share of the server's state included. The history is emptied before each
// reading (it grows with time, not with idle clients). Needs --expose-gc. Job: argv[2].

import { buildSimConfig } from '../../sim/config.ts';
import { HistoryRecorder } from '../../sim/history.ts';
import { generatePlan } from '../../sim/plan.ts';
import { buildWorld } from '../../sim/runner.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import type { World } from '../../sim/world.ts';
import { answer, progress, requireInteger } from './jobs.ts';

export interface IdleJob {
  readonly clients: number;
}

export interface IdleMeasurement {
  readonly clients: number;
  /** Heap used after GC with one world of `clients` alive, then with two. */
  readonly heapOneBytes: number;
  readonly heapTwoBytes: number;
  readonly rssOneBytes: number;
  readonly rssTwoBytes: number;
  /** (heapTwo − heapOne) ÷ clients. */
  readonly heapPerClientBytes: number;
  readonly rssPerClientBytes: number;
}

const SETTLE_MS = 60_000;

export function parseIdleJob(text: string | undefined): IdleJob {
  const raw: unknown = JSON.parse(text ?? 'null');
  if (typeof raw !== 'object' || raw === null) throw new Error(`idle job should be a JSON object, got ${String(text)}`);
  return { clients: requireInteger('clients', (raw as Record<string, unknown>)['clients'], 1) };
}

function settledWorld(clients: number, seed: number): World {
  const config = buildSimConfig({ seed, clients, durationMs: SETTLE_MS, workload: { opsPerClientPerHour: 0 }, faults: { kinds: [] }, recordMessages: false });
  const recorder = new HistoryRecorder(false);
  const world = buildWorld(config, generatePlan(config), CORRECT_SYSTEM, recorder);
  for (const client of world.clients) client.start();
  const s = world.scheduler;
  while (s.peekTime() !== null && s.peekTime()! <= SETTLE_MS) {
    const ev = s.next()!.event;
    if (ev.k === 'timer') world.onTimer(ev);
    else if (ev.k === 'server-recv') world.onServerRecv(ev);
    else if (ev.k === 'client-recv') world.onClientRecv(ev);
    else if (ev.k === 'token') world.onToken(ev);
  }
  recorder.history.events.clear();
  return world;
}

function heapAfterGc(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('idle-child needs node --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

function main(): void {
  const job = parseIdleJob(process.argv[2]);
  const worlds: World[] = [settledWorld(job.clients, 1)];
  const one = heapAfterGc();
  worlds.push(settledWorld(job.clients, 2));
  const two = heapAfterGc();
  progress(`idle clients: ${job.clients} → heap ${(one.heap / 2 ** 20).toFixed(1)} MB, ${2 * job.clients} → ${(two.heap / 2 ** 20).toFixed(1)} MB (${worlds.length} worlds alive)`);
  const measurement: IdleMeasurement = {
    clients: job.clients,
    heapOneBytes: one.heap,
    heapTwoBytes: two.heap,
    rssOneBytes: one.rss,
    rssTwoBytes: two.rss,
    heapPerClientBytes: (two.heap - one.heap) / job.clients,
    rssPerClientBytes: (two.rss - one.rss) / job.clients,
  };
  answer(measurement);
}

main();

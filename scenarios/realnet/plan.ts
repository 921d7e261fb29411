// The plan of a real-network run, drawn from its seed before anything starts: each client's
// workload (ops as data, resolved against the client's view when they run, like sim/workload.ts)
// and the nemesis schedule (Toxiproxy toxics, proxies down, server kill -9, client kills).
// Wall-clock timing makes the run itself irreproducible, but the plan is exact per seed.

import { RngStreams, type Rng } from '../../sim/rng.ts';
import type { FaultKind, WorkloadAction } from '../../sim/types.ts';

export const REALNET_TOXIC_TYPES = ['latency', 'timeout', 'reset_peer', 'slicer', 'bandwidth', 'limit_data'] as const;
export type RealnetToxicType = (typeof REALNET_TOXIC_TYPES)[number];

export const NEMESIS_KINDS = [...REALNET_TOXIC_TYPES, 'proxy-down', 'server-kill', 'client-kill'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export interface RealnetOp {
  /** Wall ms since the run started. */
  readonly atMs: number;
  readonly action: WorkloadAction;
  readonly entity: number;
}

export interface NemesisAction {
  readonly index: number;
  readonly atMs: number;
  readonly durationMs: number;
  readonly kind: NemesisKind;
  /** Client (its proxy) for toxics, proxy-down and client-kill; -1 for the server. */
  readonly client: number;
  readonly stream: 'upstream' | 'downstream';
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

export interface RealnetWorkload {
  readonly opsPerClientPerSecond: number;
  readonly entitiesPerTeam: number;
  readonly zipfS: number;
  readonly writePerMille: number;
  readonly deletePerMille: number;
}

export interface RealnetPlanOptions {
  readonly seed: number;
  readonly clients: number;
  readonly durationMs: number;
  readonly workload: RealnetWorkload;
  /** Mean nemesis actions per second across the run. */
  readonly faultsPerSecond: number;
  /** Kinds the nemesis may use (default all). */
  readonly kinds?: readonly NemesisKind[];
  /** At least this many server kills, spread over the chaos phase (a test's guarantee). */
  readonly serverKillsMin?: number;
}

export interface RealnetPlan {
  readonly ops: readonly (readonly RealnetOp[])[];
  readonly nemesis: readonly NemesisAction[];
  /** Kinds switched on and their weights (swarm draw), for printing. */
  readonly mix: Readonly<Partial<Record<NemesisKind, number>>>;
}

export const DEFAULT_REALNET_WORKLOAD: RealnetWorkload = { opsPerClientPerSecond: 1, entitiesPerTeam: 12, zipfS: 1, writePerMille: 750, deletePerMille: 50 };

/** Nothing happens in the first and last moments of the chaos phase: clients start, faults drain. */
const QUIET_START_MS = 500;

function drawAction(rng: Rng, w: RealnetWorkload): WorkloadAction {
  const roll = rng.int(0, 999);
  if (roll < w.writePerMille) return 'write';
  if (roll < w.writePerMille + w.deletePerMille) return 'delete';
  return 'read';
}

function drawToxic(rng: Rng, kind: RealnetToxicType): { attributes: Record<string, number>; stream: 'upstream' | 'downstream' } {
  const stream = rng.chance(500) ? 'upstream' : 'downstream';
  switch (kind) {
    case 'latency':
      return { stream, attributes: { latency: rng.int(50, 800), jitter: rng.int(0, 400) } };
    case 'timeout':
      return { stream, attributes: { timeout: rng.int(0, 1) === 0 ? 0 : rng.int(200, 2_000) } };
    case 'reset_peer':
      return { stream, attributes: { timeout: rng.int(0, 300) } };
    case 'slicer':
      return { stream, attributes: { average_size: rng.int(8, 64), size_variation: rng.int(0, 7), delay: rng.int(100, 5_000) } };
    case 'bandwidth':
      return { stream, attributes: { rate: rng.int(1, 16) } };
    case 'limit_data':
      return { stream, attributes: { bytes: rng.int(50, 600) } };
  }
}

function durationFor(rng: Rng, kind: NemesisKind): number {
  switch (kind) {
    case 'server-kill':
      return rng.int(300, 2_000); // down time before the restart
    case 'client-kill':
      return rng.int(200, 2_000);
    case 'proxy-down':
      return rng.int(500, 3_000);
    default:
      return rng.int(500, 4_000);
  }
}

function makeAction(rng: Rng, index: number, atMs: number, kind: NemesisKind, clients: number): NemesisAction {
  const durationMs = durationFor(rng, kind);
  const client = kind === 'server-kill' ? -1 : rng.int(0, clients - 1);
  if ((REALNET_TOXIC_TYPES as readonly string[]).includes(kind)) {
    const toxic = drawToxic(rng, kind as RealnetToxicType);
    const toxicity = rng.chance(700) ? 1 : rng.int(50, 100) / 100;
    return { index, atMs, durationMs, kind, client, stream: toxic.stream, toxicity, attributes: toxic.attributes };
  }
  return { index, atMs, durationMs, kind, client, stream: 'downstream', toxicity: 1, attributes: {} };
}

export function generateRealnetPlan(options: RealnetPlanOptions): RealnetPlan {
  const streams = new RngStreams(options.seed);
  const w = options.workload;
  const activeEndMs = Math.max(QUIET_START_MS + 1, options.durationMs - QUIET_START_MS);
  const ops: RealnetOp[][] = [];
  const meanGapMs = 1000 / Math.max(0.001, w.opsPerClientPerSecond);
  for (let c = 0; c < options.clients; c++) {
    const rng = streams.stream(`workload/${c}`);
    const list: RealnetOp[] = [];
    for (let t = QUIET_START_MS + rng.exponential(meanGapMs); t < activeEndMs && list.length < 100_000; t += Math.max(20, rng.exponential(meanGapMs))) {
      list.push({ atMs: Math.round(t), action: drawAction(rng, w), entity: rng.zipf(w.entitiesPerTeam, w.zipfS) });
    }
    ops.push(list);
  }
  // Swarm: the seed switches some kinds off and weights the rest (at least two stay on).
  const rng = streams.stream('nemesis');
  const allowed = options.kinds ?? NEMESIS_KINDS;
  const mix: Partial<Record<NemesisKind, number>> = {};
  for (const kind of allowed) if (rng.chance(700)) mix[kind] = rng.int(1, 4);
  for (const kind of allowed) {
    if (Object.keys(mix).length >= Math.min(2, allowed.length)) break;
    mix[kind] ??= 1;
  }
  const weighted = allowed.filter((k) => mix[k] !== undefined);
  const weightTotal = weighted.reduce((sum, k) => sum + mix[k]!, 0);
  const nemesis: NemesisAction[] = [];
  const kills = options.serverKillsMin ?? 0;
  const span = activeEndMs - QUIET_START_MS;
  const times: { atMs: number; kind: NemesisKind | null }[] = [];
  for (let k = 0; k < kills; k++) times.push({ atMs: QUIET_START_MS + Math.round(((k + 0.5) * span) / (kills + 0.5)), kind: 'server-kill' });
  if (weightTotal > 0 && options.faultsPerSecond > 0) {
    const meanGap = 1000 / options.faultsPerSecond;
    for (let t = QUIET_START_MS + rng.exponential(meanGap); t < activeEndMs && times.length < 10_000; t += Math.max(50, rng.exponential(meanGap))) {
      times.push({ atMs: Math.round(t), kind: null });
    }
  }
  times.sort((a, b) => a.atMs - b.atMs);
  times.forEach(({ atMs, kind }, index) => {
    let chosen = kind;
    if (chosen === null) {
      let roll = rng.int(1, weightTotal);
      for (const k of weighted) {
        roll -= mix[k]!;
        if (roll <= 0) {
          chosen = k;
          break;
        }
      }
    }
    nemesis.push(makeAction(rng, index, atMs, chosen ?? weighted[0]!, options.clients));
  });
  if (kills > 0) mix['server-kill'] = mix['server-kill'] ?? 0;
  return { ops, nemesis, mix };
}

/** The simulator's fault kind closest to a nemesis action (for the history's fault events and metrics). */
export function faultKindOf(kind: NemesisKind): FaultKind {
  switch (kind) {
    case 'latency':
    case 'slicer':
    case 'bandwidth':
      return 'latency';
    case 'timeout':
    case 'limit_data':
      return 'partition-response';
    case 'reset_peer':
      return 'loss';
    case 'proxy-down':
      return 'partition';
    case 'server-kill':
      return 'server-crash';
    case 'client-kill':
      return 'client-crash';
  }
}

export function describeMix(plan: RealnetPlan): string {
  const on = NEMESIS_KINDS.filter((k) => plan.mix[k] !== undefined);
  if (on.length === 0) return 'no faults';
  return on.map((k) => `${k}×${plan.mix[k]}`).join(' ') + ` · ${plan.nemesis.length} actions`;
}

export function describeAction(a: NemesisAction): string {
  const where = a.client < 0 ? 'server' : `c${a.client}`;
  const attrs = Object.entries(a.attributes).map(([k, v]) => `${k}=${v}`).join(',');
  return `${a.kind}${attrs === '' ? '' : `(${attrs}${a.toxicity < 1 ? `,toxicity=${a.toxicity}` : ''},${a.stream})`} on ${where} for ${a.durationMs} ms`;
}

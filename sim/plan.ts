// A run's plan from its config (DESIGN §5, §8): per-client clocks, the workload (a Poisson
// process of ops per client) and the nemesis schedule (a swarm-chosen fault mix, then faults),
// all drawn from the seed. Each part has its own named stream, so changing the fault config
// never moves the workload or the clocks, and changing the fault rate keeps the swarm mix.

import { RngStreams, ZipfSampler, type Rng } from './rng.ts';
import {
  CLIENT_FAULTS,
  FAULT_KINDS,
  SWARM_FAULT_KINDS,
  type Fault,
  type FaultKind,
  type RunPlan,
  type SimConfig,
  type WorkloadAction,
  type WorkloadOp,
} from './types.ts';

const HOUR_MS = 60 * 60 * 1000;
/** Hard limits whatever the config says, so a bad config fails loudly instead of exhausting memory. */
export const PLAN_OPS_MAX = 20_000_000;
export const PLAN_FAULTS_MAX = 2_000_000;
/** Swarm: each allowed kind is switched on with this probability, then weighted 1..SWARM_WEIGHT_MAX. */
const SWARM_ON_PER_MILLE = 500;
const SWARM_WEIGHT_MAX = 10;

/** Stream names: part of the seed's meaning, so changing one changes every run's plan. */
const STREAM_CLOCK = 'clock';
const STREAM_WORKLOAD = 'workload';
const STREAM_SWARM = 'nemesis/swarm';
const STREAM_FAULTS = 'nemesis/faults';

/** The plan of a config from buildSimConfig (it trusts the config's ranges). Same config, same plan. */
export function generatePlan(config: SimConfig): RunPlan {
  const streams = new RngStreams(config.seed);
  const faultMix = drawFaultMix(config, streams.stream(STREAM_SWARM));
  return {
    ops: generateOps(config, streams.stream(STREAM_WORKLOAD)),
    faults: generateFaults(config, faultMix, streams.stream(STREAM_FAULTS)),
    faultMix,
    clocks: generateClocks(config, streams.stream(STREAM_CLOCK)),
  };
}

function generateClocks(config: SimConfig, rng: Rng): RunPlan['clocks'] {
  const { skewMsMax, driftPpmMax } = config.clock;
  const clocks: { offsetMs: number; driftPpm: number }[] = new Array(config.clients);
  for (let client = 0; client < config.clients; client++) {
    const offsetMs = rng.int(-skewMsMax, skewMsMax);
    clocks[client] = { offsetMs, driftPpm: rng.int(-driftPpmMax, driftPpmMax) };
  }
  return clocks;
}

/**
 * Arrival times first (client by client), then a stable sort by time so equal times keep
 * client order, then action and entity drawn in that order: the action mix never moves the
 * times. A client's arrivals are ≥ 1 ms apart, so (atMs, client) is unique.
 */
function generateOps(config: SimConfig, rng: Rng): WorkloadOp[] {
  const { opsPerClientPerHour, entitiesPerTeam, zipfS, writePerMille, deletePerMille } = config.workload;
  if (opsPerClientPerHour === 0) return [];
  const arrivals = drawArrivals(config, rng);
  const { times, clients } = sortByTime(arrivals);
  const zipf = new ZipfSampler(entitiesPerTeam, zipfS);
  const deleteBelow = writePerMille + deletePerMille;
  const ops: WorkloadOp[] = new Array(arrivals.count);
  for (let i = 0; i < arrivals.count; i++) {
    const draw = rng.int(0, 999);
    const action: WorkloadAction = draw < writePerMille ? 'write' : draw < deleteBelow ? 'delete' : 'read';
    ops[i] = { atMs: times[i]!, client: clients[i]!, action, entity: zipf.sample(rng) };
  }
  return ops;
}

interface Arrivals {
  times: Uint32Array;
  clients: Uint32Array;
  count: number;
}

/** Each client's Poisson process over [0, durationMs), in client order, into typed arrays. */
function drawArrivals(config: SimConfig, rng: Rng): Arrivals {
  const { clients: clientCount, durationMs } = config;
  const meanGapMs = HOUR_MS / config.workload.opsPerClientPerHour;
  const expected = (clientCount * durationMs) / meanGapMs;
  let capacity = Math.min(PLAN_OPS_MAX, Math.ceil(expected * 1.1) + 1024);
  let times: Uint32Array = new Uint32Array(capacity);
  let clients: Uint32Array = new Uint32Array(capacity);
  let count = 0;
  for (let client = 0; client < clientCount; client++) {
    let atMs = Math.max(1, Math.round(rng.exponential(meanGapMs)));
    while (atMs < durationMs) {
      if (count === capacity) {
        if (capacity >= PLAN_OPS_MAX) throw new Error(`generatePlan: more than ${PLAN_OPS_MAX} ops; lower workload.opsPerClientPerHour`);
        capacity = Math.min(PLAN_OPS_MAX, capacity * 2);
        times = grow(times, capacity);
        clients = grow(clients, capacity);
      }
      times[count] = atMs;
      clients[count] = client;
      count++;
      atMs += Math.max(1, Math.round(rng.exponential(meanGapMs)));
    }
  }
  return { times, clients, count };
}

function grow(array: Uint32Array, capacity: number): Uint32Array {
  const grown = new Uint32Array(capacity);
  grown.set(array);
  return grown;
}

const RADIX_BITS = 16;
const RADIX_SIZE = 1 << RADIX_BITS;
const RADIX_MASK = RADIX_SIZE - 1;

/** Stable LSD radix sort on times (< 2^32), two 16-bit passes: O(n), and ties keep client order. */
function sortByTime(arrivals: Arrivals): { times: Uint32Array; clients: Uint32Array } {
  const { count } = arrivals;
  let times = arrivals.times;
  let clients = arrivals.clients;
  let timesOut: Uint32Array = new Uint32Array(count);
  let clientsOut: Uint32Array = new Uint32Array(count);
  const counts = new Uint32Array(RADIX_SIZE);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < count; i++) counts[(times[i]! >>> shift) & RADIX_MASK]!++;
    let total = 0;
    for (let digit = 0; digit < RADIX_SIZE; digit++) {
      const digitCount = counts[digit]!;
      counts[digit] = total;
      total += digitCount;
    }
    for (let i = 0; i < count; i++) {
      const at = counts[(times[i]! >>> shift) & RADIX_MASK]!++;
      timesOut[at] = times[i]!;
      clientsOut[at] = clients[i]!;
    }
    [times, timesOut] = [timesOut, times];
    [clients, clientsOut] = [clientsOut, clients];
  }
  return { times, clients };
}

/**
 * Swarm testing (VOPR): every kind of SWARM_FAULT_KINDS draws its on/off and weight in a fixed
 * order whether allowed or not, so allowing or forbidding one kind keeps the others' draws.
 */
function drawFaultMix(config: SimConfig, rng: Rng): Partial<Record<FaultKind, number>> {
  const { swarm, kinds } = config.faults;
  const allowed = new Set(kinds);
  const mix: Partial<Record<FaultKind, number>> = {};
  if (!swarm) {
    for (const kind of SWARM_FAULT_KINDS) if (allowed.has(kind)) mix[kind] = 1;
    return mix;
  }
  const weights = new Map<FaultKind, number>();
  let onCount = 0;
  for (const kind of SWARM_FAULT_KINDS) {
    const on = rng.chance(SWARM_ON_PER_MILLE);
    const weight = rng.int(1, SWARM_WEIGHT_MAX);
    weights.set(kind, weight);
    if (on && allowed.has(kind)) {
      mix[kind] = weight;
      onCount++;
    }
  }
  if (onCount === 0 && allowed.size > 0) {
    const rescued = rng.pick(SWARM_FAULT_KINDS.filter((kind) => allowed.has(kind)));
    mix[rescued] = weights.get(rescued)!;
  }
  return mix;
}

/**
 * Fault count is Poisson (unit-rate arrivals up to the mean). Each fault draws kind, time,
 * duration, client and param, one draw each whatever the kind, so the stream stays aligned.
 */
function generateFaults(config: SimConfig, mix: Partial<Record<FaultKind, number>>, rng: Rng): Fault[] {
  const kinds = SWARM_FAULT_KINDS.filter((kind) => mix[kind] !== undefined);
  if (kinds.length === 0) return [];
  const cumulative: number[] = [];
  let weightTotal = 0;
  for (const kind of kinds) cumulative.push((weightTotal += mix[kind]!));
  const meanCount = (config.faults.faultsPerHour * config.durationMs) / HOUR_MS;
  const faults: Fault[] = [];
  for (let arrival = rng.exponential(1); arrival <= meanCount; arrival += rng.exponential(1)) {
    if (faults.length >= PLAN_FAULTS_MAX) throw new Error(`generatePlan: more than ${PLAN_FAULTS_MAX} faults; lower faults.faultsPerHour`);
    const draw = rng.int(0, weightTotal - 1);
    let index = 0;
    while (draw >= cumulative[index]!) index++;
    faults.push(drawFault(config, kinds[index]!, rng));
  }
  return faults.sort(compareFaults);
}

function drawFault(config: SimConfig, kind: FaultKind, rng: Rng): Fault {
  const atMs = rng.int(0, config.durationMs - 1);
  const durationMs = rng.int(config.faults.durationMsMin, config.faults.durationMsMax);
  const client = rng.int(0, config.clients - 1);
  const param = drawParam(config, kind, rng);
  return { atMs, kind, durationMs, client: CLIENT_FAULTS.has(kind) ? client : -1, param };
}

/** The Fault.param of each kind; always one draw, so kinds without a parameter keep the stream aligned. */
function drawParam(config: SimConfig, kind: FaultKind, rng: Rng): number {
  switch (kind) {
    case 'loss':
    case 'duplicate':
    case 'reorder':
    case 'server-5xx':
    case 'permanent-error':
    case 'item-busy':
      return rng.int(100, 900); // perMille
    case 'server-429':
      return rng.int(1000, 60_000); // retryAfterMs
    case 'server-413':
      return rng.int(1, 5); // itemsMax
    case 'latency':
    case 'server-slow':
      return rng.int(500, 30_000); // latencyMs
    case 'clock-step': {
      const stepMsMax = config.clock.skewMsMax > 0 ? config.clock.skewMsMax : HOUR_MS;
      return rng.int(-stepMsMax, stepMsMax); // deltaMs
    }
    case 'clock-drift': {
      const ppmMax = Math.max(config.clock.driftPpmMax, 1);
      return rng.int(-ppmMax, ppmMax); // driftPpm
    }
    case 'client-crash':
      // Low 3 bits: effects carried out before the crash; the next 2: which kind of step it cuts
      // (any, a local write, a pull's answer, a push's answer). See sim/client.ts CRASH_TARGETS.
      return rng.int(0, 31);
    default:
      rng.uint32();
      return 0;
  }
}

const kindIndex: ReadonlyMap<FaultKind, number> = new Map(FAULT_KINDS.map((kind, index) => [kind, index]));

function compareFaults(a: Fault, b: Fault): number {
  return a.atMs - b.atMs || kindIndex.get(a.kind)! - kindIndex.get(b.kind)! || a.client - b.client;
}

/**
 * One line for logs, reports and run files: the faults the plan holds, by kind (most first), then
 * the kinds on with their weights (the swarm's choice, or 1 each without swarm), heaviest first. E.g. `3 faults planned:
 * server-5xx×2 partition×1 · weights server-5xx 7, partition 3, clock-step 1 (3 of 22
 * kinds on)`. The two differ: a weight is a kind's share of the draws, so a kind on may get no
 * fault in a short run (the line once showed the weights alone, as `reorder×10`, read as counts).
 */
export function describeFaultMix(plan: RunPlan): string {
  const counts = new Map<FaultKind, number>();
  for (const fault of plan.faults) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
  // Array.prototype.sort is stable: equal counts keep FAULT_KINDS order, equal weights SWARM_FAULT_KINDS order.
  const planned = FAULT_KINDS.filter((kind) => counts.has(kind))
    .sort((a, b) => counts.get(b)! - counts.get(a)!)
    .map((kind) => `${kind}×${counts.get(kind)}`);
  const faults = planned.length === 0 ? 'no faults planned' : `${plan.faults.length} fault${plan.faults.length === 1 ? '' : 's'} planned: ${planned.join(' ')}`;
  const on = SWARM_FAULT_KINDS.filter((kind) => plan.faultMix[kind] !== undefined);
  const weightOf = (kind: FaultKind): number => plan.faultMix[kind]!;
  const weights = [...on].sort((a, b) => weightOf(b) - weightOf(a)).map((kind) => `${kind} ${weightOf(kind)}`);
  // Faults with no kind on were placed by a scenario's schedule, not drawn by the swarm.
  const summary = on.length === 0 && plan.faults.length > 0 ? '(scheduled by the scenario, no swarm)' : `(${on.length} of ${SWARM_FAULT_KINDS.length} kinds on)`;
  return weights.length === 0 ? `${faults} ${summary}` : `${faults} · weights ${weights.join(', ')} ${summary}`;
}

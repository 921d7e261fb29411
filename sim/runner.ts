// runSimulation: one seed, one run. Chaos phase (workload + nemesis, safety recorded
// throughout) → heal everything → convergence phase within a budget (liveness), checked every
// 5 s, with a final read for clients that never pull unasked once all is quiet (convergence.ts).
// Returns the History with every client's and the server's final state and the trace hash.

import { buildEngineOptions } from '../engine/options.ts';
import { CORRECT_SYSTEM, type SystemVariant } from './variants.ts';
import type { Fields } from '../engine/protocol.ts';
import { VirtualClient } from './client.ts';
import { ClientClock } from './clock.ts';
import { teamOf, userOfTeam } from './config.ts';
import { HistoryRecorder, type ClientFinal, type History, type ServerFinal } from './history.ts';
import { buildLinkConfig } from './link.ts';
import { Nemesis } from './nemesis.ts';
import { clientReleaseNamed, serverReleaseNamed } from './releases.ts';
import { SCHEMA_MIGRATIONS } from '../engine/schema/index.ts';
import { generatePlan } from './plan.ts';
import { RngStreams } from './rng.ts';
import { SimServer } from './server.ts';
import { CrashableStore } from './store.ts';
import { finalReadTargets, hasConverged, type ConvergenceServer } from './convergence.ts';
import type { RunPlan, SimConfig } from './types.ts';
import type { ServerState } from '../server-mock/core/index.ts';
import { runOp } from './workload.ts';
import { World, type SimEvent } from './world.ts';

/** How often (simulated) the convergence phase checks whether everyone has caught up. */
const CONVERGENCE_CHECK_MS = 5_000;
const EVENTS_MAX = 500_000_000;

export interface RunOptions {
  readonly config: SimConfig;
  /** A plan to execute instead of the one generated from the seed (replay, shrinking). */
  readonly plan?: RunPlan;
  readonly variant?: SystemVariant;
  /**
   * Told how far the run got every PROGRESS_EVENTS events, for a progress display. The run never
   * reads anything back: what the callback does (read the wall clock, draw) cannot change it.
   */
  readonly onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress {
  /** Virtual time reached. */
  readonly simulatedMs: number;
  /** The chaos phase's length; past it the run heals and converges (within config.convergenceBudgetMs). */
  readonly durationMs: number;
  readonly events: number;
}

/** Events between two onProgress calls: about a tenth of a second of a 1,000-client run. */
export const PROGRESS_EVENTS = 16_384;

export interface RunResult {
  readonly config: SimConfig;
  readonly plan: RunPlan;
  readonly variant: string;
  readonly history: History;
  readonly eventsProcessed: number;
}

export function runSimulation(options: RunOptions): RunResult {
  const { config } = options;
  const plan = options.plan ?? generatePlan(config);
  const variant = options.variant ?? CORRECT_SYSTEM;
  const recorder = new HistoryRecorder(config.recordMessages);
  const endMs = config.durationMs + config.convergenceBudgetMs;
  const world = buildWorld(config, plan, variant, recorder);
  const nemesis = new Nemesis(world, plan.faults);
  const s = world.scheduler;
  recorder.record({ t: 0, type: 'phase', phase: 'chaos' });
  for (const client of world.devices) client.start();
  if (plan.ops.length > 0) s.at(plan.ops[0]!.atMs, { k: 'op', index: 0 });
  plan.faults.forEach((fault, index) => {
    s.at(fault.atMs, { k: 'fault-start', index });
    if (fault.atMs + fault.durationMs < config.durationMs) s.at(fault.atMs + fault.durationMs, { k: 'fault-stop', index });
  });
  s.at(config.durationMs, { k: 'heal' });
  const history = recorder.history;
  let healed = false;
  let opId = 1;
  const onProgress = options.onProgress;
  let untilProgress = PROGRESS_EVENTS;
  for (let ev: SimEvent | undefined = s.pop(); ev !== undefined; ev = s.pop()) {
    if (onProgress !== undefined && --untilProgress === 0) {
      untilProgress = PROGRESS_EVENTS;
      onProgress({ simulatedMs: s.now, durationMs: config.durationMs, events: s.eventsProcessed });
    }
    switch (ev.k) {
      case 'op': {
        const op = plan.ops[ev.index]!;
        runOp(world.devices[op.client]!.front, op, opId++, s.now, (r) => recorder.record(r));
        const next = plan.ops[ev.index + 1];
        if (next !== undefined) s.at(Math.max(next.atMs, s.now), { k: 'op', index: ev.index + 1 });
        break;
      }
      case 'fault-start':
        if (!healed) nemesis.start(ev.index);
        break;
      case 'fault-stop':
        if (!healed) nemesis.stop(ev.index);
        break;
      case 'timer':
        world.onTimer(ev);
        break;
      case 'server-recv':
        world.onServerRecv(ev);
        break;
      case 'client-recv':
        world.onClientRecv(ev);
        break;
      case 'token':
        world.onToken(ev);
        break;
      case 'answer':
        world.onAnswer(ev);
        break;
      case 'heal':
        healed = true;
        history.healedAt = s.now;
        recorder.record({ t: s.now, type: 'phase', phase: 'heal' });
        nemesis.heal();
        for (const client of world.devices) client.step({ type: 'sync', now: client.clientTime() });
        s.after(CONVERGENCE_CHECK_MS, { k: 'check' });
        break;
      case 'check':
        if (hasConverged(world.devices, serverView(world))) {
          history.converged = true;
          recorder.record({ t: s.now, type: 'phase', phase: 'converged' });
        } else if (s.now + CONVERGENCE_CHECK_MS > endMs) {
          recorder.record({ t: s.now, type: 'phase', phase: 'budget-exhausted' });
        } else {
          // Quiet but behind: a final read for the clients that never pull unasked (sim/convergence.ts).
          const readers = finalReadTargets(world.devices, serverView(world));
          if (readers.length > 0) recorder.record({ t: s.now, type: 'phase', phase: 'final-read' });
          for (const client of readers) client.step({ type: 'sync', now: client.clientTime() });
          s.after(CONVERGENCE_CHECK_MS, { k: 'check' });
          break;
        }
        history.endedAt = s.now;
        return finish(options, plan, variant, world, recorder);
    }
  }
  history.endedAt = s.now;
  return finish(options, plan, variant, world, recorder);
}

/** The server, the network and every client (not started yet), each with its own rng stream of the seed. */
export function buildWorld(config: SimConfig, plan: RunPlan, variant: SystemVariant, recorder: HistoryRecorder): World {
  const streams = new RngStreams(config.seed);
  const server = new SimServer(streams.stream('server'), streams.stream('tokens'), variant.serverBugs);
  const endMs = config.durationMs + config.convergenceBudgetMs;
  const world = new World(server, recorder, streams.stream('network'), streams.stream('answers'), { eventsMax: EVENTS_MAX, timeMsMax: endMs + 1 });
  const link = buildLinkConfig(config.link);
  server.core.setProtocolVersions(serverReleaseNamed(config.release.server).protocolVersions);
  const release = clientReleaseNamed(config.release.client);
  const migrations = variant.migrations ?? SCHEMA_MIGRATIONS;
  for (let i = 0; i < config.clients; i++) {
    const rng = streams.stream(`client/${i}`);
    const clock = new ClientClock({ offsetMs: plan.clocks[i]!.offsetMs, driftPpm: plan.clocks[i]!.driftPpm });
    const engineOptions = buildEngineOptions({ protocolVersion: release.protocolVersion, ...config.engine, ...variant.engine, clientId: `c${i}` });
    const user = userOfTeam(teamOf(i, config.teamSize));
    world.clients.push(new VirtualClient(i, user, engineOptions, release, migrations, clock, new CrashableStore(), { float: () => rng.float() }, variant.core, world, link));
  }
  world.devices.push(...world.clients);
  // One slot per second-tab fault, after the devices: an engine over the device's store, with an rng stream of its own.
  plan.faults.forEach((fault, index) => {
    if (fault.kind !== 'second-tab') return;
    const device = world.devices[fault.client]!;
    const slot = world.clients.length;
    const rng = streams.stream(`tab/${index}`);
    const tab = new VirtualClient(slot, device.user, device.options, device.release, migrations, device.clock, device.store, { float: () => rng.float() }, variant.core, world, link);
    tab.tabOf = device;
    world.tabSlots.set(index, slot);
    world.clients.push(tab);
  });
  return world;
}

/** The server as the convergence checks read it (sim/convergence.ts). */
function serverView(world: World): ConvergenceServer {
  return { epoch: world.server.core.epoch, lastSeqOf: (user) => world.server.lastSeqOf(user) };
}

function finish(options: RunOptions, plan: RunPlan, variant: SystemVariant, world: World, recorder: HistoryRecorder): RunResult {
  const history = recorder.history;
  history.clients = world.clients.map(clientFinal);
  history.server = serverFinalOf(world.server.core.state);
  return { config: options.config, plan, variant: variant.name, history: recorder.finish(), eventsProcessed: world.scheduler.eventsProcessed };
}

function clientFinal(client: VirtualClient): ClientFinal {
  const core = client.core;
  const entities: Record<string, Fields> = {};
  const tombstones: string[] = [];
  if (core !== null) {
    for (const record of core.entities()) {
      if (record.deleted) tombstones.push(record.entityId);
      else entities[record.entityId] = record.fields;
    }
  }
  return {
    ...(client.tabOf === null ? {} : { tabOf: client.tabOf.index }),
    client: client.index,
    clientId: client.clientId,
    user: client.user,
    crashed: core === null,
    cursor: core?.cursor() ?? 0,
    epoch: core?.epoch() ?? null,
    entities,
    tombstones,
    queue: core === null ? [] : [...core.queueItems()],
    deadLetters: core?.deadLetters() ?? [],
    conflicts: core?.conflicts() ?? [],
  };
}

/** The server's final state as a history records it (simulated or real-network runs alike). */
export function serverFinalOf(state: ServerState): ServerFinal {
  const users: Record<string, Record<string, Fields>> = {};
  const tombstones: Record<string, string[]> = {};
  const appliedQueueIds: Record<string, string[]> = {};
  for (const [user, space] of state.users) {
    const live: Record<string, Fields> = {};
    const dead: string[] = [];
    for (const entity of space.entities.values()) {
      if (entity.deleted) dead.push(entity.entityId);
      else live[entity.entityId] = entity.fields;
    }
    users[user] = live;
    tombstones[user] = dead;
    appliedQueueIds[user] = space.log.map((entry) => entry.change.origin.queueId);
  }
  return { epoch: state.epoch, users, tombstones, appliedQueueIds };
}

// The plan transforms the shrinker tries (clients leave with their ops, faults and clocks;
// plan and config change together) and the size it reports a run by. Pure functions of a
// candidate: shrink.ts owns the loop and the budget.

import { buildSimConfig } from '../../sim/config.ts';
import type { Fault, RunPlan, SimConfig, WorkloadOp } from '../../sim/types.ts';

export interface ShrinkSize {
  readonly clients: number;
  readonly ops: number;
  readonly faults: number;
  readonly durationMs: number;
  /** History events of the run. */
  readonly events: number;
}

export interface Candidate {
  readonly config: SimConfig;
  readonly plan: RunPlan;
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

export function sizeOf(candidate: Candidate, events: number): ShrinkSize {
  return { clients: candidate.config.clients, ops: candidate.plan.ops.length, faults: candidate.plan.faults.length, durationMs: candidate.config.durationMs, events };
}

export function withPlan(candidate: Candidate, change: Partial<Pick<RunPlan, 'ops' | 'faults'>>): Candidate {
  return { config: candidate.config, plan: { ...candidate.plan, ...change } };
}

export function withConfig(candidate: Candidate, change: { clients?: number; teamSize?: number; durationMs?: number }): Candidate {
  return { config: buildSimConfig({ ...candidate.config, ...change }), plan: candidate.plan };
}

/** Clients 0..count-1 stay as they are (same index, team, rng stream, clock); the rest leave with their ops and faults. */
export function keepClients(candidate: Candidate, count: number): Candidate {
  const { config, plan } = candidate;
  const ops = plan.ops.filter((op) => op.client < count);
  const faults = plan.faults.filter((fault) => fault.client < count);
  return {
    config: buildSimConfig({ ...config, clients: count, teamSize: Math.min(config.teamSize, count) }),
    plan: { ...plan, ops, faults, clocks: plan.clocks.slice(0, count) },
  };
}

/** Client indices referenced by an op or a client fault, ascending. */
export function usedClients(plan: RunPlan): number[] {
  const used = new Set<number>();
  for (const op of plan.ops) used.add(op.client);
  for (const fault of plan.faults) if (fault.client >= 0) used.add(fault.client);
  return [...used].sort((a, b) => a - b);
}

/** Only the `kept` clients remain, renumbered 0..kept.length-1 in order (teams are regrouped). */
export function renumberClients(candidate: Candidate, kept: readonly number[]): Candidate {
  const { config, plan } = candidate;
  const newIndex = new Map(kept.map((old, index) => [old, index]));
  const ops: WorkloadOp[] = plan.ops.filter((op) => newIndex.has(op.client)).map((op) => ({ ...op, client: newIndex.get(op.client)! }));
  const faults: Fault[] = plan.faults
    .filter((fault) => fault.client < 0 || newIndex.has(fault.client))
    .map((fault) => (fault.client < 0 ? fault : { ...fault, client: newIndex.get(fault.client)! }));
  return {
    config: buildSimConfig({ ...config, clients: kept.length, teamSize: Math.min(config.teamSize, kept.length) }),
    plan: { ...plan, ops, faults, clocks: kept.map((old) => plan.clocks[old]!) },
  };
}

/** `50 clients · 436 ops · 13 faults · 10.0 min · 5727 events`. */
export function describeSize(size: ShrinkSize): string {
  return `${size.clients} client${size.clients === 1 ? '' : 's'} · ${size.ops} op${size.ops === 1 ? '' : 's'} · ${size.faults} fault${size.faults === 1 ? '' : 's'} · ${formatDurationMs(size.durationMs)} · ${size.events} events`;
}

function formatDurationMs(ms: number): string {
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * A rollout upgrades the server before the clients (scenarios/rollout.ts): a candidate that drops
 * the server's upgrade yet keeps a client's is an unsafe order the scenario never makes, and its
 * failures are those of that order (a v2 client refused by a v1 server can neither sync nor
 * re-upload: rolling-upgrade seed 400865 shrank to that, 1 client and 1 op, from a rollback story).
 */
export function keepsRolloutOrder(current: Candidate, candidate: Candidate): boolean {
  const has = (c: Candidate, kind: string): boolean => c.plan.faults.some((fault) => fault.kind === kind);
  return !(has(current, 'server-upgrade') && !has(candidate, 'server-upgrade') && has(candidate, 'client-upgrade'));
}

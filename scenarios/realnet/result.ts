// A realnet run as the simulator's RunResult (what reports/ renders), its printed summary, and
// the small JSON summary written next to history.jsonl.

import { buildSimConfig } from '../../sim/config.ts';
import { recordCount } from '../../sim/history.ts';
import type { RunResult } from '../../sim/runner.ts';
import { downsText, summarize } from '../../sim/summary.ts';
import type { Fault, FaultKind } from '../../sim/types.ts';
import { describeAction, describeMix, faultKindOf, NEMESIS_KINDS } from './plan.ts';
import type { RealnetResult } from './runner.ts';

/** The run in the simulator's shape: config (engine options, sizes), the nemesis as a fault plan. */
export function toRunResult(result: RealnetResult): RunResult {
  const o = result.options;
  const { clientId: _clientId, ...engine } = result.engine;
  const faultMix: Partial<Record<FaultKind, number>> = {};
  for (const kind of NEMESIS_KINDS) {
    const weight = result.plan.mix[kind];
    if (weight === undefined) continue;
    const sim = faultKindOf(kind);
    faultMix[sim] = (faultMix[sim] ?? 0) + weight;
  }
  const faults: Fault[] = result.plan.nemesis.map((a) => ({ atMs: a.atMs, kind: faultKindOf(a.kind), durationMs: a.durationMs, client: a.client, param: Math.round(Number(Object.values(a.attributes)[0] ?? 0)) }));
  const config = buildSimConfig({
    seed: o.seed,
    clients: o.clients,
    teamSize: result.teamSize,
    durationMs: Math.max(1_000, o.durationMs),
    convergenceBudgetMs: result.convergenceBudgetMs,
    engine,
    clock: { skewMsMax: 0, driftPpmMax: 0 },
    faults: { swarm: true, kinds: Object.keys(faultMix) as FaultKind[] },
  });
  return {
    config,
    plan: { ops: [], faults, faultMix, clocks: Array.from({ length: o.clients }, () => ({ offsetMs: 0, driftPpm: 0 })) },
    variant: result.variant,
    history: result.history,
    eventsProcessed: recordCount(result.history),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatRealnetSummary(result: RealnetResult): string {
  const h = result.history;
  const s = summarize(h);
  const o = result.options;
  const convergedAt = h.events.find((e) => e.type === 'phase' && e.phase === 'converged')?.t;
  return [
    `realnet · seed ${o.seed} · ${o.clients} clients in teams of ${result.teamSize} · ${seconds(o.durationMs)} of chaos over real HTTP · engine ${result.variant} · ${result.engine.conflictPolicy}`,
    `nemesis: ${describeMix(result.plan)} (toxiproxy ${result.toxiproxy}) · server incarnations ${result.serverInstances} · client restarts ${result.clientRestarts}`,
    `ops ${s.ops.invoked} (ok ${s.ops.ok}, fail ${s.ops.fail}, unknown ${s.ops.info}) · acked ${s.acked} (${s.replayedAcks} replayed) · server applies ${s.applies}`,
    `conflicts ${s.conflicts} · retries ${s.retries} · dead letters ${s.deadLetters} · ${downsText(s.downs)} · faults ${s.faults}`,
    h.converged && convergedAt !== undefined ? `converged ${seconds(convergedAt - h.healedAt)} after heal; queues empty` : `did NOT converge within ${seconds(result.convergenceBudgetMs)}; ${s.queueRemaining} items still queued`,
    `${recordCount(h)} history events · ${seconds(result.wallMs)} wall · trace hash ${h.traceHash} (wall-clock timing: not replayable)`,
  ].join('\n');
}

export function realnetSummaryJson(result: RealnetResult): unknown {
  return {
    seed: result.options.seed,
    clients: result.options.clients,
    teamSize: result.teamSize,
    durationMs: result.options.durationMs,
    convergenceBudgetMs: result.convergenceBudgetMs,
    variant: result.variant,
    engine: result.engine,
    toxiproxy: result.toxiproxy,
    nemesis: result.plan.nemesis.map((a) => ({ ...a, text: describeAction(a) })),
    converged: result.history.converged,
    healedAt: result.history.healedAt,
    endedAt: result.history.endedAt,
    traceHash: result.history.traceHash,
    summary: summarize(result.history),
    checks: result.checks.map((c) => ({ name: c.name, valid: c.valid, summary: c.summary, violations: c.violations })),
    errors: result.errors,
    wallMs: Math.round(result.wallMs),
  };
}

// One seed of a sweep or comparison: run the simulation with engine overrides, run every
// checker, and keep only the numbers the sweep and compare reports need (a SeedSample), so
// hundreds of runs never keep a history alive. Same seed → same workload, faults and clocks
// whatever the engine options (the plan depends on the sim config only), so samples of two
// settings on one seed are paired.

import { buildEngineOptions } from '../engine/options.ts';
import { runChecks, type CheckResult } from '../scenarios/checkers/index.ts';
import { buildSimConfig, DEFAULT_SIM_CONFIG } from '../sim/config.ts';
import { runSimulation, type RunResult } from '../sim/runner.ts';
import type { SimConfig } from '../sim/types.ts';
import { computeMetrics } from './metrics.ts';
import type { EngineOverrides } from './sweep-params.ts';

/** The JSON shape of one seed's numbers (sweep.json and compare.json list them per seed). */
export interface SeedSample {
  readonly seed: number;
  /** Items acked (push-to-ack samples) ÷ simulated seconds of the whole run (chaos phase + convergence). */
  readonly throughputPerS: number;
  /** Items acked. */
  readonly acked: number;
  /** Push-to-ack latency percentiles (nearest rank); null when nothing was acked. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Push bytes ÷ ops enqueued; null when no op was enqueued. */
  readonly bytesPerOp: number | null;
  /** (Pushes + pulls) ÷ ops enqueued; null when no op was enqueued. */
  readonly requestsPerOp: number | null;
  readonly conflicts: number;
  /** Heal → quiescence; null when the run did not converge within its budget. */
  readonly convergenceMs: number | null;
  /** Checker violations found (all checkers, counted in full). */
  readonly violations: number;
  /** Names of the checkers that failed on this seed. */
  readonly failedCheckers: readonly string[];
  /** The first failing checker's first violation, in words ('' when all held). */
  readonly firstViolation: string;
  readonly traceHash: string;
}

/** The run setup shared by every setting of a sweep or comparison. */
export interface RunSetup {
  readonly clients: number;
  readonly teamSize: number;
  readonly durationMs: number;
  /** Ops each client issues per simulated hour; default the sim config's (workload.opsPerClientPerHour). */
  readonly opsPerClientPerHour?: number;
}

export const RUN_SETUP_DEFAULT: RunSetup = { clients: 50, teamSize: 5, durationMs: 600_000 };

/** The ops rate a setup runs with. */
export function opsRateOf(setup: RunSetup): number {
  return setup.opsPerClientPerHour ?? DEFAULT_SIM_CONFIG.workload.opsPerClientPerHour;
}

/** The sim config of one seed: the default config with the setup and the engine overrides over its engine section. */
export function sampleConfig(setup: RunSetup, overrides: EngineOverrides, seed: number): SimConfig {
  return buildSimConfig({
    seed,
    clients: setup.clients,
    teamSize: Math.min(setup.teamSize, setup.clients),
    durationMs: setup.durationMs,
    engine: overrides,
    workload: { opsPerClientPerHour: opsRateOf(setup) },
  });
}

export function runSample(setup: RunSetup, overrides: EngineOverrides, seed: number): SeedSample {
  const config = sampleConfig(setup, overrides, seed);
  const result = runSimulation({ config });
  const engine = buildEngineOptions({ ...config.engine, clientId: 'check' });
  const checks = runChecks(result.history, { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs });
  return seedSampleOf(result, checks);
}

/** A run's numbers as a sweep, a comparison or `chaos --samples` keeps them (its history can then go). */
export function seedSampleOf(result: RunResult, checks: readonly CheckResult[]): SeedSample {
  const m = computeMetrics(result.history);
  const failed = checks.filter((c) => !c.valid);
  const first = failed[0];
  return {
    seed: result.config.seed,
    throughputPerS: m.span.endMs > 0 ? (m.latency.samples * 1000) / m.span.endMs : 0,
    acked: m.latency.samples,
    p50Ms: m.latency.p50Ms,
    p99Ms: m.latency.p99Ms,
    bytesPerOp: m.requests.pushBytesPerOp,
    requestsPerOp: m.requests.requestsPerOp,
    conflicts: m.conflicts.total,
    convergenceMs: m.convergence.convergenceMs,
    violations: checks.reduce((n, c) => n + (c.valid ? 0 : Math.max(1, c.violationCount)), 0),
    failedCheckers: failed.map((c) => c.name),
    firstViolation: first === undefined ? '' : `${first.name}: ${first.violations[0]?.message ?? first.summary}`,
    traceHash: result.history.traceHash,
  };
}

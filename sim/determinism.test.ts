// Determinism of runSimulation (DESIGN §8): one seed, one run — the same trace hash and the
// same final states every time, in any order and interleaving of runs in one process (no
// hidden global state), with or without an explicit plan; different seeds, different runs;
// and the history is recorded in time order.

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from './config.ts';
import { generatePlan } from './plan.ts';
import { PROGRESS_EVENTS, runSimulation, type RunProgress, type RunResult } from './runner.ts';
import { MINUTE_MS } from './testing.ts';
import { SWARM_FAULT_KINDS, type FaultKind, type RunPlan, type SimConfig } from './types.ts';

const SEEDS = Array.from({ length: 30 }, (_, i) => 1001 + i);

/** Small but busy: 8 clients in teams of 4, 2–5 simulated minutes, every fault kind allowed, swarm on. */
function smallConfig(seed: number): SimConfig {
  return buildSimConfig({
    seed,
    clients: 8,
    teamSize: 4,
    durationMs: (2 + (seed % 4)) * MINUTE_MS,
    workload: { opsPerClientPerHour: 300 },
    faults: { swarm: true, kinds: [...SWARM_FAULT_KINDS], faultsPerHour: 120 },
  });
}

function run(config: SimConfig, plan?: RunPlan): RunResult {
  return runSimulation(plan === undefined ? { config } : { config, plan });
}

/** Byte-exact: key order included, so even a Map iterated in a different order shows. */
function fingerprint(result: RunResult): string {
  return JSON.stringify(result.history);
}

function expectSameRun(actual: RunResult, expected: RunResult, what: string): void {
  expect(actual.history.traceHash, `${what}: trace hash`).toBe(expected.history.traceHash);
  expect(actual.eventsProcessed, `${what}: events processed`).toBe(expected.eventsProcessed);
  expect(actual.history.clients, `${what}: final client states`).toEqual(expected.history.clients);
  expect(actual.history.server, `${what}: final server state`).toEqual(expected.history.server);
  expect(fingerprint(actual) === fingerprint(expected), `${what}: the whole history, byte for byte`).toBe(true);
}

describe('runSimulation is deterministic', () => {
  // Each seed's first run, shared by the tests below (they never mutate it).
  const firstRuns = new Map<number, RunResult>();
  const firstRun = (seed: number): RunResult => {
    let result = firstRuns.get(seed);
    if (result === undefined) {
      result = run(smallConfig(seed));
      firstRuns.set(seed, result);
    }
    return result;
  };

  it(`the same seed twice gives the same trace hash and deep-equal final states (${SEEDS.length} seeds)`, () => {
    for (const seed of SEEDS) {
      const a = firstRun(seed);
      const b = run(smallConfig(seed));
      expectSameRun(b, a, `seed ${seed}`);
      expect(a.history.traceHash, `seed ${seed}`).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('different seeds give different trace hashes', () => {
    const seedOfHash = new Map<string, number>();
    for (const seed of SEEDS) {
      const hash = firstRun(seed).history.traceHash;
      expect(seedOfHash.get(hash), `seed ${seed} has the trace hash ${hash} of seed ${seedOfHash.get(hash)}`).toBeUndefined();
      seedOfHash.set(hash, seed);
    }
  });

  it('the seeds exercise every fault kind, so determinism is checked under each', () => {
    const started = new Set<FaultKind>();
    for (const seed of SEEDS) {
      for (const e of firstRun(seed).history.events) if (e.type === 'fault' && e.phase === 'start') started.add(e.fault.kind);
    }
    expect(SWARM_FAULT_KINDS.filter((kind) => !started.has(kind)), `seeds ${SEEDS[0]}..${SEEDS.at(-1)}`).toEqual([]);
  });

  it('history events are in non-decreasing time order', () => {
    for (const seed of SEEDS) {
      const { events } = firstRun(seed).history;
      expect(events.length, `seed ${seed}`).toBeGreaterThan(0);
      events.forEach((e, i) => {
        if (i > 0 && e.t < events.timeAt(i - 1)) {
          expect.fail(`seed ${seed}: event ${i} (${e.type}) at ${e.t} ms comes after event ${i - 1} (${events.typeAt(i - 1)}) at ${events.timeAt(i - 1)} ms`);
        }
      });
    }
  });

  it('a run given its generated plan explicitly equals the run without it', () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const config = smallConfig(seed);
      expectSameRun(run(config, generatePlan(config)), firstRun(seed), `seed ${seed}`);
    }
  });

  it('a config and plan that went through JSON (a run file) replay to the same hash', () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const config = smallConfig(seed);
      const { config: parsedConfig, plan } = JSON.parse(JSON.stringify({ config, plan: generatePlan(config) })) as { config: SimConfig; plan: RunPlan };
      expectSameRun(run(buildSimConfig(parsedConfig), plan), firstRun(seed), `seed ${seed}`);
    }
  });
});

describe('runs do not disturb each other (no hidden global state)', () => {
  const seedA = 2024;
  const seedB = 77;

  it('seed A, then seed B, then seed A again: A is unchanged', () => {
    const a1 = run(smallConfig(seedA));
    const b = run(smallConfig(seedB));
    const a2 = run(smallConfig(seedA));
    expectSameRun(a2, a1, `seed ${seedA} after seed ${seedB}`);
    expect(b.history.traceHash, `seeds ${seedA} and ${seedB}`).not.toBe(a1.history.traceHash);
  });

  it('both plans generated first, then the runs in alternating order, equal each seed run alone', () => {
    const configA = smallConfig(seedA);
    const configB = buildSimConfig({ ...smallConfig(seedB), seed: seedB, clients: 12, teamSize: 3 });
    const planA = generatePlan(configA);
    const planB = generatePlan(configB);
    const planAJson = JSON.stringify(planA);
    const planBJson = JSON.stringify(planB);
    const order: Array<['A' | 'B', SimConfig, RunPlan]> = [
      ['B', configB, planB],
      ['A', configA, planA],
      ['B', configB, planB],
      ['A', configA, planA],
    ];
    const results = order.map(([name, config, plan]) => ({ name, result: run(config, plan) }));
    const aloneA = run(configA);
    const aloneB = run(configB);
    for (const { name, result } of results) {
      const seed = name === 'A' ? seedA : seedB;
      expectSameRun(result, name === 'A' ? aloneA : aloneB, `seed ${seed} (run ${name} interleaved)`);
    }
    // Running a plan must not change it (a shrinker re-runs the same plan object).
    expect(JSON.stringify(planA), `seed ${seedA}: plan after its runs`).toBe(planAJson);
    expect(JSON.stringify(planB), `seed ${seedB}: plan after its runs`).toBe(planBJson);
  });

  it('a changed plan changes the hash (the hash covers the run)', () => {
    const config = smallConfig(seedA);
    const plan = generatePlan(config);
    expect(plan.faults.length, `seed ${seedA}: the plan has faults to take away`).toBeGreaterThan(0);
    const original = run(config, plan);
    const withoutLastOp = run(config, { ...plan, ops: plan.ops.slice(0, -1) });
    const withoutFaults = run(config, { ...plan, faults: [] });
    expect(withoutLastOp.history.traceHash, `seed ${seedA}: one op fewer`).not.toBe(original.history.traceHash);
    expect(withoutFaults.history.traceHash, `seed ${seedA}: no faults`).not.toBe(original.history.traceHash);
  });

  it('a progress callback sees the run advance every PROGRESS_EVENTS events, and changes nothing', () => {
    const seed = SEEDS[0]!;
    const config = { ...smallConfig(seed), clients: 100, durationMs: 20 * MINUTE_MS };
    const seen: RunProgress[] = [];
    const watched = runSimulation({ config, onProgress: (p) => void seen.push(p) });
    expectSameRun(watched, run(config), `seed ${seed} with and without onProgress`);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBe(Math.floor(watched.eventsProcessed / PROGRESS_EVENTS));
    seen.forEach((p, i) => {
      expect(p.events, `call ${i}`).toBe((i + 1) * PROGRESS_EVENTS);
      expect(p.durationMs).toBe(config.durationMs);
      if (i > 0) expect(p.simulatedMs).toBeGreaterThanOrEqual(seen[i - 1]!.simulatedMs);
    });
  });
});

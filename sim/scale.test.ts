// Scale: 1,000 virtual clients for one simulated hour with swarm faults and the default
// workload complete and converge. Assertions are on the outcome and its totals only, never
// on wall time (speed belongs to the benchmarks); the generous timeout only stops a hang.

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from './config.ts';
import { describeFaultMix } from './plan.ts';
import { runSimulation } from './runner.ts';
import { summarize } from './summary.ts';
import { HOUR_MS, eventsOf, survivalProblems } from './testing.ts';

const SEED = 1;
const CLIENTS = 1000;
/** Guards against a hang only; measured ~10–15 s on a 2-core machine. */
const HANG_TIMEOUT_MS = 10 * 60 * 1000;

describe('scale', () => {
  it(
    `1,000 clients × 1 simulated hour, swarm faults, default workload (seed ${SEED}): completes and converges`,
    () => {
      const config = buildSimConfig({ seed: SEED, clients: CLIENTS, durationMs: HOUR_MS });
      expect(config.faults.swarm, 'swarm on').toBe(true);
      const result = runSimulation({ config });
      const { history, plan } = result;
      const summary = summarize(history);
      const about = `seed ${SEED}, faults ${describeFaultMix(plan)}, summary ${JSON.stringify(summary)}`;

      expect(history.converged, about).toBe(true);
      expect(survivalProblems(history).slice(0, 10), about).toEqual([]);
      expect(history.clients.length, about).toBe(CLIENTS);

      // The default workload is 60 ops per client per hour: a Poisson total of 60,000 ± a few hundred.
      const expectedOps = CLIENTS * config.workload.opsPerClientPerHour;
      expect(plan.ops.length, about).toBeGreaterThan(expectedOps * 0.95);
      expect(plan.ops.length, about).toBeLessThan(expectedOps * 1.05);
      // An op resolves to nothing (no invoke) only when it cannot apply: a delete of an unknown entity, a write to a tombstone, or its client is down.
      expect(summary.ops.invoked, about).toBeGreaterThan(plan.ops.length * 0.5);
      expect(summary.ops.invoked, about).toBeLessThanOrEqual(plan.ops.length);
      // Every invoked op completed exactly once, and nothing was left open.
      const completions = new Map<number, number>();
      for (const c of eventsOf(history, 'complete')) completions.set(c.opId, (completions.get(c.opId) ?? 0) + 1);
      const unanswered = eventsOf(history, 'invoke').filter((i) => completions.get(i.opId) !== 1).map((i) => i.opId);
      expect(unanswered.slice(0, 10), `${about}: ops not completed exactly once`).toEqual([]);
      expect(summary.ops.ok + summary.ops.fail + summary.ops.info, about).toBe(summary.ops.invoked);

      // Every planned fault started (all start inside the chaos phase), and the workload made it through.
      expect(plan.faults.length, about).toBeGreaterThan(0);
      expect(summary.faults, about).toBe(plan.faults.length);
      const logged = Object.values(history.server!.appliedQueueIds).reduce((n, ids) => n + ids.length, 0);
      expect(logged, about).toBeGreaterThan((summary.ops.invoked - summary.ops.reads) * 0.5);
      expect(summary.applies, about).toBeGreaterThanOrEqual(logged);
      expect(summary.queueRemaining, about).toBe(0);
      expect(history.endedAt, about).toBeLessThanOrEqual(config.durationMs + config.convergenceBudgetMs);
    },
    HANG_TIMEOUT_MS,
  );
});

// One acceptance test per fault kind of SWARM_FAULT_KINDS (DESIGN §5; the rollout kinds have sim/upgrade.test.ts): a hand-built nemesis schedule
// makes the fault bite at a chosen time on a chosen client, then we check (a) that it happened
// and had its observable effect in the history, and (b) that the engine survived it: the run
// converged, queues are empty, every client's state equals the server's, no queueId was
// applied twice and no created entity was lost (survivalProblems in testing.ts).
// The cases live by family in sim/fault-cases-{network,server,client}.ts and run in
// sim/faults-{network,server,client}.test.ts; this file checks that together they hold exactly
// one case per kind, and keeps the regressions for engine bugs these tests found.

import { describe, expect, it } from 'vitest';
import { CLIENT_CASES } from './fault-cases-client.ts';
import { NETWORK_CASES } from './fault-cases-network.ts';
import { SERVER_CASES } from './fault-cases-server.ts';
import { clientFault, expectSurvived, runFaults, serverFault, survive } from './fault-cases.ts';
import { MINUTE_MS, SECOND_MS, engineEvents, isSendSide, messagesOf } from './testing.ts';
import { SWARM_FAULT_KINDS } from './types.ts';

const FAMILIES = [NETWORK_CASES, SERVER_CASES, CLIENT_CASES];

describe('every fault kind bites and the engine survives it', () => {
  it('every kind of SWARM_FAULT_KINDS has exactly one case across the family tables', () => {
    const kinds = FAMILIES.flatMap((cases) => Object.keys(cases));
    expect(SWARM_FAULT_KINDS.filter((kind) => !kinds.includes(kind))).toEqual([]);
    expect(kinds.filter((kind) => !(SWARM_FAULT_KINDS as readonly string[]).includes(kind))).toEqual([]);
    expect(kinds.filter((kind, index) => kinds.indexOf(kind) !== index), 'kinds with a case in more than one family').toEqual([]);
  });
});

// Bugs these acceptance tests found in the engine core, written as the correct behaviour.
// `it.fails` keeps the suite green while the bug is there and turns red once it is fixed:
// then make it a plain `it`.
describe('engine bugs found by these tests (regressions)', () => {
  it('a backward clock step does not hold queued items back until the clock catches up (seed 7)', () => {
    // Items queued behind a partition keep nextAttemptAt on the old clock: after a 2 h step
    // back they are not sent for 2 h, past the 1 h convergence budget.
    const seed = 7;
    const run = runFaults(seed, [
      clientFault('partition', 0, { durationMs: MINUTE_MS }),
      clientFault('clock-step', -2 * 60 * MINUTE_MS, { atMs: 90 * SECOND_MS, durationMs: SECOND_MS }),
    ]);
    expectSurvived(run);
  });

  it('after a 429 with Retry-After, a client does not pull again before Retry-After (seed 7)', () => {
    // The interval timer pulls without looking at the pull backoff (maybePull from syncNow).
    const seed = 7;
    const retryAfterMs = 20_000;
    const { history } = survive(seed, [serverFault('server-429', retryAfterMs)]);
    const failures = engineEvents(history, 'request-failed').filter((e) => e.event.kind === 'pull' && e.event.status === 429);
    expect(failures.length, `seed ${seed}: pulls answered 429`).toBeGreaterThan(0);
    for (const f of failures) {
      const next = messagesOf(history, f.client).find((m) => m.kind === 'pull' && m.dir === 'request' && isSendSide(m) && m.t > f.t);
      // True time; the client's drift (≤ 100 ppm) makes 20 s of its clock differ by ≤ 2 ms.
      if (next !== undefined) expect(next.t - f.t, `seed ${seed}: client ${f.client} pulled again after a 429 at ${f.t}`).toBeGreaterThanOrEqual(retryAfterMs - 5);
    }
  });
});

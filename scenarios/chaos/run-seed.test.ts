// checkSeed: one simulation and every checker. The correct engine holds every property on the
// default chaos config; a bug of the zoo fails the checker it breaks; a run that throws is a
// failed 'exception' check rather than a crash of the chaos run.

import { describe, expect, it } from 'vitest';
import { BUGS } from '../bugs.ts';
import { CHECKER_NAMES } from '../checkers/index.ts';
import { buildSimConfig } from '../../sim/config.ts';
import { generatePlan } from '../../sim/plan.ts';
import { CORRECT_SYSTEM } from '../../sim/variants.ts';
import { checkContextOf, checkRunSafely, checkSeed, EXCEPTION_CHECK, EXCEPTION_RULE, explainFailures, firstExplanation } from './run-seed.ts';

describe('checkSeed', () => {
  it.each([1, 2, 3])('the correct engine holds every property on default chaos seed %i', (seed) => {
    const check = checkSeed({ config: buildSimConfig({ seed }), variant: CORRECT_SYSTEM });
    expect(check.failed, explainFailures(check.results).join('\n')).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.seed).toBe(seed);
    expect(check.results.map((r) => r.name)).toEqual(CHECKER_NAMES);
    expect(check.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(check.events).toBeGreaterThan(0);
    expect(check.summary.converged).toBe(true);
  });

  it('is deterministic: the same seed gives the same trace hash and verdicts', () => {
    const config = buildSimConfig({ seed: 7, clients: 10 });
    const a = checkSeed({ config, variant: CORRECT_SYSTEM });
    const b = checkSeed({ config, variant: CORRECT_SYSTEM });
    expect({ ...a, wallMs: 0 }).toEqual({ ...b, wallMs: 0 });
  });

  it('a bug of the zoo fails the checker it breaks, explained in words', () => {
    const bug = BUGS.find((b) => b.name === 'transient-dead-lettered')!;
    const config = buildSimConfig({ seed: 1, clients: 10, faults: { kinds: [...bug.faults], swarm: false, faultsPerHour: 120 } });
    const check = checkSeed({ config, variant: bug.variant });
    expect(check.ok).toBe(false);
    expect(check.failed).toContain(bug.breaks);
    expect(check.variant).toBe(bug.name);
    expect(firstExplanation(check.results)).toMatch(/dead-lettered for a transient error/);
    expect(explainFailures(check.results)[0]).toMatch(/^✗ error-classification — /);
    expect(explainFailures(check.results)).toContainEqual(expect.stringMatching(/^ {2}· \[transient-dead-lettered\] /));
    expect(check.results.find((r) => r.name === 'error-classification')!.rules).toEqual(['transient-dead-lettered']);
  });

  it("takes the checkers' context from the variant's engine options over the config's", () => {
    const bug = BUGS.find((b) => b.name === 'lww-skewed-clocks')!;
    const config = buildSimConfig({ engine: { conflictPolicy: 'lww-hlc', backoffBaseMs: 700 } });
    expect(checkContextOf(config, bug.variant)).toMatchObject({ conflictPolicy: 'lww-client-clock', backoffBaseMs: 700 });
    expect(checkContextOf(config, CORRECT_SYSTEM).conflictPolicy).toBe('lww-hlc');
  });

  it("a run that throws is a failed '" + EXCEPTION_CHECK + "' check carrying the message", () => {
    const config = buildSimConfig({ seed: 3, clients: 2, teamSize: 1 });
    const plan = generatePlan(config);
    // An op of a client that does not exist: the runner trips over it.
    const broken = { ...plan, ops: [{ atMs: 10, client: 9, action: 'write' as const, entity: 0 }] };
    const { check, run } = checkRunSafely({ config, plan: broken, variant: CORRECT_SYSTEM });
    expect(run).toBeNull();
    expect(check.ok).toBe(false);
    expect(check.failed).toEqual([EXCEPTION_CHECK]);
    expect(check.error).toBeTruthy();
    expect(check.results[0]!.summary).toMatch(/^the simulation threw: /);
    expect(check.results[0]!.rules).toEqual([EXCEPTION_RULE]);
  });
});

// The person who answers conflicts (sim/answers.ts): under the manual and field-merge policies
// every conflict the engine pauses is answered about a minute later, keep-local or keep-server,
// so those runs converge; a crash as the answer is saved leaves it to be answered again.

import { describe, expect, it } from 'vitest';
import { ANSWER_DELAY_MS, ANSWER_OP_ID, answerOf } from './answers.ts';
import { Rng } from './rng.ts';
import { engineEvents, eventsOf, faultTestConfig, runWithFaults, survivalProblems } from './testing.ts';
import { clientFault } from './fault-cases.ts';
import type { ConflictPolicy } from '../engine/options.ts';

/** One team of 4 on 3 entities, writing often: clashes are certain. */
function contended(seed: number, policy: ConflictPolicy) {
  return faultTestConfig(seed, { clients: 4, teamSize: 4, engine: { conflictPolicy: policy }, workload: { entitiesPerTeam: 3, opsPerClientPerHour: 600 } });
}

describe('the person who answers conflicts', () => {
  it('answers keep-local or keep-server, about half each, from the rng it is given', () => {
    const rng = new Rng(42, 'answers');
    const kinds = Array.from({ length: 1000 }, () => answerOf(rng).kind);
    const local = kinds.filter((k) => k === 'keep-local').length;
    expect(new Set(kinds)).toEqual(new Set(['keep-local', 'keep-server']));
    expect(local).toBeGreaterThan(400);
    expect(local).toBeLessThan(600);
  });

  it.each(['manual', 'field-merge'] as const)('under %s, every paused conflict is answered within a minute, and the run converges', (policy) => {
    const { history } = runWithFaults(contended(3, policy), []);
    const paused = engineEvents(history, 'conflict').filter((c) => c.event.outcome === 'manual');
    expect(paused.length).toBeGreaterThan(0);
    const answers = engineEvents(history, 'conflict-resolved');
    // Each within a minute: the person answers every conflict open on the device at once.
    for (const conflict of paused) {
      const answer = answers.find((a) => a.client === conflict.client && a.event.queueId === conflict.event.queueId && a.t >= conflict.t);
      expect(answer?.t, `${conflict.event.queueId} paused at ${conflict.t}`).toBeLessThanOrEqual(conflict.t + ANSWER_DELAY_MS);
    }
    expect(answers.some((a) => paused.some((c) => a.t === c.t + ANSWER_DELAY_MS))).toBe(true);
    // An answer is no workload op: no completion for it.
    expect(eventsOf(history, 'complete').some((c) => c.opId === ANSWER_OP_ID)).toBe(false);
    expect(history.converged).toBe(true);
    expect(history.clients.every((c) => c.conflicts.length === 0 && c.queue.length === 0)).toBe(true);
    expect(survivalProblems(history)).toEqual([]);
  });

  it('an answer lost to a crash as it was saved is given again once the app is back', () => {
    const config = contended(3, 'manual');
    const calm = runWithFaults(config, []);
    const first = engineEvents(calm.history, 'conflict').find((c) => c.event.outcome === 'manual')!;
    // The client's storage refuses every commit from just before its answer: the answer's commit fails.
    const quota = clientFault('storage-quota', 0, { client: first.client, atMs: first.t + ANSWER_DELAY_MS - 1, durationMs: 30_000 });
    const { history } = runWithFaults(config, [quota]);
    const resolved = engineEvents(history, 'conflict-resolved', first.client).filter((a) => a.event.queueId === first.event.queueId);
    expect(resolved.length).toBeGreaterThan(0);
    expect(resolved[0]!.t).toBeGreaterThan(first.t + ANSWER_DELAY_MS);
    expect(history.converged).toBe(true);
  });
});

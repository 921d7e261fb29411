// The rollout order a shrink candidate must keep: the server's upgrade stays while a client's does.

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from '../../sim/config.ts';
import type { Fault } from '../../sim/types.ts';
import { keepsRolloutOrder, withPlan, type Candidate } from './shrink-plan.ts';

const SERVER_UPGRADE: Fault = { atMs: 120_000, kind: 'server-upgrade', durationMs: 1000, client: -1, param: 1 };
const CLIENT_UPGRADE: Fault = { atMs: 587_107, kind: 'client-upgrade', durationMs: 25_440, client: 0, param: 1 };
const ROLLBACK: Fault = { atMs: 478_030, kind: 'server-rollback', durationMs: 144_255, client: -1, param: 0 };

function candidate(faults: Fault[]): Candidate {
  return { config: buildSimConfig({ clients: 1, teamSize: 1 }), plan: { ops: [], faults, faultMix: {}, clocks: [{ offsetMs: 0, driftPpm: 0 }] } as unknown as Candidate['plan'] };
}

describe('keepsRolloutOrder', () => {
  const current = candidate([SERVER_UPGRADE, ROLLBACK, CLIENT_UPGRADE]);

  it('refuses a candidate that drops the server upgrade but keeps a client upgrade (rolling-upgrade seed 400865)', () => {
    expect(keepsRolloutOrder(current, withPlan(current, { faults: [ROLLBACK, CLIENT_UPGRADE] }))).toBe(false);
  });

  it('lets the server upgrade go with the last client upgrade, and any other fault go', () => {
    expect(keepsRolloutOrder(current, withPlan(current, { faults: [ROLLBACK] }))).toBe(true);
    expect(keepsRolloutOrder(current, withPlan(current, { faults: [SERVER_UPGRADE, CLIENT_UPGRADE] }))).toBe(true);
  });

  it('says nothing of a run that had no server upgrade to begin with', () => {
    const bare = candidate([ROLLBACK, CLIENT_UPGRADE]);
    expect(keepsRolloutOrder(bare, withPlan(bare, { faults: [CLIENT_UPGRADE] }))).toBe(true);
  });
});

// Properties of push over generated histories: replays are answered from the stored ok results
// and change nothing, a queueId is applied at most once, revisions and seq only go up, and
// every valid item is ok or conflict exactly as the reference model says.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entityKey, type PushItemResult, type PushResponse } from '../../engine/protocol.ts';
import type { AppliedChange } from './apply.ts';
import type { ServerCore } from './server-core.ts';
import { CLIENTS, FC_SEED, historyArb, newCore, runHistory, stateData } from './testkit.ts';

function rebase(core: ServerCore, user: string, item: Record<string, unknown>): Record<string, unknown> {
  const current = core.entities(user).get(entityKey(item['entityType'] as string, item['entityId'] as string));
  return { ...item, baseRevision: current?.revision ?? null };
}

function resultsOf(body: unknown): readonly PushItemResult[] {
  return (body as PushResponse).results;
}

describe('push idempotency and ordering (properties)', () => {
  it('replaying any earlier push returns the stored oks and changes nothing', () => {
    const replayArb = fc.record({ pick: fc.nat(), clientIndex: fc.nat(CLIENTS.length - 1) });
    fc.assert(
      fc.property(historyArb, replayArb, (history, { pick, clientIndex }) => {
        const core = newCore();
        const { records } = runHistory(core, history);
        const original = records[pick % records.length]!;
        const before = stateData(core);
        // The idempotency key is (user, queueId): another device of the same user replays too.
        const body = { ...original.body, clientId: CLIENTS[clientIndex] };
        const { reply, applied } = core.push(original.user, body, 999_999);
        expect(reply.status).toBe(200);
        const replayed = resultsOf(reply.body);
        original.results.forEach((first, i) => {
          if (first.status === 'ok') expect(replayed[i]).toEqual({ ...first, replayed: true });
          else if (first.status === 'error') expect(replayed[i]).toEqual(first);
          // Conflicts are not stored: the same queueId is evaluated afresh.
          else expect(['ok', 'conflict']).toContain(replayed[i]?.status);
        });
        const conflicted = new Set(original.results.filter((r) => r.status === 'conflict').map((r) => r.queueId));
        expect(applied.every((change) => conflicted.has(change.queueId))).toBe(true);
        if (conflicted.size === 0) {
          expect(applied).toEqual([]);
          expect(stateData(core)).toEqual(before);
        }
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });

  it('a queueId is applied at most once, whatever is replayed in between', () => {
    const stepArb = fc.array(fc.record({ pick: fc.nat(), reverse: fc.boolean(), rebase: fc.boolean() }), { maxLength: 15 });
    fc.assert(
      fc.property(historyArb, stepArb, (history, steps) => {
        const core = newCore();
        const run = runHistory(core, history);
        const all: AppliedChange[] = [...run.applied];
        steps.forEach((step, i) => {
          const record = run.records[step.pick % run.records.length]!;
          // A replay may arrive with its items in another order (a different batch of the same queue),
          // or rebased on the current revision (a client that took a lost ack for a conflict):
          // only the stored result stops such a replay from applying twice.
          const rebased = step.rebase ? record.body.items.map((item) => rebase(core, record.user, item)) : record.body.items;
          const items = step.reverse ? [...rebased].reverse() : rebased;
          all.push(...core.push(record.user, { ...record.body, items }, 500_000 + i).applied);
        });
        const keys = all.map((change) => `${change.user}/${change.queueId}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(core.appliedCount()).toBe(all.length);
        expect(core.state.seq).toBe(all.length);
        for (const [user, space] of core.state.users) {
          const logged = space.log.map((entry) => entry.change.origin.queueId);
          expect(logged).toEqual(all.filter((change) => change.user === user).map((change) => change.queueId));
        }
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('seq goes up by one per applied change and each entity revision by one', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const core = newCore();
        const { applied, records } = runHistory(core, history);
        expect(applied.map((change) => change.seq)).toEqual(applied.map((_, i) => i + 1));
        const revisions = new Map<string, number>();
        for (const change of applied) {
          const key = `${change.user}/${change.entityType}/${change.entityId}`;
          expect(change.revision).toBe((revisions.get(key) ?? 0) + 1);
          revisions.set(key, change.revision);
        }
        const oks = records.flatMap((record) => record.results.filter((r) => r.status === 'ok'));
        expect(oks.map((r) => [r.queueId, r.revision])).toEqual(applied.map((c) => [c.queueId, c.revision]));
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });

  it('every valid item is ok or conflict exactly as the rules say, with the right fields', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const core = newCore();
        const run = runHistory(core, history);
        expect(run.modelMismatches).toEqual([]);
        for (const [user] of core.state.users) {
          for (const entity of core.entities(user).values()) {
            expect(entity.fields).toEqual(run.fieldsByQueueId.get(entity.origin.queueId));
          }
        }
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});

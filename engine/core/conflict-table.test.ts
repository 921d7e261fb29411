// The table that decides what a conflict answer does to the entity's confirmed server state
// (conflict.ts CONFIRMED_REFRESH_TABLE). One test per row pins the row (its facts and outcome,
// in its place) and shows that an example reaches it and that each of its facts matters:
// flipping any one of them hands the decision to another row.

import { describe, expect, it } from 'vitest';
import { CONFIRMED_REFRESH_TABLE, confirmedRefreshOf, type ConfirmedRefresh, type ConflictFacts } from './conflict.ts';

/** Facts in the order of ConflictFacts, as a compact row literal. */
function facts(
  answerHasNoEntity: boolean,
  answeredInOurEpoch: boolean,
  confirmedKnown: boolean,
  confirmedHasRevision: boolean,
  confirmedIsOurs: boolean,
  confirmedIsThisOp: boolean,
  answerIsNewer: boolean,
): ConflictFacts {
  return { answerHasNoEntity, answeredInOurEpoch, confirmedKnown, confirmedHasRevision, confirmedIsOurs, confirmedIsThisOp, answerIsNewer };
}

interface PinnedRow {
  readonly id: string;
  readonly when: Partial<ConflictFacts>;
  readonly outcome: ConfirmedRefresh;
  /** Facts that reach this row. */
  readonly example: ConflictFacts;
}

const T = true;
const F = false;
const PINNED: readonly PinnedRow[] = [
  {
    id: 'learned-since',
    when: { answerHasNoEntity: T, answeredInOurEpoch: T, confirmedKnown: T, confirmedHasRevision: T },
    outcome: 'keep',
    example: facts(T, T, T, T, F, F, F),
  },
  { id: 'no-such-entity', when: { answerHasNoEntity: T }, outcome: 'forget', example: facts(T, F, T, T, F, F, F) },
  {
    id: 'ours-for-repair',
    when: { answeredInOurEpoch: F, confirmedKnown: T, confirmedIsOurs: T, confirmedIsThisOp: F },
    outcome: 'keep',
    example: facts(F, F, T, T, T, F, T),
  },
  { id: 'confirmed-is-this-op', when: { confirmedIsThisOp: T }, outcome: 'adopt', example: facts(F, T, T, T, T, T, F) },
  { id: 'nothing-confirmed', when: { confirmedKnown: F }, outcome: 'adopt', example: facts(F, T, F, F, F, F, F) },
  { id: 'answer-newer', when: { answerIsNewer: T }, outcome: 'adopt', example: facts(F, T, T, T, F, F, T) },
  { id: 'pull-brought-newer', when: {}, outcome: 'keep', example: facts(F, T, T, T, F, F, F) },
];

describe('confirmed-state refresh after a conflict (the table)', () => {
  it('has exactly the pinned rows, in order', () => {
    expect(CONFIRMED_REFRESH_TABLE.map((row) => row.id)).toEqual(PINNED.map((row) => row.id));
  });

  it.each(PINNED.map((pinned, index) => [pinned.id, pinned.outcome, index, pinned] as const))('row %s → %s', (_id, _outcome, index, pinned) => {
    const row = CONFIRMED_REFRESH_TABLE[index]!;
    expect({ id: row.id, when: row.when, outcome: row.outcome }).toEqual({ id: pinned.id, when: pinned.when, outcome: pinned.outcome });
    expect(row.why.length).toBeGreaterThan(0);
    expect(row.seed.length).toBeGreaterThan(0);
    expect(confirmedRefreshOf(pinned.example).id).toBe(pinned.id);
    for (const name of Object.keys(pinned.when) as (keyof ConflictFacts)[]) {
      const flipped = { ...pinned.example, [name]: !pinned.example[name] };
      expect(confirmedRefreshOf(flipped).id, `${pinned.id} with ${name} flipped`).not.toBe(pinned.id);
    }
  });

  it('decides every combination of facts (the last row holds always)', () => {
    for (let bits = 0; bits < 1 << 7; bits++) {
      const all = facts(...([0, 1, 2, 3, 4, 5, 6].map((i) => (bits & (1 << i)) !== 0) as [boolean, boolean, boolean, boolean, boolean, boolean, boolean]));
      expect(PINNED.map((row) => row.id)).toContain(confirmedRefreshOf(all).id);
    }
  });
});

// aliveAt: which applies are part of the server's state after rollbacks, nested ones included
// (a snapshot taken before an earlier rollback brings back what that rollback undid).

import { describe, expect, it } from 'vitest';
import { aliveAt, type HistoryIndex } from './history-index.ts';

function withWindows(windows: { fromT: number; atT: number }[]): HistoryIndex {
  return { rollbackWindows: windows } as unknown as HistoryIndex;
}

describe('aliveAt', () => {
  it('without rollbacks every apply made by then counts', () => {
    const index = withWindows([]);
    expect(aliveAt(index, 10, 10)).toBe(true);
    expect(aliveAt(index, 10, 9)).toBe(false);
  });

  it('a rollback undoes the applies after its snapshot, not those before it, nor later ones', () => {
    const index = withWindows([{ fromT: 100, atT: 200 }]);
    expect(aliveAt(index, 50, 300)).toBe(true);
    expect(aliveAt(index, 150, 300)).toBe(false);
    expect(aliveAt(index, 150, 199)).toBe(true); // not rolled back yet
    expect(aliveAt(index, 250, 300)).toBe(true);
  });

  it('nested rollbacks: a snapshot from before an earlier rollback restores what that one undid', () => {
    // The shape of default seed 513: snapshot A at 305, snapshot B at 385; A restored at 448, B at 541.
    const index = withWindows([{ fromT: 305, atT: 448 }, { fromT: 385, atT: 541 }]);
    expect(aliveAt(index, 368, 400)).toBe(true);
    expect(aliveAt(index, 368, 500)).toBe(false); // undone at 448
    expect(aliveAt(index, 368, 600)).toBe(true); // back with B's snapshot at 541
    expect(aliveAt(index, 457, 500)).toBe(true);
    expect(aliveAt(index, 457, 600)).toBe(false); // after B's snapshot: undone at 541
    expect(aliveAt(index, 300, 600)).toBe(true);
  });
});

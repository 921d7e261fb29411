// The .cpuprofile reader: self time per function from samples and their gaps, idle left
// out, nodes of one function summed, the table, and definition lines found in source.

import { describe, expect, it } from 'vitest';
import { busyMs, findDefinitionLine, formatSelfTimes, parseCpuProfile, selfTimes, withSourceLines } from './cpuprofile.ts';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 });

/** root → step (world.ts line 10), root → record (history.ts), root → (idle), a second step node. */
const PROFILE = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
    { id: 2, callFrame: frame('step', 'file:///repo/sim/world.ts', 9) },
    { id: 3, callFrame: frame('record', 'file:///repo/sim/history.ts', 0) },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('step', 'file:///repo/sim/world.ts', 9) },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 10_000,
  // sample i lasts until sample i+1: step 3 ms (1 + 2 on another node), record 4 ms, idle 1 ms, GC 1 ms (the mean gap, last)
  samples: [2, 3, 5, 4, 6],
  timeDeltas: [0, 1000, 4000, 2000, 1000],
};

describe('cpuprofile reader', () => {
  it('sums self time per function, highest first, idle left out', () => {
    const rows = selfTimes(parseCpuProfile(JSON.stringify(PROFILE)), '/repo/');
    expect(rows.map((r) => [r.functionName, r.location, r.selfMs])).toEqual([
      ['record', 'sim/history.ts:1', 4],
      ['step', 'sim/world.ts:10', 3],
      ['(garbage collector)', '', 2],
    ]);
    expect(rows.map((r) => Math.round(r.percent))).toEqual([44, 33, 22]);
  });

  it('counts busy time without (idle)', () => {
    expect(busyMs(parseCpuProfile(JSON.stringify(PROFILE)))).toBe(9);
  });

  it('rejects a file of another shape, naming the field', () => {
    expect(() => parseCpuProfile(JSON.stringify({ ...PROFILE, timeDeltas: [1] }))).toThrow(/timeDeltas \(one per sample\)/);
    expect(() => parseCpuProfile(JSON.stringify({ ...PROFILE, nodes: [{ id: 1 }] }))).toThrow(/every node/);
  });

  it('formats a table with ranks, self ms and percent', () => {
    const table = formatSelfTimes([{ functionName: 'record', location: 'sim/history.ts:120', selfMs: 4.2, percent: 44.44 }]);
    expect(table.split('\n')).toEqual(['#  function  file:line           self ms     %', '1  record    sim/history.ts:120        4  44.4']);
  });
});

describe('definition lines', () => {
  const source = ['// perform is mentioned here', 'export function helper<T>(x: T) {}', 'class A {', '  private perform(effect: X): boolean {', '  get now(): number {', '  #pushItem(a) {', '}', 'const arrow = (a: number) => a;'].join('\n');

  it('finds functions, methods, accessors, private methods and arrow consts', () => {
    expect(findDefinitionLine(source, 'helper')).toBe(2);
    expect(findDefinitionLine(source, 'perform')).toBe(4);
    expect(findDefinitionLine(source, 'now')).toBe(5);
    expect(findDefinitionLine(source, '#pushItem')).toBe(6);
    expect(findDefinitionLine(source, 'arrow')).toBe(8);
    expect(findDefinitionLine(source, 'missing')).toBeNull();
    expect(findDefinitionLine(source, '(garbage collector)')).toBeNull();
  });

  it('replaces line 1 of a TypeScript file with the definition line, when found', () => {
    const rows = [
      { functionName: 'perform', location: 'sim/client.ts:1', selfMs: 1, percent: 50 },
      { functionName: 'lost', location: 'sim/client.ts:1', selfMs: 1, percent: 50 },
      { functionName: 'x', location: 'node:internal/a:1', selfMs: 1, percent: 0 },
    ];
    const located = withSourceLines(rows, (path, name) => (path === 'sim/client.ts' && name === 'perform' ? 120 : null));
    expect(located.map((r) => r.location)).toEqual(['sim/client.ts:120', 'sim/client.ts:1', 'node:internal/a:1']);
  });
});

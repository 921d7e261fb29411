// The benchmark table: subjects once per group, a dash for no target, pass/short marks.

import { describe, expect, it } from 'vitest';
import { formatTable, markOf } from './table.ts';

describe('bench table', () => {
  it('marks pass, short, or nothing', () => {
    expect([markOf(true), markOf(false), markOf(null)]).toEqual(['pass', 'short', '']);
  });

  it('aligns columns and shows each subject once', () => {
    const table = formatTable([
      { subject: 'A', figure: 'wall time', value: '1.00 s', target: '< 10 s', pass: true },
      { subject: 'A', figure: 'events', value: '12', target: null, pass: null },
      { subject: 'B', figure: 'ratio', value: '3.0×', target: '≥ 5×', pass: false },
    ]);
    expect(table.split('\n')).toEqual([
      'measurement  figure     value   target  mark',
      '-----------  ---------  ------  ------  -----',
      'A            wall time  1.00 s  < 10 s  pass',
      '             events     12      —',
      'B            ratio      3.0×    ≥ 5×    short',
    ]);
  });
});

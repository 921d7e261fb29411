// Formats benchmark rows as a plain-text table: the subject on the first row of its group,
// then figure, value, target and a pass/short mark. Pure.

import type { Row } from './rows.ts';

const HEADER = ['measurement', 'figure', 'value', 'target', 'mark'] as const;

export function markOf(pass: boolean | null): string {
  return pass === null ? '' : pass ? 'pass' : 'short';
}

function cellsOf(rows: readonly Row[]): string[][] {
  return rows.map((row, index) => [
    index > 0 && rows[index - 1]!.subject === row.subject ? '' : row.subject,
    row.figure,
    row.value,
    row.target ?? '—',
    markOf(row.pass),
  ]);
}

export function formatTable(rows: readonly Row[]): string {
  const cells = [[...HEADER], ...cellsOf(rows)];
  const widths = HEADER.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  const render = (line: readonly string[]): string => line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(cells[0]!), rule, ...cells.slice(1).map(render)].join('\n');
}

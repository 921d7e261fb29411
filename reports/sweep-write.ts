// Writes the multi-run reports into a directory: DIR/sweep.json + DIR/report.html for a sweep,
// DIR/compare.json + DIR/report.html for a comparison. JSON is indented one space per level,
// as the other report files are.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CompareFile } from './compare.ts';
import { renderCompareReport } from './compare-html.ts';
import type { SweepFile } from './sweep.ts';
import { renderSweepReport } from './sweep-html.ts';

export const SWEEP_JSON_FILE = 'sweep.json';
export const COMPARE_JSON_FILE = 'compare.json';
export const MULTI_REPORT_HTML_FILE = 'report.html';

export interface WrittenReport {
  readonly jsonPath: string;
  readonly htmlPath: string;
}

function write(dir: string, jsonName: string, value: unknown, html: string): WrittenReport {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const jsonPath = join(root, jsonName);
  const htmlPath = join(root, MULTI_REPORT_HTML_FILE);
  writeFileSync(jsonPath, JSON.stringify(value, null, 1) + '\n');
  writeFileSync(htmlPath, html);
  return { jsonPath, htmlPath };
}

export function writeSweepFiles(dir: string, file: SweepFile, command?: string): WrittenReport {
  return write(dir, SWEEP_JSON_FILE, file, renderSweepReport(file, command === undefined ? {} : { command }));
}

export function writeCompareFiles(dir: string, file: CompareFile, command?: string): WrittenReport {
  return write(dir, COMPARE_JSON_FILE, file, renderCompareReport(file, command === undefined ? {} : { command }));
}

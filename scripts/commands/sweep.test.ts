// `syncstorm sweep` and `syncstorm compare` through the CLI: bad values are usage errors
// (exit 2, one line naming the flag or argument and the value), and a small run writes its files.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type CliOutput } from '../cli.ts';

function capture(): CliOutput & { out: string; err: string } {
  const o = { out: '', err: '', writeOut: (t: string) => { o.out += t; }, writeErr: (t: string) => { o.err += t; } };
  return o;
}

async function cli(...args: string[]): Promise<{ code: number; err: string }> {
  const output = capture();
  const code = await run(['node', 'syncstorm', ...args], output);
  return { code, err: output.err };
}

describe('syncstorm sweep / compare usage errors', () => {
  it.each([
    [['sweep', '--param', 'batchSize=1,5', '--out', 'x'], "--param names an unknown engine option 'batchSize'"],
    [['sweep', '--param', 'batchItemsMax=0,5', '--out', 'x'], "--param batchItemsMax should be an integer from 1 to 10000, got '0'"],
    [['sweep', '--param', 'backoffBaseMs=fast', '--out', 'x'], "--param backoffBaseMs should be an integer of milliseconds or a duration such as 500ms, 10s, 5m, got 'fast'"],
    [['sweep', '--param', 'batchItemsMax=1', '--param', 'batchItemsMax=2', '--out', 'x'], '--param names batchItemsMax twice'],
    [['sweep', '--param', 'backoffCapMs=5000', '--out', 'x'], "--param gives an invalid combination (backoffCapMs should be an integer from 10000"],
    [['sweep', '--out', 'x'], '--param NAME=V1,V2,… is required'],
    [['sweep', '--param', 'batchItemsMax=1', '--seeds', '0', '--out', 'x'], "--seeds must be an integer from 1 to 10000, got '0'"],
    [['compare', 'policy=bogus', 'default', '--out', 'x'], "A conflictPolicy should be one of lww-client-clock, lww-hlc, server-wins, client-wins, field-merge, manual, got 'bogus'"],
    [['compare', 'default', 'out/chaos-b', '--out', 'x'], "B should be NAME=VALUE[,NAME=VALUE…]"],
  ])('%j exits 2 naming the flag and the value', async (args, message) => {
    const { code, err } = await cli(...args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});

describe('syncstorm sweep and compare on small runs', () => {
  it('sweep writes sweep.json and report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-sweep-cli-'));
    try {
      const { code } = await cli('sweep', '--param', 'batchItemsMax=1,25', '--seeds', '2', '--clients', '10', '--duration', '2m', '--out', dir);
      expect(code).toBe(0);
      const json = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { combinations: unknown[]; recommendation: { reason: string } | null };
      expect(json.combinations).toHaveLength(2);
      expect(json.recommendation?.reason).toMatch(/^Recommended batchItemsMax=/);
      expect(existsSync(join(dir, 'report.html'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compare writes compare.json and report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-compare-cli-'));
    try {
      const { code } = await cli('compare', 'policy=lww-hlc,batchItemsMax=1', 'policy=lww-hlc,batchItemsMax=25', '--seeds', '2', '--clients', '10', '--duration', '2m', '--out', dir);
      expect(code).toBe(0);
      const json = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as { metrics: { verdict: string }[]; b: { engine: unknown } };
      expect(json.metrics).toHaveLength(8);
      expect(json.b.engine).toEqual({ conflictPolicy: 'lww-hlc', batchItemsMax: 25 });
      expect(existsSync(join(dir, 'report.html'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The regression corpus: every run file under scenarios/regressions/ is a failure found once
// (a seed and plan that broke a property) with the verdict it must have now. The trace hash is
// not compared: the engine may change how it gets there; the properties must still hold.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunFile } from '../sim/run-file.ts';
import { runSimulation } from '../sim/runner.ts';
import { variantByName } from '../sim/variants.ts';
import { buildEngineOptions } from '../engine/options.ts';
import { runChecks } from './checkers/index.ts';
import { expectationHolds, expectationOf } from './expectation.ts';
import './bugs.ts';

const DIR = join(import.meta.dirname, 'regressions');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('regression corpus', () => {
  it('has replay files', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const name of files) {
    const json = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as { story?: string };
    it(`${name}: ${json.story ?? ''}`, () => {
      const runFile = parseRunFile(json, name);
      const variant = variantByName(runFile.variant);
      const result = runSimulation({ config: runFile.config, plan: runFile.plan, variant });
      const engine = buildEngineOptions({ ...runFile.config.engine, ...variant.engine, clientId: 'check' });
      const checks = runChecks(result.history, { conflictPolicy: engine.conflictPolicy, backoffBaseMs: engine.backoffBaseMs, backoffCapMs: engine.backoffCapMs });
      const failed = checks.filter((c) => !c.valid);
      const expected = expectationOf(json, name) ?? 'pass';
      const verdicts = failed.map((c) => `${c.name}: ${c.summary}`);
      expect(expectationHolds(expected, failed.map((c) => c.name)), `seed ${runFile.config.seed} expects ${expected}, failed: ${JSON.stringify(verdicts)}`).toBe(true);
    });
  }
});

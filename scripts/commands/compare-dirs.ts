// `syncstorm compare DIR_A DIR_B`: two chaos runs (each `chaos --samples --out DIR`) over the
// same seeds — two builds of the engine (a protocol change on a branch against main), or two
// configurations — compared per metric as `compare A B` compares variants, plus the seeds on
// which B took another path (trace hash). Both must be runs of one setup (scenario, clients,
// teams, chaos phase, faults, ops rate, convergence budget); engine variant and conflict policy may differ.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { ChaosSummary } from '../../scenarios/chaos/summary.ts';
import type { CompareFile, SampleSet } from '../../reports/compare.ts';
import { parseSamples, SAMPLES_FILE } from './chaos-sample.ts';

interface ChaosRunDir {
  readonly set: SampleSet;
  readonly summary: ChaosSummary;
}

/** A chaos --samples output directory; anything missing or malformed is a usage error naming the side and the file. */
async function readChaosRun(side: 'A' | 'B', dir: string): Promise<ChaosRunDir> {
  const { parseChaosSummary } = await import('../../scenarios/chaos/summary.ts');
  const summaryPath = join(dir, 'summary.json');
  const samplesPath = join(dir, SAMPLES_FILE);
  if (!existsSync(summaryPath)) throw new InvalidArgumentError(`${side} must be a variant spec or a chaos --out directory, got '${dir}' (a directory with no summary.json)`);
  if (!existsSync(samplesPath)) throw new InvalidArgumentError(`${side}: ${dir} has no ${SAMPLES_FILE}: run chaos with --samples to compare runs`);
  try {
    const summary = parseChaosSummary(JSON.parse(readFileSync(summaryPath, 'utf8')), summaryPath);
    const samples = parseSamples(readFileSync(samplesPath, 'utf8'), samplesPath);
    const t = summary.target;
    return { summary, set: { origin: { dir, scenario: t.scenario, variant: t.variant, policy: t.policy, faults: t.faults }, samples } };
  } catch (error) {
    throw new InvalidArgumentError(`${side}: ${(error as Error).message}`);
  }
}

/** The two runs must differ only in what is compared: the engine, never the workload or the faults. */
function checkSameSetup(a: ChaosRunDir, b: ChaosRunDir): void {
  const ta = a.summary.target;
  const tb = b.summary.target;
  const fields = ['scenario', 'clients', 'teamSize', 'durationMs', 'faults', 'opsPerClientPerHour', 'convergenceBudgetMs'] as const;
  for (const field of fields) {
    // A summary written before a field was kept says nothing about it: no mismatch to report.
    if (ta[field] === undefined || tb[field] === undefined) continue;
    if (ta[field] !== tb[field]) {
      throw new InvalidArgumentError(`A and B must be chaos runs of one setup, but ${field} differs: A ${JSON.stringify(ta[field])}, B ${JSON.stringify(tb[field])}`);
    }
  }
}

export async function compareChaosRuns(dirA: string, dirB: string, generatedBy: string): Promise<CompareFile> {
  const { compareSampleSets } = await import('../../reports/compare.ts');
  const { DEFAULT_SIM_CONFIG } = await import('../../sim/config.ts');
  const a = await readChaosRun('A', dirA);
  const b = await readChaosRun('B', dirB);
  checkSameSetup(a, b);
  const t = a.summary.target;
  const setup = {
    clients: t.clients,
    teamSize: t.teamSize,
    durationMs: t.durationMs,
    opsPerClientPerHour: t.opsPerClientPerHour ?? b.summary.target.opsPerClientPerHour ?? DEFAULT_SIM_CONFIG.workload.opsPerClientPerHour,
    // An unconverged seed counts as the whole budget: the runs' own (a scenario may set one), the default for older summaries.
    convergenceBudgetMs: t.convergenceBudgetMs ?? b.summary.target.convergenceBudgetMs ?? DEFAULT_SIM_CONFIG.convergenceBudgetMs,
  };
  try {
    return compareSampleSets(a.set, b.set, setup, generatedBy);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

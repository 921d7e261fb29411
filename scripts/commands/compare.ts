// `syncstorm compare A B`: two engine variants over the same seeds; per metric B − A with a
// paired bootstrap 95 % interval and a verdict; checker failures side by side. A and B are
// variant specs (engine option overrides such as `policy=lww-hlc,batchItemsMax=5`, or
// `default`), run here; or two `chaos --samples` output directories, compared as they are
// (two builds over the same seeds: compare-dirs.ts).
// Writes DIR/compare.json (shape: CompareFile in reports/compare.ts) and DIR/report.html.
// Exit 0 when written (a worse B is reported, not fatal), 2 usage error.

import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { CompareFile } from '../../reports/compare.ts';
import { EngineParamError, parseVariantSpec, type EngineOverrides } from '../../reports/sweep-params.ts';
import { addRunShapeOptions, commandLine, generatedBy, relativeToCwd, seedList, startProgress } from './sweep.ts';

export interface CompareFlags {
  readonly seeds: number;
  readonly seedStart: number;
  readonly clients: number;
  readonly duration: number;
  readonly opsPerHour?: number;
  readonly out: string;
}

/** A side of a comparison: engine variant to run, or a chaos run's directory to read. */
export type CompareSide = { readonly kind: 'variant'; readonly spec: string; readonly engine: EngineOverrides } | { readonly kind: 'chaos-run'; readonly dir: string };

/** A variant spec argument, or an existing directory (a chaos --samples run); the error names the argument (A or B) and the value. */
export function parseVariantArg(name: string): (value: string) => CompareSide {
  return (value) => {
    if (existsSync(value) && statSync(value).isDirectory()) return { kind: 'chaos-run', dir: value };
    try {
      return { kind: 'variant', spec: value, engine: parseVariantSpec(value) };
    } catch (error) {
      if (error instanceof EngineParamError) throw new InvalidArgumentError(`${name} ${error.message}`);
      throw error;
    }
  };
}

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description('variant A against variant B over the same seeds: B − A per metric with a bootstrap 95 % interval and a verdict; DIR/compare.json + DIR/report.html')
    .argument('<A>', "variant spec: engine option overrides NAME=VALUE[,NAME=VALUE…] (e.g. policy=lww-hlc,batchItemsMax=5) or 'default'", parseVariantArg('A'))
    .argument('<B>', 'variant spec, as A; or A and B both `chaos --samples --out` directories over the same seeds (two builds: the seeds and options flags are then theirs)', parseVariantArg('B'));
  addRunShapeOptions(command, 'seeds: S, S+1, … (each runs A and B)', 'output directory (compare.json, report.html)')
    .action(async (a: CompareSide, b: CompareSide, options: CompareFlags) => {
      if (a.kind === 'chaos-run' && b.kind === 'chaos-run') await runCompareDirsCommand(a.dir, b.dir, options);
      else if (a.kind === 'variant' && b.kind === 'variant') await runCompareCommand(a, b, options);
      else throw new InvalidArgumentError(`A and B must both be variant specs or both chaos --samples directories, got A ${a.kind === 'variant' ? `variant '${a.spec}'` : `directory '${a.dir}'`} and B ${b.kind === 'variant' ? `variant '${b.spec}'` : `directory '${b.dir}'`}`);
    });
}

export async function runCompareCommand(a: { spec: string; engine: EngineOverrides }, b: { spec: string; engine: EngineOverrides }, flags: CompareFlags): Promise<void> {
  const [{ runCompare }, { formatMs }, { describeOverrides }] = await Promise.all([
    import('../../reports/compare.ts'),
    import('../../reports/format.ts'),
    import('../../reports/sweep-params.ts'),
  ]);
  const seeds = seedList(flags.seedStart, flags.seeds);
  process.stderr.write(`compare: A ${describeOverrides(a.engine)} vs B ${describeOverrides(b.engine)} · ${seeds.length} seeds · ${flags.clients} clients · ${formatMs(flags.duration)} simulated\n`);
  const progress = await startProgress('compare', seeds.length * 2);
  let file;
  try {
    file = runCompare({ a, b, seeds, setup: { clients: flags.clients, teamSize: 5, durationMs: flags.duration, ...(flags.opsPerHour === undefined ? {} : { opsPerClientPerHour: flags.opsPerHour }) }, generatedBy: generatedBy(), onProgress: progress.tick });
  } finally {
    progress.stop();
  }
  await reportComparison(file, flags.out);
}

/** Two chaos runs' samples, compared as they are: nothing is run. */
export async function runCompareDirsCommand(dirA: string, dirB: string, flags: CompareFlags): Promise<void> {
  const { compareChaosRuns } = await import('./compare-dirs.ts');
  const file = await compareChaosRuns(dirA, dirB, generatedBy());
  const source = file.source!;
  process.stderr.write(`compare: A ${file.a.label} vs B ${file.b.label} · ${file.setup.seeds.length} seeds both ran${source.seedsUnpaired > 0 ? ` (${source.seedsUnpaired} on one side only, left out)` : ''}\n`);
  await reportComparison(file, flags.out);
  const plans = source.seedsWithAnotherPlan;
  if (plans.length > 0) console.log(`WARNING: B's build plans another workload for ${plans.length} of ${file.setup.seeds.length} seeds (${plans.slice(0, 10).join(', ')}${plans.length > 10 ? ', …' : ''}): their differences are not the engine's alone`);
  const other = source.seedsOnAnotherPath;
  console.log(other.length === 0 ? `trace hashes: equal on all ${file.setup.seeds.length} seeds (B ran every seed as A did)` : `trace hashes: B took another path on ${other.length} of ${file.setup.seeds.length} seeds (${other.slice(0, 10).join(', ')}${other.length > 10 ? ', …' : ''})`);
}

async function reportComparison(file: CompareFile, out: string): Promise<void> {
  const [{ writeCompareFiles }, { formatValue }] = await Promise.all([import('../../reports/sweep-write.ts'), import('../../reports/compare-html.ts')]);
  const written = writeCompareFiles(out, file, commandLine());
  for (const m of file.metrics) {
    const d = m.difference;
    const diff = d === null ? '—' : `${formatValue(m.unit, d.estimate)} [${formatValue(m.unit, d.low)}, ${formatValue(m.unit, d.high)}]`;
    console.log(`${m.label.padEnd(30)} A ${formatValue(m.unit, m.a).padEnd(12)} B ${formatValue(m.unit, m.b).padEnd(12)} B−A ${diff.padEnd(34)} ${m.verdict}`);
  }
  const t = file.tally;
  console.log(`B vs A: better on ${t.better}, worse on ${t.worse}, no significant difference on ${t.same} · violations A ${file.violations.a.total}, B ${file.violations.b.total}`);
  console.log(`compare.json: ${relativeToCwd(written.jsonPath)} · report: ${relativeToCwd(written.htmlPath)}`);
}

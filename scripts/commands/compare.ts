// `syncstorm compare A B`: two engine variants over the same seeds; per metric B − A with a
// paired bootstrap 95 % interval and a verdict; checker failures side by side. A and B are
// variant specs only (engine option overrides such as `policy=lww-hlc,batchItemsMax=5`, or
// `default`); comparing two existing chaos or sweep output directories is not supported.
// Writes DIR/compare.json (shape: CompareFile in reports/compare.ts) and DIR/report.html.
// Exit 0 when written (a worse B is reported, not fatal), 2 usage error.

import { InvalidArgumentError, type Command } from 'commander';
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

/** A variant spec argument; the error names the argument (A or B) and the value. */
export function parseVariantArg(name: string): (value: string) => { spec: string; engine: EngineOverrides } {
  return (value) => {
    try {
      return { spec: value, engine: parseVariantSpec(value) };
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
    .argument('<B>', 'variant spec, as A (only variant specs: comparing two chaos or sweep output directories is not supported)', parseVariantArg('B'));
  addRunShapeOptions(command, 'seeds: S, S+1, … (each runs A and B)', 'output directory (compare.json, report.html)')
    .action(async (a: { spec: string; engine: EngineOverrides }, b: { spec: string; engine: EngineOverrides }, options: CompareFlags) => {
      await runCompareCommand(a, b, options);
    });
}

export async function runCompareCommand(a: { spec: string; engine: EngineOverrides }, b: { spec: string; engine: EngineOverrides }, flags: CompareFlags): Promise<void> {
  const [{ runCompare }, { writeCompareFiles }, { formatValue }, { formatMs }, { describeOverrides }] = await Promise.all([
    import('../../reports/compare.ts'),
    import('../../reports/sweep-write.ts'),
    import('../../reports/compare-html.ts'),
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
  const written = writeCompareFiles(flags.out, file, commandLine());
  for (const m of file.metrics) {
    const d = m.difference;
    const diff = d === null ? '—' : `${formatValue(m.unit, d.estimate)} [${formatValue(m.unit, d.low)}, ${formatValue(m.unit, d.high)}]`;
    console.log(`${m.label.padEnd(30)} A ${formatValue(m.unit, m.a).padEnd(12)} B ${formatValue(m.unit, m.b).padEnd(12)} B−A ${diff.padEnd(34)} ${m.verdict}`);
  }
  const t = file.tally;
  console.log(`B vs A: better on ${t.better}, worse on ${t.worse}, no significant difference on ${t.same} · violations A ${file.violations.a.total}, B ${file.violations.b.total}`);
  console.log(`compare.json: ${relativeToCwd(written.jsonPath)} · report: ${relativeToCwd(written.htmlPath)}`);
}

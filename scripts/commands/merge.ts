// `syncstorm merge DIR... --out DIR`: the shards of one chaos run (each a `chaos --shard i/n
// --out DIR` directory) as one: summary.json merged (counts summed, failures together, paths
// rewritten), junit.xml with every shard's suite, trace-hashes.txt and samples.jsonl (chaos --samples) in seed order, failures/
// copied. Exit 1 when any shard had a failure (or the shards do not belong to one run), 2 on a
// usage error.

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ChaosSummary } from '../../scenarios/chaos/summary.ts';

export interface MergeFlags {
  readonly out: string;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge chaos shard outputs (summary.json, junit.xml, trace-hashes.txt, failures/) into one directory (exit 1 when a shard had failures)')
    .argument('<dirs...>', 'the --out directories of `syncstorm chaos --shard i/n` runs')
    .requiredOption('--out <dir>', 'where the merged summary.json, junit.xml, trace-hashes.txt and failures/ go (its failures/ is replaced)')
    .action(async (dirs: string[], flags: MergeFlags) => {
      await runMerge(dirs, flags);
    });
}

function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

export async function runMerge(dirs: readonly string[], flags: MergeFlags): Promise<void> {
  const { parseChaosSummary, mergeSummaries, formatChaosSummary } = await import('../../scenarios/chaos/summary.ts');
  const { mergeJunit } = await import('../../scenarios/chaos/junit.ts');
  const { mergeTraceHashes } = await import('./chaos-summary.ts');
  const { mergeSamples, SAMPLES_FILE } = await import('./chaos-sample.ts');
  const outDir = resolve(flags.out);
  const inputs = dirs.map((dir) => resolve(dir));
  for (const [index, dir] of inputs.entries()) {
    if (dir === outDir) throw new InvalidArgumentError(`--out must differ from every DIR, got '${flags.out}' (also DIR ${index + 1})`);
    if (!existsSync(join(dir, 'summary.json'))) throw new InvalidArgumentError(`DIR must be a chaos --out directory with a summary.json, got '${dirs[index]}'`);
  }
  const parts = inputs.map((dir, index) => {
    const path = join(dir, 'summary.json');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${dirs[index]}/summary.json is not JSON: ${(error as Error).message}`);
    }
    return { dir: dirs[index]!, summary: parseChaosSummary(json, path) };
  });
  checkDisjoint(parts);

  // Seeds are disjoint, so every shard's failure files keep their names in the merged failures/.
  rmSync(join(outDir, 'failures'), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const dir of inputs) {
    const failures = join(dir, 'failures');
    if (existsSync(failures) && statSync(failures).isDirectory()) cpSync(failures, join(outDir, 'failures'), { recursive: true });
  }
  const merged = mergeSummaries(parts, (_part, path) => path);
  const summary: ChaosSummary = {
    ...merged,
    failures: merged.failures.map((f) => ({ ...f, replayCommand: f.replay === null ? f.replayCommand : `npx syncstorm replay ${relativeToCwd(join(outDir, f.replay))}` })),
  };
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  const junitDocs = inputs.map((dir, index) => {
    const path = join(dir, 'junit.xml');
    if (!existsSync(path)) throw new Error(`${dirs[index]} has no junit.xml`);
    return readFileSync(path, 'utf8');
  });
  writeFileSync(join(outDir, 'junit.xml'), mergeJunit(junitDocs));
  const hashDocs = inputs.map((dir) => join(dir, 'trace-hashes.txt')).filter((path) => existsSync(path));
  if (hashDocs.length === inputs.length) writeFileSync(join(outDir, 'trace-hashes.txt'), mergeTraceHashes(hashDocs.map((path) => readFileSync(path, 'utf8'))));
  else process.stderr.write(`merge: note: trace-hashes.txt not merged: ${inputs.length - hashDocs.length} of ${inputs.length} shards have none (older chaos runs did not write it)\n`);
  // samples.jsonl (chaos --samples): merged when every shard wrote one; a partial set would pair some seeds and not others.
  const sampleDocs = inputs.map((dir) => join(dir, SAMPLES_FILE)).filter((path) => existsSync(path));
  rmSync(join(outDir, SAMPLES_FILE), { force: true });
  if (sampleDocs.length === inputs.length) writeFileSync(join(outDir, SAMPLES_FILE), mergeSamples(sampleDocs.map((path) => readFileSync(path, 'utf8'))));
  else if (sampleDocs.length > 0) process.stderr.write(`merge: note: ${SAMPLES_FILE} not merged: ${inputs.length - sampleDocs.length} of ${inputs.length} shards ran without --samples\n`);
  console.log(formatChaosSummary(summary));
  console.log(`merged ${parts.length} shard${parts.length === 1 ? '' : 's'} into ${join(outDir, 'summary.json')} · junit: ${join(outDir, 'junit.xml')}`);
  if (!summary.ok) {
    const violated = Object.entries(summary.checkerFailures).filter(([, n]) => n > 0).map(([name]) => name);
    throw new Error(`${summary.seeds.failed} of ${summary.seeds.run} seeds violated ${violated.join(', ') || 'a property'}${summary.stoppedBy === 'aborted' ? ' (a shard was interrupted)' : ''}`);
  }
  if (summary.stoppedBy === 'aborted') throw new Error('a shard was interrupted before it finished');
}

/** Two shards reporting the same failing seed (or one directory given twice) are not one run's shards. */
function checkDisjoint(parts: readonly { dir: string; summary: ChaosSummary }[]): void {
  const owner = new Map<number, string>();
  for (const { dir, summary } of parts) {
    for (const failure of summary.failures) {
      const other = owner.get(failure.seed);
      if (other !== undefined) throw new Error(`seed ${failure.seed} failed in both ${other} and ${dir}; only disjoint shards of one run merge`);
      owner.set(failure.seed, dir);
    }
  }
  const seen = new Set<string>();
  for (const { dir, summary } of parts) {
    if (summary.shard === null) continue;
    const key = `${summary.shard.index}/${summary.shard.count}`;
    if (seen.has(key)) throw new Error(`shard ${key} appears twice (again in ${dir}); only disjoint shards of one run merge`);
    seen.add(key);
  }
}

// `syncstorm chaos` end to end, as a child process: exit 0 and summary.json + junit.xml when
// every property holds; exit 1 and a replay file per failing seed (shrunk, replaying to its
// trace hash) when a bug of the zoo is caught; exit 2 naming the flag on a usage error.

import { existsSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChaosSummary } from './summary.ts';
import { syncstorm } from './testing/cli.ts';


const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-chaos-'));
  made.push(dir);
  return dir;
}

function readSummary(dir: string): ChaosSummary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ChaosSummary;
}

describe('syncstorm chaos', () => {
  it('exits 0 when every property held, with summary.json, junit.xml and trace-hashes.txt', async () => {
    const out = tempDir();
    const result = await syncstorm(['chaos', '--seeds', '4', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const summary = readSummary(out);
    expect(summary).toMatchObject({ format: 'syncstorm-chaos-summary', version: 1, ok: true, stoppedBy: 'done', shard: null, failures: [] });
    expect(summary.seeds).toMatchObject({ start: 1, requested: 4, run: 4, passed: 4, failed: 0, first: 1, last: 4 });
    expect(summary.determinism.sampled).toHaveLength(3);
    expect(summary.determinism.mismatches).toEqual([]);
    expect(Object.values(summary.checkerFailures).every((n) => n === 0)).toBe(true);
    expect(summary.seedsPerHour).toBeGreaterThan(0);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuites name="syncstorm chaos" tests="4" failures="0"');
    expect(junit.match(/<testcase /g)).toHaveLength(4);
    expect(result.stdout).toMatch(/every property held on all 4 seeds/);
    // One line per seed, in order; the same seeds run again give the same file, and another seed another hash.
    const hashes = readFileSync(join(out, 'trace-hashes.txt'), 'utf8');
    expect(hashes).toMatch(/^1 [0-9a-f]{16}\n2 [0-9a-f]{16}\n3 [0-9a-f]{16}\n4 [0-9a-f]{16}\n$/);
    const again = tempDir();
    expect((await syncstorm(['chaos', '--seeds', '2', '--seed-start', '3', '--workers', '1', '--out', again])).code).toBe(0);
    expect(readFileSync(join(again, 'trace-hashes.txt'), 'utf8')).toBe(hashes.split('\n').slice(2).join('\n'));
    expect(new Set(hashes.trim().split('\n').map((line) => line.split(' ')[1])).size).toBe(4);
  });

  it('exits 1 for a bug of the zoo, with a shrunk replay file, its explanation and report per failing seed', async () => {
    const out = tempDir();
    const result = await syncstorm(['chaos', '--bug', 'transient-dead-lettered', '--seeds', '6', '--out', out]);
    expect(result.code, result.stderr).toBe(1);
    const summary = readSummary(out);
    expect(summary.ok).toBe(false);
    expect(summary.target).toMatchObject({ bug: 'transient-dead-lettered', variant: 'transient-dead-lettered', clients: 10 });
    expect(summary.checkerFailures['error-classification']).toBe(summary.seeds.failed);
    expect(summary.seeds.failed).toBeGreaterThan(0);
    const files = readdirSync(join(out, 'failures'));
    expect(files.filter((f) => f.endsWith('.json')).length).toBe(summary.seeds.failed);
    const failure = summary.failures[0]!;
    expect(failure.checkers).toEqual(['error-classification']);
    expect(failure.shrunk!.ops).toBeLessThan(failure.original!.ops);
    expect(existsSync(join(out, failure.replay!))).toBe(true);
    expect(existsSync(join(out, failure.report!))).toBe(true);
    expect(readFileSync(join(out, failure.explanations!), 'utf8')).toMatch(/dead-lettered for a transient error/);
    expect(result.stdout).toMatch(/error-classification: \d+ seeds?/);
    expect(result.stdout).toContain(failure.replayCommand!);
    expect(result.stderr).toMatch(/syncstorm: \d+ of 6 seeds violated error-classification/);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure message="violated error-classification: /);

    // The replay command it prints works: the run file replays to its trace hash and shows the violation again.
    const replay = await syncstorm(['replay', join(out, failure.replay!)]);
    expect(replay.stdout).toMatch(/replay matches the recorded trace hash/);
    expect(replay.stdout).toMatch(/^ {2}FAIL {2}error-classification /m);
    expect(replay.stdout).toMatch(/^violated: (.*, )?error-classification/m);
    expect(replay.code).toBe(1);

    // So does the trace command the explanation suggests: the violation's clients and entity, the dead letter among them.
    const suggested = /^trace: {2}npx syncstorm trace (\S+) --clients ([\d,]+) --entities (\S+)$/m.exec(readFileSync(join(out, failure.explanations!), 'utf8'));
    expect(suggested, 'a trace line with the violation\'s clients and entities').not.toBeNull();
    const trace = await syncstorm(['trace', suggested![1]!, '--clients', suggested![2]!, '--entities', suggested![3]!]);
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toMatch(/ dead-lettered queueId=\S+ code=/);
    // The failure's report shows the same command.
    expect(readFileSync(join(out, failure.report!), 'utf8')).toContain(`<pre class="replay" id="trace-command">npx syncstorm trace ${suggested![1]!} --clients ${suggested![2]!} --entities ${suggested![3]!}</pre>`);
    for (const line of trace.stdout.trimEnd().split('\n')) expect(line).toMatch(/^\d+:\d\d:\d\d\.\d{3} {2}(c\d+|server|nemesis|run) /);
  });

  it('--bail 1 with a budget stops at the first failing seed, says so, and keeps that counterexample', async () => {
    const out = tempDir();
    const result = await syncstorm(['chaos', '--bug', 'transient-dead-lettered', '--budget', '10m', '--bail', '1', '--workers', '1', '--no-shrink', '--out', out]);
    expect(result.code, result.stderr).toBe(1);
    const summary = readSummary(out);
    expect([summary.stoppedBy, summary.seeds.failed]).toEqual(['failures', 1]);
    expect(summary.seeds.run).toBeLessThan(20);
    expect(readdirSync(join(out, 'failures')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(result.stdout).toContain('stopped early: --bail reached');
    expect((await syncstorm(['chaos', '--seeds', '2', '--bail', '0', '--out', out])).stderr).toBe("syncstorm: error: --bail must be an integer from 1 to 100000000, got '0'\n");
  });

  it('exits 2 on a usage error, naming the flag and the value, before running anything', async () => {
    const out = tempDir();
    const cases: [string[], RegExp][] = [
      [['--seeds', '4', '--shard', '3/2', '--out', out], /^syncstorm: error: --shard must be i\/n with i from 1 to n \(here 1 to 2\), got '3\/2'$/m],
      [['--seeds', '4', '--budget', '1m', '--out', out], /exactly one of --seeds <n> or --budget <d> is required, got both/],
      [['--out', out], /exactly one of --seeds <n> or --budget <d> is required, got neither/],
      [['--seeds', '4', '--bug', 'nope', '--out', out], /--bug must be a bug of the zoo \(.*transient-dead-lettered.*\), got 'nope'/],
      [['--seeds', '4', '--scenario', 'nope', '--out', out], /--scenario must be 'default' or a scenario of the catalogue .*, got 'nope'/],
      [['--seeds', '1'], /required option '--out <dir>' not specified/],
    ];
    // In parallel: each is a process start and an early exit.
    const results = await Promise.all(cases.map(([args]) => syncstorm(['chaos', ...args])));
    results.forEach((result, i) => {
      expect(result.code, cases[i]![0].join(' ')).toBe(2);
      expect(result.stderr).toMatch(cases[i]![1]);
    });
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });
});

// Option-value parsers and the CLI's exit-code contract: 0 ok, 1 failure, 2 usage error,
// one `syncstorm: …` line on stderr and never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDurationArg, parseBoundedDurationArg, parseDurationArg, parseIntegerArg, parseSeedArg, seedMax } from './cli-args.ts';
import { buildProgram, run, runProgram, type CliOutput } from './cli.ts';
import { SIM_NODE_FLAGS } from '../scenarios/chaos/pool.ts';
import { buildSimConfig } from '../sim/config.ts';
import { renderHistoryFile } from '../sim/history-file.ts';
import { runSimulation } from '../sim/runner.ts';

describe('parseIntegerArg', () => {
  const parse = parseIntegerArg('--clients', 1, 64);

  it('accepts integers within the bounds', () => {
    expect(parse('1')).toBe(1);
    expect(parse('64')).toBe(64);
    expect(parse(' 8 ')).toBe(8);
  });

  it.each(['0', '65', '1.5', 'abc', '', '1e3', '0x10'])('rejects %j naming the flag and the value', (value) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(`--clients must be an integer from 1 to 64, got '${value}'`);
  });

  it('refuses nonsensical bounds when the parser is built', () => {
    expect(() => parseIntegerArg('--x', 5, 1)).toThrow('min <= max');
  });
});

describe('parseDurationArg', () => {
  const parse = parseDurationArg('--budget');

  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1s500ms', 1_500],
    ['1h0m5s', 3_605_000],
    ['250', 250],
    ['0', 0],
  ])('parses %j as %d ms', (value, expectedMs) => {
    expect(parse(value)).toBe(expectedMs);
  });

  it.each(['', 'h', '1.5h', '30m1h', '-5s', '10 s', '5d', '1h1h', 'soon', '99999999999999999999'])(
    'rejects %j naming the flag and the value',
    (value) => {
      expect(() => parse(value)).toThrow(InvalidArgumentError);
      expect(() => parse(value)).toThrow(new RegExp(`^--budget must be a duration .*, got '${value}'$`));
    },
  );
});

describe('parseBoundedDurationArg', () => {
  const parse = parseBoundedDurationArg('--duration', 1_000, 7 * 24 * 3_600_000);

  it('accepts a duration within the bounds, the bounds included', () => {
    expect([parse('1s'), parse('1000'), parse('30m'), parse('168h')]).toEqual([1_000, 1_000, 1_800_000, 604_800_000]);
  });

  it.each(['0', '999ms', '168h1ms'])('rejects %j outside them, naming the flag, the bounds and the value', (value) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(`--duration must be a duration from 1s to 168h, got '${value}'`);
  });

  it('still rejects what is no duration at all, as parseDurationArg does', () => {
    expect(() => parse('soon')).toThrow(/^--duration must be a duration such as/);
  });

  it('writes bounds the way the flag reads them: formatDurationArg is parseDurationArg backwards', () => {
    const read = parseDurationArg('--x');
    for (const ms of [0, 1, 999, 1_000, 1_500, 60_000, 90_000, 3_600_000, 5_400_000, 3_605_001, 604_800_000]) expect(read(formatDurationArg(ms))).toBe(ms);
    expect([formatDurationArg(0), formatDurationArg(1_500), formatDurationArg(90_000), formatDurationArg(604_800_000)]).toEqual(['0ms', '1s500ms', '1m30s', '168h']);
    expect(() => parseBoundedDurationArg('--x', 5, 1)).toThrow('0 <= min <= max');
  });
});

describe('parseSeedArg', () => {
  const parse = parseSeedArg();

  it('accepts decimal and hex seeds up to 2^32 - 1', () => {
    expect(parse('0')).toBe(0);
    expect(parse('42')).toBe(42);
    expect(parse('0xdeadBEEF')).toBe(0xdeadbeef);
    expect(parse(String(seedMax))).toBe(seedMax);
  });

  it.each(['-1', '4294967296', '1.5', 'abc', '', '0x'])('rejects %j naming the flag and the value', (value) => {
    expect(() => parse(value)).toThrow(`--seed must be an integer seed from 0 to ${seedMax} (decimal or 0x hex), got '${value}'`);
  });

  it('names the flag it was built for', () => {
    expect(() => parseSeedArg('--seed-a')('x')).toThrow("--seed-a must be");
  });
});

function capture(): CliOutput & { out: string; err: string } {
  const sink = {
    out: '',
    err: '',
    writeOut: (text: string) => void (sink.out += text),
    writeErr: (text: string) => void (sink.err += text),
  };
  return sink;
}

describe('run (in process)', () => {
  it('prints the version and exits 0', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm', '--version'], output)).toBe(0);
    expect(output.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(output.err).toBe('');
  });

  it('prints help and exits 0', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm', '--help'], output)).toBe(0);
    expect(output.out).toContain('Usage: syncstorm');
    expect(output.out).toContain('start');
  });

  it('reports an unknown option as a usage error in one line', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm', 'start', '--bogus=3'], output)).toBe(2);
    expect(output.err).toBe("syncstorm: error: unknown option '--bogus=3'\n");
  });

  it('reports an unknown command, with commander suggestion, in one line', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm', 'strat'], output)).toBe(2);
    expect(output.err).toBe("syncstorm: error: unknown command 'strat' (Did you mean start?)\n");
  });

  // A throwaway command shows how a command's flags and failures reach the central handler.
  function programWithProbe(output: CliOutput) {
    const program = buildProgram(output);
    program
      .command('probe')
      .option('--seed <n>', 'seed', parseSeedArg())
      .option('--budget <duration>', 'budget', parseDurationArg('--budget'))
      .action((options: { seed?: number; budget?: number }) => {
        if (options.seed === 13) throw new Error('unlucky seed 13');
        if (options.seed === 14) throw 'a thrown string';
        output.writeOut(`seed=${options.seed} budget=${options.budget}\n`);
      });
    return program;
  }

  it('passes parsed option values to the command', async () => {
    const output = capture();
    expect(await runProgram(programWithProbe(output), ['node', 'syncstorm', 'probe', '--seed', '0x10', '--budget', '1h30m'], output)).toBe(0);
    expect(output.out).toBe('seed=16 budget=5400000\n');
  });

  it('reports a bad option value as a usage error naming the flag and the value', async () => {
    const output = capture();
    expect(await runProgram(programWithProbe(output), ['node', 'syncstorm', 'probe', '--budget', '1.5h'], output)).toBe(2);
    expect(output.err).toBe(
      "syncstorm: error: --budget must be a duration such as 500ms, 90s, 30m, 1h30m or a whole number of milliseconds, got '1.5h'\n",
    );
  });

  it.each(['run', 'chaos'])('%s reports a --policy outside its choices naming the flag, the value and the choices', async (command) => {
    const output = capture();
    expect(await run(['node', 'syncstorm', command, '--policy', 'lww'], output)).toBe(2);
    expect(output.err).toBe("syncstorm: error: --policy must be one of lww-client-clock, lww-hlc, server-wins, client-wins, field-merge, manual, got 'lww'\n");
  });

  it.each([
    ['run', []],
    ['sweep', ['--param', 'batchItemsMax=1', '--seeds', '1', '--out', 'unused']],
    ['compare', ['policy=lww-hlc', 'policy=server-wins', '--seeds', '1', '--out', 'unused']],
    ['chaos', ['--seeds', '1', '--out', 'unused']],
  ])("%s: a chaos phase outside the simulator's bounds is a usage error naming the flag, its bounds and the value", async (command, rest) => {
    const output = capture();
    expect(await run(['node', 'syncstorm', command, '--duration', '500ms', ...rest], output)).toBe(2);
    expect(output.err).toBe("syncstorm: error: --duration must be a duration from 1s to 168h, got '500ms'\n");
  });

  it('flags each in range that make no valid simulation together are a usage error naming the config field and the value', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm', 'run', '--clients', '10000', '--duration', '168h'], output)).toBe(2);
    expect(output.err).toBe(
      'syncstorm: error: these flags make no valid simulation: workload.opsPerClientPerHour should be at most 5 for 10000 clients over 604800000 ms (a plan expects at most 10000000 ops), got 60\n',
    );
  });

  it('reports a failing command in one line with exit code 1, without a stack trace', async () => {
    const output = capture();
    expect(await runProgram(programWithProbe(output), ['node', 'syncstorm', 'probe', '--seed', '13'], output)).toBe(1);
    expect(output.err).toBe('syncstorm: unlucky seed 13\n');
    const other = capture();
    expect(await runProgram(programWithProbe(other), ['node', 'syncstorm', 'probe', '--seed', '14'], other)).toBe(1);
    expect(other.err).toBe('syncstorm: a thrown string\n');
  });

  it('shows help on stderr and exits 2 when no command is given', async () => {
    const output = capture();
    expect(await run(['node', 'syncstorm'], output)).toBe(2);
    expect(output.err).toContain('Usage: syncstorm');
  });
});

describe('syncstorm bin (spawned)', () => {
  const bin = fileURLToPath(new URL('./bin/syncstorm.js', import.meta.url));
  const spawnCli = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });

  it('exits 2 with one error line for an unknown command', () => {
    const result = spawnCli('bogus-command');
    expect(result.stderr).toBe("syncstorm: error: unknown command 'bogus-command'\n");
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('prints the package version and exits 0', () => {
    const result = spawnCli('--version');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  describe('replay', () => {
    // A small regression (4 clients, 565 events) that expects every property to hold.
    const regression = fileURLToPath(new URL('../scenarios/regressions/default-seed-192432.json', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-replay-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** The regression with `change` merged into its JSON, written to a file of its own. */
    const variantOf = (name: string, change: Record<string, unknown>): string => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(regression, 'utf8')) as object), ...change }));
      return path;
    };

    it("re-runs a run file, checks every property and holds it to the file's expect", () => {
      const result = spawnCli('replay', regression);
      expect(result.stdout).toMatch(/^ {2}PASS {2}no-lost-ack +\d+ acked ops$/m);
      expect(result.stdout).toContain('replay matches the recorded trace hash');
      expect(result.stdout).toContain('every property held · the file expects pass: as expected');
      expect(result.status).toBe(0);
    });

    it('exits 1 when the verdict is not the one the file expects, or, with no expect, when the trace hash differs', () => {
      const expectsFailure = spawnCli('replay', variantOf('expects-failure.json', { expect: 'fail:tombstone-safety' }));
      expect(expectsFailure.stdout).toContain('every property held · the file expects fail:tombstone-safety: NOT as expected');
      expect(expectsFailure.status).toBe(1);
      const otherHash = spawnCli('replay', variantOf('other-hash.json', { traceHash: '0000000000000000', expect: undefined }));
      expect(otherHash.stdout).toMatch(/DIVERGED: the run file recorded trace hash 0000000000000000, this replay gave [0-9a-f]{16}/);
      expect(otherHash.stdout).toMatch(/^every property held$/m);
      expect(otherHash.status).toBe(1);
      // A regression keeps the run that once failed; the fixed engine may take another path: its expect decides.
      const regression = spawnCli('replay', variantOf('regression-other-hash.json', { traceHash: '0000000000000000' }));
      expect(regression.stdout).toMatch(/recorded 0000000000000000: the engine takes another path than when this file was saved/);
      expect(regression.status).toBe(0);
    });

    it('exits 2 naming the field and the value when the file is not a run file', () => {
      const result = spawnCli('replay', variantOf('bad-expect.json', { expect: 'fails' }));
      expect(result.stderr).toBe(`syncstorm: error: ${join(dir, 'bad-expect.json')}: expect should be 'pass' or 'fail:<checker>', got "fails"\n`);
      expect(result.status).toBe(2);
      expect(spawnCli('replay', variantOf('bad-version.json', { version: 7 })).stderr).toMatch(/version should be 1, got 7\n$/);
    });
  });

  it('run saves a run file and a report, and prints the replay and trace commands for it, which work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncstorm-run-'));
    try {
      const result = spawnCli('run', '--seed', '3', '--clients', '5', '--duration', '1m', '--out', dir);
      expect(result.status, result.stderr).toBe(0);
      const runFile = join(dir, 'seed-3.json');
      expect(result.stdout).toContain(`run file: ${runFile}  (replay: npx syncstorm replay ${runFile} · the story as text: npx syncstorm trace ${runFile})`);
      expect(readFileSync(join(dir, 'seed-3', 'report.html'), 'utf8')).toContain(`<pre class="replay" id="trace-command">npx syncstorm trace ${runFile}</pre>`);
      const trace = spawnCli('trace', runFile, '--kinds', 'phase');
      expect(trace.stdout).toMatch(/run +— heal —/);
      expect(trace.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('trace', () => {
    // The same small regression: 4 clients, a few hundred records.
    const regression = fileURLToPath(new URL('../scenarios/regressions/default-seed-192432.json', import.meta.url));
    const lineShape = /^-?\d+:\d\d:\d\d\.\d{3} {2}(c\d+|t\d+@c\d+|server|nemesis|run) +\S/;
    const shownOf = (stderr: string): { shown: number; total: number } => {
      expect(stderr).toMatch(/^trace: re-running seed \d+ \(4 clients, 0:\d\d:\d\d\.\d{3} of chaos\) …\n/);
      const match = /^trace: seed \d+ · correct · ([\d,]+) of ([\d,]+) records/m.exec(stderr);
      expect(match, stderr).not.toBeNull();
      return { shown: Number(match![1]!.replaceAll(',', '')), total: Number(match![2]!.replaceAll(',', '')) };
    };

    it('prints every record of the run, one line each, and says how many on stderr', () => {
      const result = spawnCli('trace', regression);
      expect(result.status, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      const { shown, total } = shownOf(result.stderr);
      expect(shown).toBe(total);
      expect(lines).toHaveLength(total);
      for (const line of lines) expect(line).toMatch(lineShape);
      expect(lines.some((line) => /invoke op \d+: (create|update|delete|read) n\d+/.test(line))).toBe(true);
      expect(lines.at(-1)).toMatch(/run +— converged —$/);
    });

    it('filters by kind, client, entity and time, and prints the records themselves with --json', () => {
      const json = spawnCli('trace', regression, '--json');
      const records = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { t: number; type: string; client?: number; entityId?: string; change?: { entityId: string } });
      const firstInvoke = records.find((r) => r.type === 'invoke')!;
      const entity = firstInvoke.entityId!;
      const applies = spawnCli('trace', regression, '--kinds', 'apply', '--json');
      const appliedTo = applies.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; change: { entityId: string } });
      expect(appliedTo.length).toBe(records.filter((r) => r.type === 'apply').length);
      expect(new Set(appliedTo.map((r) => r.type))).toEqual(new Set(['apply']));
      // An entity's story: its invokes and applies, every one of them, and no other entity's.
      const story = spawnCli('trace', regression, '--entities', entity, '--kinds', 'invoke,apply', '--json').stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as (typeof records)[number]);
      expect(story.filter((r) => r.type === 'invoke').length).toBe(records.filter((r) => r.type === 'invoke' && r.entityId === entity).length);
      expect(story.filter((r) => r.type === 'apply').length).toBe(appliedTo.filter((r) => r.change.entityId === entity).length);
      for (const r of story) expect(r.type === 'invoke' ? r.entityId : r.change!.entityId).toBe(entity);
      // One client, one minute: nothing of another client, nothing outside the window.
      const window = spawnCli('trace', regression, '--clients', String(firstInvoke.client), '--from', '1m', '--to', '2m', '--json').stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as (typeof records)[number]);
      expect(window.length).toBeGreaterThan(0);
      for (const r of window) {
        expect(r.t).toBeGreaterThanOrEqual(60_000);
        expect(r.t).toBeLessThanOrEqual(120_000);
        if (r.client !== undefined) expect(r.client).toBe(firstInvoke.client);
      }
    });

    it("re-runs the file on another system with --variant, and says so", () => {
      const result = spawnCli('trace', regression, '--variant', 'no-server-dedup', '--kinds', 'phase');
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^trace: seed \d+ · no-server-dedup \(the file's run was on correct\) · \d+ of [\d,]+ records \(kinds phase\)$/m);
      expect(result.stdout).toMatch(/run +— chaos —\n/);
    });

    it('traces a recorded history (a real-network run\'s history.jsonl) as it is, and will not re-run it', () => {
      const run = runSimulation({ config: buildSimConfig({ seed: 4, clients: 3, teamSize: 3, durationMs: 60_000 }) });
      const dir = mkdtempSync(join(tmpdir(), 'syncstorm-trace-history-'));
      try {
        const file = join(dir, 'history.jsonl');
        writeFileSync(file, renderHistoryFile(run.history).join(''));
        const result = spawnCli('trace', file, '--kinds', 'phase');
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/^0:00:00\.000 {2}run +— chaos —\n0:01:00\.000 {2}run +— heal —\n/);
        expect(result.stderr).toMatch(new RegExp(`^trace: recorded history ${file.replaceAll('.', '\\.')} · \\d+ of \\d+ records \\(kinds phase\\)\n$`));
        const variant = spawnCli('trace', file, '--variant', 'correct');
        expect(variant.stderr).toBe(`syncstorm: error: --variant re-runs a run file on another system, but ${file} is a recorded history (a real-network run), which cannot be re-run\n`);
        expect(variant.status).toBe(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names the second tabs beside the clients when --clients names a lane the run lacks', () => {
      const config = buildSimConfig({ seed: 2, clients: 3, teamSize: 3, durationMs: 10 * 60_000, faults: { swarm: false, kinds: ['second-tab'], faultsPerHour: 60 } });
      const run = runSimulation({ config });
      const tabs = run.history.clients.filter((client) => client.tabOf !== undefined).map((client) => client.client);
      expect(tabs.length).toBeGreaterThan(0);
      const dir = mkdtempSync(join(tmpdir(), 'syncstorm-trace-tabs-'));
      try {
        const file = join(dir, 'history.jsonl');
        writeFileSync(file, renderHistoryFile(run.history).join(''));
        const result = spawnCli('trace', file, '--clients', '99');
        expect(result.stderr).toBe(`syncstorm: error: --clients names client 99, but this run has clients 0 to 2 and second tabs ${tabs.join(', ')}\n`);
        expect(result.status).toBe(2);
        expect(spawnCli('trace', file, '--clients', String(tabs[0]), '--kinds', 'restart').stdout).toMatch(new RegExp(`^\\S+ {2}t${tabs[0]}@c\\d `, 'm'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('ends quietly when the reader goes away (| head)', () => {
      // A trace of about 1.6 MB: far more than a pipe holds, so the writes meet the closed pipe.
      const big = fileURLToPath(new URL('../scenarios/regressions/default-seed-1957.json', import.meta.url));
      const result = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" trace "${big}" | head -n 2; echo "exit \${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 20_000 });
      expect(result.stdout.split('\n').slice(0, 2).every((line) => lineShape.test(line))).toBe(true);
      expect(result.stdout).toMatch(/exit 0\n$/);
      expect(result.stderr).not.toMatch(/EPIPE|Error/);
    });

    it('exits 2 naming the flag and the value for a bad kind, an unknown client or an empty window', () => {
      const kind = spawnCli('trace', regression, '--kinds', 'invoke,bogus');
      expect(kind.stderr).toBe("syncstorm: error: --kinds must be a comma-separated list of invoke, complete, engine, message, apply, fault, crash, restart, migrate, server, phase, got 'invoke,bogus'\n");
      expect(kind.status).toBe(2);
      const client = spawnCli('trace', regression, '--clients', '2,9');
      // Known once the run is re-run (second tabs add lanes): the error line follows the progress line.
      expect(client.stderr).toMatch(/\nsyncstorm: error: --clients names client 9, but this run has clients 0 to 3\n$/);
      expect(client.status).toBe(2);
      const window = spawnCli('trace', regression, '--from', '2m', '--to', '1m');
      expect(window.stderr).toBe('syncstorm: error: --from must not be after --to, got --from 0:02:00.000 and --to 0:01:00.000\n');
      expect(window.status).toBe(2);
      const variant = spawnCli('trace', regression, '--variant', 'nope');
      expect(variant.stderr).toMatch(/^syncstorm: error: --variant must be 'correct' or a bug of the zoo, got 'nope'; bugs: no-server-dedup, /);
      expect(variant.status).toBe(2);
      expect(spawnCli('trace', regression, '--clients', '1,,2').stderr).toMatch(/--clients must be integers from 0 to 1000000, comma-separated .*, with no empty item, got '1,,2'/);
    });
  });

  it('runs with the simulator’s node flags, as `npm start` does', () => {
    // Both spell the flags out (a shebang and package.json import nothing): held to SIM_NODE_FLAGS here.
    const shebang = readFileSync(bin, 'utf8').split('\n')[0]!;
    const start = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${SIM_NODE_FLAGS.join(' ')}`);
    expect(start).toBe(`node ${SIM_NODE_FLAGS.join(' ')} scripts/bin/syncstorm.js start`);
  });
});

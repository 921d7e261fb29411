// realnet end to end: real HTTP, a server child process killed with SIGKILL, Toxiproxy toxics,
// clients in worker threads — the correct engine passes every checker, and an engine bug from
// the zoo is caught over the real network. Each run is bounded (chaos 8 s, budget 20 s).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRealnetPlan, DEFAULT_REALNET_WORKLOAD } from './plan.ts';
import { REALNET_ENGINE_DEFAULTS, runRealnet } from './runner.ts';
import { parseHistoryFile, renderHistoryFile } from '../../sim/history-file.ts';
import { runChecks } from '../checkers/index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncstorm-realnet-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function failures(result: Awaited<ReturnType<typeof runRealnet>>): string {
  return result.checks.filter((c) => !c.valid).map((c) => `${c.name}: ${c.summary}`).join('\n') + (result.errors.length > 0 ? `\nharness: ${result.errors.join('; ')}` : '');
}

describe('realnet plan', () => {
  it('is a pure function of the seed, and serverKillsMin guarantees the kills', () => {
    const options = { seed: 5, clients: 4, durationMs: 8_000, workload: DEFAULT_REALNET_WORKLOAD, faultsPerSecond: 1, serverKillsMin: 1 };
    const a = generateRealnetPlan(options);
    expect(generateRealnetPlan(options)).toEqual(a);
    expect(a.nemesis.filter((n) => n.kind === 'server-kill').length).toBeGreaterThanOrEqual(1);
    expect(a.ops.every((ops) => ops.every((op, i) => i === 0 || op.atMs >= ops[i - 1]!.atMs))).toBe(true);
    expect(generateRealnetPlan({ ...options, seed: 6 })).not.toEqual(a);
  });
});

describe('realnet', () => {
  it('the correct engine passes every checker through toxics and a server kill -9', async () => {
    const result = await runRealnet({
      seed: 3,
      clients: 4,
      teamSize: 2,
      durationMs: 8_000,
      convergenceBudgetMs: 20_000,
      out: tempDir(),
      faultsPerSecond: 1,
      kinds: ['latency', 'timeout', 'reset_peer', 'slicer', 'bandwidth', 'limit_data', 'proxy-down', 'client-kill'],
      serverKillsMin: 1,
    });
    const events = [...result.history.events];
    // The faults really happened: the server process was SIGKILLed and came back on its file.
    expect(events.some((e) => e.type === 'server' && e.action === 'crash')).toBe(true);
    expect(events.some((e) => e.type === 'server' && e.action === 'restart')).toBe(true);
    expect(result.serverInstances).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.type === 'fault' && e.phase === 'start').length).toBeGreaterThanOrEqual(3);
    // The workload ran and reached the server.
    expect(events.filter((e) => e.type === 'complete' && e.outcome === 'ok').length).toBeGreaterThan(5);
    expect(events.filter((e) => e.type === 'apply').length).toBeGreaterThan(3);
    expect(result.history.converged).toBe(true);
    expect(failures(result)).toBe('');
    expect(result.checks.every((c) => c.valid)).toBe(true);
    // The run cannot be re-run, so its history file is its story: it reads back record for record, and the checkers judge it alike.
    const back = parseHistoryFile(renderHistoryFile(result.history).join(''), 'history.jsonl');
    expect([...back.events]).toEqual(events);
    expect(back.messages.length).toBe(result.history.messages.length);
    const context = { conflictPolicy: 'lww-hlc' as const, backoffBaseMs: REALNET_ENGINE_DEFAULTS.backoffBaseMs!, backoffCapMs: REALNET_ENGINE_DEFAULTS.backoffCapMs! };
    expect(runChecks(back, context).map((c) => `${c.name} ${c.summary}`)).toEqual(result.checks.map((c) => `${c.name} ${c.summary}`));
  }, 90_000);

  it("catches 'transient-dead-lettered' over real HTTP (reset_peer/timeout toxics, a server kill -9)", async () => {
    const result = await runRealnet({
      seed: 11,
      clients: 4,
      teamSize: 2,
      durationMs: 8_000,
      convergenceBudgetMs: 20_000,
      out: tempDir(),
      bug: 'transient-dead-lettered',
      workload: { opsPerClientPerSecond: 2 },
      faultsPerSecond: 1.5,
      kinds: ['reset_peer', 'timeout'],
      serverKillsMin: 2,
    });
    // The precondition, so this cannot pass vacuously: pushes did fail transiently.
    const pushFailures = result.history.events.filter((e) => e.type === 'engine' && e.event.type === 'request-failed' && e.event.kind === 'push');
    expect(pushFailures.length).toBeGreaterThan(0);
    const verdict = result.checks.find((c) => c.name === 'error-classification')!;
    expect(verdict.valid).toBe(false);
    expect(verdict.violations[0]!.message).toMatch(/dead-lettered for a transient error/);
  }, 90_000);
});

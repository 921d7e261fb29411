// `syncstorm serve` as a user runs it (the real bin, a child process): prints its URL, serves,
// stops cleanly on SIGTERM with the state written; a bad flag or fault file is a usage error
// (exit 2) naming the flag, the field and the value.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeItem, push, tokenFor } from './testkit.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../scripts/bin/syncstorm.js', import.meta.url));

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncstorm-serve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT_DIR, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('syncstorm serve', () => {
  it('serves on the printed URL and on SIGTERM stops with exit 0 and the state on disk', async () => {
    const db = join(dir, 'data', 'server.json');
    const faults = join(dir, 'faults.json');
    await writeFile(faults, JSON.stringify({ latencyMs: 1 }));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--faults', faults], { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within 15 s: ${stdout}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
      });
      const token = await tokenFor({ url }, 'alice');
      expect((await push({ url }, token, [makeItem({ queueId: 'via-cli' })])).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('SIGTERM, stopping');
      expect(stdout).toContain('protocol versions 1-2');
      expect(await readFile(db, 'utf8')).toContain('"queueId":"via-cli"');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('a bad flag value or fault file is a usage error (exit 2) naming the flag, field and value', async () => {
    const badField = join(dir, 'bad-field.json');
    const badJson = join(dir, 'bad-json.json');
    await writeFile(badField, JSON.stringify({ error503PerMille: 2000 }));
    await writeFile(badJson, '{"latencyMs": ');
    const port = runCli(['serve', '--port', 'eighty']);
    expect(port.status).toBe(2);
    expect(port.stderr).toBe("syncstorm: error: --port must be an integer from 0 to 65535, got 'eighty'\n");
    const field = runCli(['serve', '--faults', badField]);
    expect(field.status).toBe(2);
    expect(field.stderr).toContain(`--faults file '${badField}': error503PerMille should be an integer from 0 to 1000, got 2000`);
    const json = runCli(['serve', '--faults', badJson]);
    expect(json.status).toBe(2);
    expect(json.stderr).toContain(`--faults file '${badJson}' is not valid JSON`);
    const min = runCli(['serve', '--protocol-min', '3']);
    expect(min.status).toBe(2);
    expect(min.stderr).toBe("syncstorm: error: --protocol-min must be an integer from 1 to 2, got '3'\n");
    const max = runCli(['serve', '--protocol-max', 'latest']);
    expect(max.status).toBe(2);
    expect(max.stderr).toBe("syncstorm: error: --protocol-max must be an integer from 1 to 2, got 'latest'\n");
    const upsideDown = runCli(['serve', '--protocol-min', '2', '--protocol-max', '1', '--db', join(dir, 'never.json')]);
    expect(upsideDown.status).toBe(2);
    expect(upsideDown.stderr).toBe('syncstorm: error: --protocol-min must be <= --protocol-max, got 2 and 1\n');
    expect(`${port.stderr}${field.stderr}${json.stderr}${min.stderr}${max.stderr}${upsideDown.stderr}`).not.toMatch(/\n\s+at /);
  }, 60_000);
});

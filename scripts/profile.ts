// `npm run profile` (issue 7): where the standard run's time goes. Runs scripts/profile/
// standard-run.ts (1,000 clients × one simulated hour, swarm faults, then every checker)
// three times, each in a fresh Node process:
//   1. with --cpu-prof, and prints the top-10 self-time table (function, file:line, self ms, %);
//   2. under clinic doctor and 3. under clinic flame (NO_INSIGHT=1: clinic 13 silently does
//      nothing without it), whose HTML profiles land in out/profile/{doctor,flame}/.
// Prints every path at the end. `--cpu-only` skips clinic; PROFILE_CLIENTS / PROFILE_MINUTES
// shrink the run. A failed step is reported and the others still run; the exit code is then 1.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyMs, findDefinitionLine, formatSelfTimes, parseCpuProfile, selfTimes, withSourceLines, type CpuProfile } from './profile/cpuprofile.ts';
import { standardRunSize, TOP_FUNCTIONS } from './profile/options.ts';
import { SIM_NODE_FLAGS } from '../scenarios/chaos/pool.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT_DIR = join(ROOT, 'out', 'profile');
const ENTRY = 'scripts/profile/standard-run.ts';
const TOOLS = ['doctor', 'flame'] as const;

function say(line: string): void {
  process.stderr.write(`[profile] ${line}\n`);
}

/** Runs the command; fails unless it exits 0 and the standard run inside it wrote its result file. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const resultPath = join(OUT_DIR, 'run-result.json');
  rmSync(resultPath, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env, PROFILE_RESULT: resultPath } });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const what = [command, ...args].join(' ');
      if (code !== 0) reject(new Error(`${what} exited with ${code ?? signal}`));
      else if (!existsSync(resultPath)) reject(new Error(`${what}: the standard run did not finish (see its output above)`));
      else resolve();
    });
  });
}

/** The main thread's profile: the one with the most non-idle time (tsx's loader thread has its own). */
function mainProfile(dir: string): { path: string; profile: CpuProfile } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  const read = files.map((f) => ({ path: join(dir, f), profile: parseCpuProfile(readFileSync(join(dir, f), 'utf8')) }));
  return read.reduce((best, next) => (busyMs(next.profile) > busyMs(best.profile) ? next : best));
}

function sourceLineOf(path: string, functionName: string): number | null {
  const file = join(ROOT, path);
  return existsSync(file) ? findDefinitionLine(readFileSync(file, 'utf8'), functionName) : null;
}

async function cpuProfile(): Promise<string> {
  const dir = join(OUT_DIR, 'cpu');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  say(`1/3 --cpu-prof: ${ENTRY}`);
  await run(process.execPath, [...SIM_NODE_FLAGS, '--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', ENTRY]);
  const { path, profile } = mainProfile(dir);
  const rows = withSourceLines(selfTimes(profile, ROOT).slice(0, TOP_FUNCTIONS), sourceLineOf);
  const table = formatSelfTimes(rows);
  writeFileSync(join(OUT_DIR, 'top-self-time.txt'), table + '\n');
  writeFileSync(join(OUT_DIR, 'top-self-time.json'), JSON.stringify({ profile: relative(ROOT, path), busyMs: busyMs(profile), rows }, null, 1) + '\n');
  console.log(`top ${TOP_FUNCTIONS} by self time (of ${(busyMs(profile) / 1000).toFixed(2)} s busy):`);
  console.log(table);
  console.log('');
  return path;
}

function clinicBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('clinic/package.json')), 'bin.js');
}

/** The newest HTML file clinic wrote under dir. */
function newestHtml(dir: string): string {
  const html = readdirSync(dir).filter((f) => f.endsWith('.html')).map((f) => join(dir, f));
  if (html.length === 0) throw new Error(`clinic wrote no HTML file in ${dir}`);
  return html.reduce((a, b) => (statSync(b).mtimeMs > statSync(a).mtimeMs ? b : a));
}

async function clinic(tool: (typeof TOOLS)[number], step: number): Promise<string> {
  const dir = join(OUT_DIR, tool);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  say(`${step}/3 clinic ${tool}: ${ENTRY}`);
  await run(process.execPath, [clinicBin(), tool, '--open=false', '--dest', dir, '--', process.execPath, ...SIM_NODE_FLAGS, '--import', 'tsx', ENTRY], { NO_INSIGHT: '1' });
  return newestHtml(dir);
}

async function main(): Promise<void> {
  const cpuOnly = process.argv.includes('--cpu-only');
  const size = standardRunSize(process.env); // fails early on a bad PROFILE_* value
  say(`standard run: ${size.clients} clients × ${size.durationMs / 60_000} min, swarm faults, seed 1, every checker`);
  mkdirSync(OUT_DIR, { recursive: true });
  const written: string[] = [];
  const failures: string[] = [];
  const attempt = async (what: string, step: () => Promise<string>): Promise<void> => {
    try {
      written.push(`${what}: ${relative(ROOT, await step())}`);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await attempt('cpu profile', cpuProfile);
  if (!cpuOnly) for (const [i, tool] of TOOLS.entries()) await attempt(`clinic ${tool}`, () => clinic(tool, i + 2));
  written.push(`top self time: ${relative(ROOT, join(OUT_DIR, 'top-self-time.txt'))}`);
  for (const line of written) console.log(line);
  for (const line of failures) console.log(`FAILED ${line}`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`[profile] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});

// Runs one benchmark child (sim-child.ts, fake-timers-child.ts) in a fresh Node process
// with tsx, its stderr shown as progress, and parses the JSON line it answers on stdout.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SIM_NODE_FLAGS } from '../../scenarios/chaos/pool.ts';

/** The project root (children run from it so `--import tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a child may run: anywhere, or pinned to one CPU (by `taskset -c`, util-linux). */
export type Placement = { readonly cpu: number } | null;

export function runChild<T>(script: string, job: object, nodeArgs: readonly string[] = [], placement: Placement = null): Promise<T> {
  return new Promise((resolve, reject) => {
    // Every child, baselines included, runs with the heap the simulator's processes get.
    const args = [...SIM_NODE_FLAGS, ...nodeArgs, '--import', 'tsx', `scripts/bench/${script}`, JSON.stringify(job)];
    // Pinned, V8's GC and compiler threads share the one CPU with the simulating thread.
    const [command, commandArgs] = placement === null ? [process.execPath, args] : ['taskset', ['-c', String(placement.cpu), process.execPath, ...args]];
    const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => void (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout.trim().split('\n');
      if (code !== 0) return reject(new Error(`${script} ${JSON.stringify(job)} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(lines[lines.length - 1]!) as T);
      } catch (error) {
        reject(new Error(`${script} answered no JSON line: ${String(error)}; stdout: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** A progress line of the parent on stderr. */
export function announce(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

// For end-to-end tests: the `syncstorm` bin as a child process, run from the project root,
// with its exit code and both streams (a usage error is exit 2 and one line on stderr).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(PROJECT_ROOT, 'scripts/bin/syncstorm.js');

export interface CliExit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function syncstorm(args: readonly string[]): Promise<CliExit> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

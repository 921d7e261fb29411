// Test-runner configuration: which files are tests, how they are reported, how many run at once.
// Seeds are not fixed here: each property test fixes (and prints) its own fast-check seed.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// .ci/run sets this to a file path so it can read exact pass/fail counts from JSON
// instead of parsing the human-readable summary; the normal output is unchanged.
const jsonReportPath = process.env['SYNCSTORM_VITEST_JSON'];

// Vitest's default for `run` is cores - 1, which is a single worker on a 2-core machine.
// The main process is mostly idle while workers run, so use both cores there;
// on bigger machines keep one core free.
const coreCount = availableParallelism();
const workersMax = coreCount <= 2 ? coreCount : coreCount - 1;

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.git/**', 'out/**'],
    reporters: jsonReportPath ? ['default', 'json'] : ['default'],
    ...(jsonReportPath ? { outputFile: { json: jsonReportPath } } : {}),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // forks (child processes) rather than threads: tests spawn processes, bind ports
    // and may load native modules, all of which are more predictable in a process.
    pool: 'forks',
    maxWorkers: workersMax,
    isolate: true,
  },
});

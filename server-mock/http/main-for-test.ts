// A child-process entry for tests that must kill a real server (kill -9): serves <dbPath> on an
// ephemeral 127.0.0.1 port and prints one JSON line `{"url": …, "epoch": …}` once listening.
// SIGTERM/SIGINT close it cleanly (exit 0). Run with `node --import tsx main-for-test.ts <dbPath>`.

import { openServer } from './server.ts';

const dbPath = process.argv[2];
if (dbPath === undefined || dbPath === '') {
  process.stderr.write('usage: main-for-test.ts <dbPath>\n');
  process.exit(2);
}

const server = await openServer({ dbPath, port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: server.url, epoch: server.app.core().epoch })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

// The realnet server child process: the HTTP mock server over <dbPath> on 127.0.0.1:<port>
// (0 = ephemeral), printing one JSON line `{"url", "port", "epoch"}` once listening. SIGTERM or
// SIGINT closes it cleanly (everything written); the runner's kill -9 is the crash. It also exits
// when its stdin closes, so it never outlives a runner that died without killing it.
// Run with `node --import tsx scenarios/realnet/server-main.ts <dbPath> <port>`.

import { openServer } from '../../server-mock/http/server.ts';

const dbPath = process.argv[2];
const port = Number(process.argv[3] ?? '0');
if (dbPath === undefined || dbPath === '' || !Number.isSafeInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write('usage: server-main.ts <dbPath> <port>\n');
  process.exit(2);
}

let server: Awaited<ReturnType<typeof openServer>>;
try {
  server = await openServer({ dbPath, port, host: '127.0.0.1', log: (line) => void process.stderr.write(`${line}\n`) });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(`server-main: ${code === 'EADDRINUSE' ? 'EADDRINUSE' : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(code === 'EADDRINUSE' ? 3 : 1);
}
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.running.port, epoch: server.app.core().epoch })}\n`);

let closing = false;
function shutdown(): void {
  if (closing) return;
  closing = true;
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

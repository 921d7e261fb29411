// `syncstorm toxiproxy`: the built-in Toxiproxy-compatible fault proxy, standalone, until
// SIGINT/SIGTERM. Point toxiproxy-node-client (or TOXIPROXY_URL) at the URL it prints.
// The server module loads only when the command runs, so `syncstorm --help` stays fast.

import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { parseIntegerArg, parseSeedArg, seedMax, type ArgParser } from '../cli-args.ts';

export interface ToxiproxyCommandOptions {
  readonly port: number;
  readonly host: string;
  /** Absent: a fresh seed, printed so the run can be repeated. */
  readonly seed?: number;
}

export interface ToxiproxyCommandIo {
  writeOut(text: string): void;
  /** Resolves when the server should stop. Default: SIGINT or SIGTERM. */
  stopped(): Promise<void>;
}

/** An IPv4 or IPv6 literal, or localhost. */
export function parseHostArg(flag: string): ArgParser<string> {
  return (value) => {
    const trimmed = value.trim();
    if (trimmed !== 'localhost' && isIP(trimmed) === 0) {
      throw new InvalidArgumentError(`${flag} must be an IP address such as 127.0.0.1, or localhost, got '${value}'`);
    }
    return trimmed;
  };
}

export function registerToxiproxy(program: Command): void {
  program
    .command('toxiproxy')
    .description('run the built-in Toxiproxy-compatible fault proxy (its control API) until interrupted')
    .option('--port <n>', 'control API port, 0 for an ephemeral one', parseIntegerArg('--port', 0, 65_535), 8474)
    .option('--host <address>', 'control API address', parseHostArg('--host'), '127.0.0.1')
    .option('--seed <n>', 'seed for toxicity rolls, latency jitter and slicer cuts (decimal or 0x hex)', parseSeedArg('--seed'))
    .action(async (options: ToxiproxyCommandOptions) => {
      await runToxiproxy(options);
    });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

const processIo: ToxiproxyCommandIo = {
  writeOut: (text) => process.stdout.write(text),
  stopped: untilSignal,
};

export async function runToxiproxy(options: ToxiproxyCommandOptions, io: ToxiproxyCommandIo = processIo): Promise<void> {
  const { startToxiproxyServer } = await import('../../server-mock/toxiproxy/server.ts');
  const seed = options.seed ?? randomInt(0, seedMax + 1);
  const stopped = io.stopped();
  let server: Awaited<ReturnType<typeof startToxiproxyServer>>;
  try {
    server = await startToxiproxyServer({ port: options.port, host: options.host, seed });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the address is in use (try --port 0)' : error instanceof Error ? error.message : String(error);
    throw new Error(`toxiproxy: cannot listen on ${options.host}:${options.port}: ${reason}`);
  }
  io.writeOut(`toxiproxy: control API on ${server.url} (seed ${seed}); TOXIPROXY_URL=${server.url} to use it; Ctrl-C stops\n`);
  await stopped;
  await server.close();
  io.writeOut('toxiproxy: stopped\n');
}

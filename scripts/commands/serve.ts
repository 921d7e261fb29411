// `syncstorm serve`: the HTTP mock server over a lowdb file, for a real app (or a realnet run)
// to sync against. Prints the URL, serves until SIGINT/SIGTERM, then stops accepting, lets
// requests in flight finish and writes what is left. Flag values (including the fault file's
// fields) are checked before anything starts: a bad one is a usage error (exit 2) naming it.

import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { PROTOCOL_VERSION_LATEST, PROTOCOL_VERSIONS, type ProtocolVersionRange } from '../../engine/protocol.ts';
import { checkFaultSettings, type FaultSettings } from '../../server-mock/http/faults.ts';
import { parseIntegerArg, type ArgParser } from '../cli-args.ts';

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly db: string;
  readonly faults?: FaultSettings;
  readonly rateLimit: number;
  /** Oldest and newest protocol versions accepted; default every version the server knows. */
  readonly protocolMin?: number;
  readonly protocolMax?: number;
}

/** The accepted range from the two flags; a usage error (exit 2) when min > max. */
export function protocolRangeOf(options: Pick<ServeOptions, 'protocolMin' | 'protocolMax'>): ProtocolVersionRange {
  const min = options.protocolMin ?? PROTOCOL_VERSIONS[0];
  const max = options.protocolMax ?? PROTOCOL_VERSION_LATEST;
  if (min > max) throw new InvalidArgumentError(`--protocol-min must be <= --protocol-max, got ${min} and ${max}`);
  return { min, max };
}

/** Reads and checks a fault settings JSON file when the flag is parsed. */
export function parseFaultsFileArg(flag = '--faults'): ArgParser<FaultSettings> {
  return (file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`${flag} file '${file}' cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InvalidArgumentError(`${flag} file '${file}' is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const checked = checkFaultSettings(json);
    if (!checked.ok) throw new InvalidArgumentError(`${flag} file '${file}': ${checked.message}`);
    return checked.settings;
  };
}

const HOST_PATTERN = /^[A-Za-z0-9.:[\]-]+$/;

export function parseHostArg(flag = '--host'): ArgParser<string> {
  return (value) => {
    if (!HOST_PATTERN.test(value)) throw new InvalidArgumentError(`${flag} must be a host name or IP address, got '${value}'`);
    return value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  };
}

export function parsePathArg(flag: string): ArgParser<string> {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} must be a file path, got '${value}'`);
    return value;
  };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP mock sync server (wire protocol versions 1 and 2) over a lowdb file, for a real app; Ctrl-C stops it cleanly')
    .option('--port <n>', 'TCP port (0 picks a free one)', parseIntegerArg('--port', 0, 65_535), 8080)
    .option('--host <host>', 'interface to bind', parseHostArg('--host'), '127.0.0.1')
    .option('--db <file>', 'the lowdb state file, with its append-only journal FILE.journal beside it (created when missing; a restart resumes both)', parsePathArg('--db'), './server.json')
    .option('--faults <file>', 'JSON fault settings, e.g. {"error503PerMille": 50, "latencyMs": 100}', parseFaultsFileArg('--faults'))
    .option('--rate-limit <n>', 'sync requests per user per second (0 = off)', parseIntegerArg('--rate-limit', 0, 1_000_000), 0)
    .option('--protocol-min <n>', `oldest wire protocol version accepted (older clients get 426; default ${PROTOCOL_VERSIONS[0]})`, parseIntegerArg('--protocol-min', PROTOCOL_VERSIONS[0], PROTOCOL_VERSION_LATEST))
    .option('--protocol-max <n>', `newest wire protocol version accepted (default ${PROTOCOL_VERSION_LATEST})`, parseIntegerArg('--protocol-max', PROTOCOL_VERSIONS[0], PROTOCOL_VERSION_LATEST))
    .action(async (options: ServeOptions) => {
      await runServe(options);
    });
}

/** Serves until SIGINT or SIGTERM, then closes cleanly. */
export async function runServe(options: ServeOptions, out: (line: string) => void = (line) => void process.stdout.write(`${line}\n`)): Promise<void> {
  const protocolVersions = protocolRangeOf(options);
  const { openServer } = await import('../../server-mock/http/server.ts');
  const server = await openServer({
    core: { protocolVersions },
    dbPath: options.db,
    port: options.port,
    host: options.host,
    limits: { requestsPerSecondPerUser: options.rateLimit },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  out(`syncstorm serve: listening on ${server.url} (db ${options.db}, epoch ${server.app.core().epoch}, protocol versions ${protocolVersions.min}-${protocolVersions.max})`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  out(`syncstorm serve: ${signal}, stopping`);
  await server.close();
  out(`syncstorm serve: stopped; state written to ${options.db}`);
}

// One entry point for "a Toxiproxy to drive": the real one at TOXIPROXY_URL when set,
// otherwise the built-in server on an ephemeral loopback port, seeded from the run's seed.
// Either way the caller gets the same toxiproxy-node-client, so fault code runs unchanged.

import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';

export interface ToxiproxyHandle {
  /** Base URL of the control API, without a trailing slash. */
  readonly url: string;
  readonly client: Toxiproxy;
  /** 'external': TOXIPROXY_URL (its toxics are not seeded); 'built-in': ours, seeded. */
  readonly kind: 'external' | 'built-in';
  /** Stops the built-in server; leaves an external Toxiproxy running. */
  close(): Promise<void>;
}

export interface ToxiproxyForOptions {
  /** Where TOXIPROXY_URL is read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Validates TOXIPROXY_URL: an http(s) URL with no path, query or credentials. */
export function parseToxiproxyUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`TOXIPROXY_URL should be an http(s) URL such as http://127.0.0.1:8474, got '${text}'`);
  }
  const plain = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !plain) {
    throw new Error(`TOXIPROXY_URL should be an http(s) URL with no path, such as http://127.0.0.1:8474, got '${text}'`);
  }
  return url.origin;
}

export async function toxiproxyFor(runSeed: number, options: ToxiproxyForOptions = {}): Promise<ToxiproxyHandle> {
  const external = (options.env ?? process.env)['TOXIPROXY_URL'];
  if (external !== undefined && external.trim() !== '') {
    const url = parseToxiproxyUrl(external.trim());
    const client = new Toxiproxy(url);
    try {
      await client.getVersion();
    } catch (error) {
      throw new Error(`TOXIPROXY_URL=${url} is not reachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { url, client, kind: 'external', close: async () => {} };
  }
  const server = await startToxiproxyServer({ port: 0, host: '127.0.0.1', seed: runSeed });
  return { url: server.url, client: new Toxiproxy(server.url), kind: 'built-in', close: server.close };
}

// The built-in Toxiproxy server: the control API (api.ts) on node:http, for when no real
// Toxiproxy is reachable. Owns the HTTP listener, request bodies (size-limited), the
// one-request-at-a-time queue, and shutdown. Toxics draw from `seed`, so a run's faults repeat.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ToxiproxyApi, type ApiResponse } from './api.ts';
import { formatAddress } from './proxy.ts';
import { checkSeed } from './random.ts';

export const REQUEST_BODY_BYTES_MAX = 1024 * 1024;
export const DEFAULT_PORT = 8474;

export interface ToxiproxyServerOptions {
  /** 0 picks an ephemeral port. Default 8474, as real Toxiproxy. */
  readonly port?: number;
  readonly host?: string;
  /** Seeds toxicity rolls, latency jitter and slicer cuts. Default 0. */
  readonly seed?: number;
}

export interface ToxiproxyServer {
  /** e.g. http://127.0.0.1:8474 */
  readonly url: string;
  readonly port: number;
  /** Stops the API and every proxy; idempotent. */
  close(): Promise<void>;
}

interface CompleteOptions {
  readonly port: number;
  readonly host: string;
  readonly seed: number;
}

function completeOptions(options: ToxiproxyServerOptions): CompleteOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`startToxiproxyServer: port should be an integer from 0 to 65535, got ${String(port)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new Error(`startToxiproxyServer: host should be a non-empty string, got ${String(host)}`);
  return { port, host, seed: checkSeed(options.seed ?? 0) };
}

/** A small FIFO lock: handlers run one at a time, in arrival order. */
function serialQueue(): <T>(run: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => {});
    return result;
  };
}

type BodyOutcome = { readonly kind: 'ok'; readonly text: string } | { readonly kind: 'too-large' };

function readBody(request: http.IncomingMessage): Promise<BodyOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= REQUEST_BODY_BYTES_MAX) chunks.push(chunk);
    });
    request.once('end', () => resolve(size > REQUEST_BODY_BYTES_MAX ? { kind: 'too-large' } : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    request.once('error', reject);
  });
}

function send(response: http.ServerResponse, reply: ApiResponse): void {
  const headers: http.OutgoingHttpHeaders = reply.contentType === undefined ? {} : { 'content-type': reply.contentType };
  response.writeHead(reply.status, headers);
  response.end(reply.status === 204 ? undefined : reply.body);
}

function errorReply(status: number, message: string): ApiResponse {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message, status }) };
}

export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const { port, host, seed } = completeOptions(options);
  const api = new ToxiproxyApi({ seed, nowMs: () => performance.now() });
  const serial = serialQueue();

  const handle = async (request: http.IncomingMessage): Promise<ApiResponse> => {
    // Real Toxiproxy refuses browsers (a guard against cross-site requests to localhost).
    if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) return { status: 403, contentType: 'text/plain; charset=utf-8', body: 'User agent not allowed\n' };
    const body = await readBody(request);
    if (body.kind === 'too-large') return errorReply(413, `bad request body: larger than ${REQUEST_BODY_BYTES_MAX} bytes`);
    const path = new URL(request.url ?? '/', 'http://toxiproxy').pathname;
    return serial(() => api.handle(request.method ?? 'GET', path, body.text));
  };

  const server = http.createServer((request, response) => {
    handle(request).then(
      (reply) => send(response, reply),
      (error: unknown) => send(response, errorReply(500, error instanceof Error ? error.message : String(error))),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await serial(() => api.close());
      await closed;
    })();
    return closing;
  };
  return { url: `http://${formatAddress(address)}`, port: address.port, close };
}

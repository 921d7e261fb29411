// httpTransport's classification (Jepsen ok | fail | info) against real sockets on 127.0.0.1:
// 200 → ok, other statuses → http with Retry-After and error body, refused port → unsent, a
// server that never answers or resets after reading → unknown. Plus Retry-After parsing and the
// token provider's cache, refresh and fallback. Only node:* servers here (engine/ imports
// nothing outside engine/), no real sync server.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushRequest } from '../protocol.ts';
import { classifyFetchError, httpTokenProvider, httpTransport, parseRetryAfterMs, type FetchFunction } from './http-transport.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An HTTP server on 127.0.0.1:0 answering with `handler`; records what it saw. */
async function httpServer(handler: Handler): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      handler(request, res);
    });
  });
  const port = await listen(server);
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}

/** A TCP server that reads the request and then does `onData` (nothing, or destroy the socket). */
async function rawServer(onData: (socket: Socket) => void): Promise<{ baseUrl: string; received: () => number }> {
  const sockets = new Set<Socket>();
  let bytes = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      onData(socket);
    });
    socket.on('error', () => {});
  });
  const port = await listen(server);
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { baseUrl: `http://127.0.0.1:${port}`, received: () => bytes };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const REQUEST: PushRequest = {
  clientId: 'c1',
  items: [{ queueId: 'q1', seq: 0, entityType: 'todo', entityId: 'a', action: 'create', baseRevision: null, payload: { title: 't' }, clientTime: 1 }],
};
const OK_BODY = { epoch: 'e1', results: [{ queueId: 'q1', status: 'ok', revision: 1, serverTime: 5 }] };

describe('httpTransport classification', () => {
  it('200 with a well-formed body is ok; the request carries the token and the JSON body', async () => {
    const { baseUrl, seen } = await httpServer((_seen, res) => json(res, 200, OK_BODY));
    const outcome = await httpTransport({ baseUrl, timeoutMs: 2_000 }).push(REQUEST, 'tok-1');
    expect(outcome).toEqual({ kind: 'ok', body: OK_BODY });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/sync/push', headers: { authorization: 'Bearer tok-1', 'content-type': 'application/json' } });
    expect(JSON.parse((seen[0] as Seen).body)).toEqual(REQUEST);
  });

  it('pull sends cursor and limit and validates the page', async () => {
    const page = { epoch: 'e1', changes: [{ entityType: 'todo', entityId: 'a', revision: 1, deleted: false, fields: {}, updatedAt: 1, origin: { clientId: 'c', queueId: 'q' } }], cursor: 4, hasMore: false };
    const { baseUrl, seen } = await httpServer((_seen, res) => json(res, 200, page));
    expect(await httpTransport({ baseUrl: `${baseUrl}/`, timeoutMs: 2_000 }).pull({ cursor: 3, limit: 50 }, 't')).toEqual({ kind: 'ok', body: page });
    expect(seen[0]?.url).toBe('/v1/sync/pull?cursor=3&limit=50');
  });

  it.each([
    ['not JSON', '<html>oops</html>'],
    ['the wrong shape', { results: 'x' }],
    ['too few results', { epoch: 'e1', results: [] }],
    ['another queueId', { epoch: 'e1', results: [{ queueId: 'q9', status: 'ok', revision: 1, serverTime: 5 }] }],
    ['an unknown status', { epoch: 'e1', results: [{ queueId: 'q1', status: 'maybe' }] }],
  ])('200 with %s is unknown (the server may have applied it), never ok or a failure', async (_label, body) => {
    const { baseUrl } = await httpServer((_seen, res) => json(res, 200, body));
    const outcome = await httpTransport({ baseUrl, timeoutMs: 2_000 }).push(REQUEST, 't');
    expect(outcome.kind).toBe('unknown');
  });

  it('a non-200 is http with Retry-After seconds and the JSON error body', async () => {
    const error = { error: 'overloaded', message: 'try later' };
    const { baseUrl } = await httpServer((_seen, res) => json(res, 503, error, { 'retry-after': '7' }));
    expect(await httpTransport({ baseUrl, timeoutMs: 2_000 }).push(REQUEST, 't')).toEqual({ kind: 'http', status: 503, retryAfterMs: 7_000, body: error });
  });

  it('a 429 with an HTTP-date Retry-After is measured against the clock; a non-JSON error body is null', async () => {
    const { baseUrl } = await httpServer((_seen, res) => {
      res.writeHead(429, { 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT', 'content-type': 'text/html' });
      res.end('<h1>slow down</h1>');
    });
    const nowMs = Date.parse('2015-10-21T07:28:00Z');
    const outcome = await httpTransport({ baseUrl, timeoutMs: 2_000, clock: () => nowMs }).pull({ cursor: 0, limit: 1 }, 't');
    expect(outcome).toEqual({ kind: 'http', status: 429, retryAfterMs: 30_000, body: null });
  });

  it('400 names the field from the error body; no Retry-After is null', async () => {
    const error = { error: 'bad_request', field: 'items[0].seq', message: 'items[0].seq should be an integer >= 0, got -1' };
    const { baseUrl } = await httpServer((_seen, res) => json(res, 400, error));
    expect(await httpTransport({ baseUrl, timeoutMs: 2_000 }).push(REQUEST, 't')).toEqual({ kind: 'http', status: 400, retryAfterMs: null, body: error });
  });

  it('a refused connection is unsent', async () => {
    // A port that was just free: bind, note it, close.
    const probe = createNetServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const outcome = await httpTransport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 }).push(REQUEST, 't');
    expect(outcome.kind).toBe('unsent');
    expect((outcome as { reason: string }).reason).toContain('ECONNREFUSED');
  });

  it('a server that accepts and never answers is unknown after the timeout, never a failure', async () => {
    const server = await rawServer(() => {});
    const started = performance.now();
    const outcome = await httpTransport({ baseUrl: server.baseUrl, timeoutMs: 600 }).push(REQUEST, 't');
    expect(outcome).toEqual({ kind: 'unknown', reason: 'no answer within 600 ms' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
    expect(server.received()).toBeGreaterThan(0);
  });

  it('a connection reset after the request was sent is unknown', async () => {
    const server = await rawServer((socket) => socket.resetAndDestroy());
    const outcome = await httpTransport({ baseUrl: server.baseUrl, timeoutMs: 2_000 }).push(REQUEST, 't');
    expect(outcome.kind).toBe('unknown');
    expect(server.received()).toBeGreaterThan(0);
  });

  it('a 200 whose body stalls past the deadline is unknown', async () => {
    const { baseUrl } = await httpServer((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"epoch": "e1", ');
    });
    const outcome = await httpTransport({ baseUrl, timeoutMs: 300 }).push(REQUEST, 't');
    expect(outcome.kind).toBe('unknown');
  });

  it('a token that cannot be a header value is unsent: nothing reaches the server', async () => {
    const { baseUrl, seen } = await httpServer((_seen, res) => json(res, 200, OK_BODY));
    const outcome = await httpTransport({ baseUrl, timeoutMs: 2_000 }).push(REQUEST, 'bad\ntoken');
    expect(outcome.kind).toBe('unsent');
    expect(seen).toEqual([]);
  });

  it('classifies fetch errors by their cause codes: only pre-send codes are unsent', async () => {
    const failing = (error: unknown): FetchFunction => () => Promise.reject(error);
    const fetchFailed = (code: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    const transport = (error: unknown) => httpTransport({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1_000, fetch: failing(error) });
    expect((await transport(fetchFailed('ENOTFOUND')).push(REQUEST, 't')).kind).toBe('unsent');
    expect((await transport(fetchFailed('EAI_AGAIN')).pull({ cursor: 0, limit: 1 }, 't')).kind).toBe('unsent');
    expect((await transport(fetchFailed('ECONNRESET')).push(REQUEST, 't')).kind).toBe('unknown');
    expect((await transport(fetchFailed('UND_ERR_SOCKET')).push(REQUEST, 't')).kind).toBe('unknown');
    expect((await transport(new TypeError('fetch failed')).push(REQUEST, 't')).kind).toBe('unknown');
    const both = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]) });
    expect(classifyFetchError(both).kind).toBe('unsent');
    const mixed = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNRESET' })]) });
    expect(classifyFetchError(mixed).kind).toBe('unknown');
    // A fetch that throws synchronously still yields a value, never a rejection.
    const throwing: FetchFunction = () => {
      throw new Error('sync throw');
    };
    expect((await httpTransport({ baseUrl: 'http://x.invalid', timeoutMs: 100, fetch: throwing }).push(REQUEST, 't')).kind).toBe('unknown');
  });

  it('refuses bad options naming the field', () => {
    expect(() => httpTransport({ baseUrl: 'ftp://x', timeoutMs: 1 })).toThrow('baseUrl should be an absolute http(s) URL');
    expect(() => httpTransport({ baseUrl: 'not a url', timeoutMs: 1 })).toThrow('baseUrl');
    expect(() => httpTransport({ baseUrl: 'http://x', timeoutMs: 0 })).toThrow('timeoutMs should be an integer');
    expect(() => httpTransport({ baseUrl: 'http://x', timeoutMs: 10, fetch: 5 as unknown as FetchFunction })).toThrow('fetch should be a function');
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');

  it.each([
    ['0', 0],
    ['1', 1_000],
    [' 120 ', 120_000],
    ['Mon, 01 Jan 2024 00:00:05 GMT', 5_000],
    ['Monday, 01-Jan-24 00:00:05 GMT', 5_000],
    ['Mon Jan  1 00:00:05 2024', 5_000],
    ['Sun, 31 Dec 2023 23:59:00 GMT', 0],
  ])('%j → %d ms', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it.each([null, undefined, '', '-1', '1.5', 'soon', '12abc', '1e3', '2024-01-01', 'Foo, 99 Bar 2024 99:99:99 GMT'])('%j → null', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeNull();
  });

  it('delay-seconds are seconds for any integer', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (seconds) => parseRetryAfterMs(String(seconds), now) === seconds * 1000),
      { seed: 7, numRuns: 200 },
    );
  });

  it('an HTTP date in the future is its distance from now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 * 365 }), (seconds) => parseRetryAfterMs(new Date(now + seconds * 1000).toUTCString(), now) === seconds * 1000),
      { seed: 8, numRuns: 200 },
    );
  });
});

describe('httpTokenProvider', () => {
  it('fetches once for concurrent callers, refreshes with the old token, and falls back to a new token', async () => {
    let issued = 0;
    let refuseRefresh = false;
    const { baseUrl, seen } = await httpServer((request, res) => {
      if (request.url === '/v1/auth/refresh' && refuseRefresh) return json(res, 401, { error: 'unauthorized', message: 'unknown token' });
      issued += 1;
      json(res, 200, { token: `tok-${issued}`, expiresAt: 1 });
    });
    const provider = httpTokenProvider({ baseUrl, user: 'alice' });
    expect(await Promise.all([provider.token(), provider.token(), provider.token()])).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(JSON.parse((seen[0] as Seen).body)).toEqual({ user: 'alice' });
    expect(await provider.refresh()).toBe('tok-2');
    expect(seen[1]).toMatchObject({ url: '/v1/auth/refresh', headers: { authorization: 'Bearer tok-1' } });
    expect(await provider.token()).toBe('tok-2');
    refuseRefresh = true;
    expect(await provider.refresh()).toBe('tok-3');
    expect(seen.slice(2).map((s) => s.url)).toEqual(['/v1/auth/refresh', '/v1/auth/token']);
    expect(await provider.token()).toBe('tok-3');
  });

  it('a failure rejects naming the request, and is not cached', async () => {
    let fail = true;
    const { baseUrl } = await httpServer((_request, res) => (fail ? json(res, 400, { error: 'bad_request', field: 'user', message: 'bad user' }) : json(res, 200, { token: 'ok', expiresAt: 1 })));
    const provider = httpTokenProvider({ baseUrl, user: 'alice' });
    await expect(provider.token()).rejects.toThrow('POST /v1/auth/token for alice failed: HTTP 400 bad_request: bad user');
    fail = false;
    expect(await provider.token()).toBe('ok');
  });
});

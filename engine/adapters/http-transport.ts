// The real TransportPort and TokenProviderPort over HTTP (wire protocol v1, DESIGN §3), with
// fetch and an AbortController deadline. Classification is Jepsen's ok | fail | info:
// - a 200 with a body of the right shape → ok;
// - any other status → http (definite answer), with Retry-After and the JSON error body if any;
// - an error that proves nothing left this process (connection refused, DNS failure, an
//   invalid header) → unsent;
// - anything else — a timeout, a reset after the request was sent, a 200 whose body is
//   unreadable or malformed — → unknown: the server may have applied it, so it is retried
//   with the same idempotency keys and never counted as a failure.
// Promises returned here never reject: every outcome is a value.

import { PROTOCOL_VERSION_QUERY_PARAM, type ErrorBody, type PullQuery, type PullResponse, type PushRequest, type PushResponse, type TokenResponse } from '../protocol.ts';
import type { TokenProviderPort, TransportOutcome, TransportPort } from '../ports.ts';
import { TIMER_DELAY_MS_MAX } from './real.ts';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** The server's root, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly baseUrl: string;
  /** Deadline for the whole exchange (connect, send, answer, body). */
  readonly timeoutMs: number;
  readonly fetch?: FetchFunction;
  /** Wall clock for Retry-After given as an HTTP date. Default Date.now. */
  readonly clock?: () => number;
}

export interface HttpTokenProviderOptions {
  readonly baseUrl: string;
  readonly user: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchFunction;
}

/** Error codes raised before any byte of the request could reach the server. */
const UNSENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

const TOKEN_TIMEOUT_MS_DEFAULT = 10_000;

// ---------- options ----------

function normalizeBaseUrl(baseUrl: unknown, where: string): string {
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new Error(`${where}: baseUrl should be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${where}: baseUrl should be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.search !== '' || url.hash !== '') throw new Error(`${where}: baseUrl should have no query or fragment, got ${JSON.stringify(baseUrl)}`);
  return url.href.replace(/\/+$/, '');
}

function requireTimeout(timeoutMs: unknown, where: string): number {
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > TIMER_DELAY_MS_MAX) {
    throw new Error(`${where}: timeoutMs should be an integer from 1 to ${TIMER_DELAY_MS_MAX}, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

function requireFunction<T>(value: T | undefined, fallback: T, field: string, where: string): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new Error(`${where}: ${field} should be a function, got ${String(value)}`);
  return value;
}

// ---------- classification ----------

/** Every error code in an error's cause chain (and an AggregateError's members). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 8) return [];
  const codes: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') codes.push(code);
  codes.push(...errorCodes((error as { cause?: unknown }).cause, depth + 1));
  if (error instanceof AggregateError) for (const member of error.errors) codes.push(...errorCodes(member, depth + 1));
  return codes;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const codes = errorCodes(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error && cause.message !== '' ? `: ${cause.message}` : '';
  return `${error.message}${detail}${codes.length > 0 ? ` (${[...new Set(codes)].join(', ')})` : ''}`;
}

/** unsent only when every code found proves the request never left; otherwise unknown. */
export function classifyFetchError(error: unknown): { readonly kind: 'unsent' | 'unknown'; readonly reason: string } {
  const codes = errorCodes(error);
  const unsent = codes.length > 0 && codes.every((code) => UNSENT_CODES.has(code));
  return { kind: unsent ? 'unsent' : 'unknown', reason: describeError(error) };
}

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
const HAS_ZONE = /(GMT|UTC|[+-]\d{4})\s*$/i;

/**
 * Retry-After (RFC 9110 §10.2.3) in ms: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850,
 * asctime — the last has no zone and means GMT) minus now, at least 0. null when absent or invalid.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const seconds = DELAY_SECONDS.exec(value);
  if (seconds !== null) {
    const ms = Number(seconds[1]) * 1000;
    return Number.isSafeInteger(ms) ? ms : null;
  }
  const text = value.trim();
  if (!/[A-Za-z]{3}/.test(text)) return null;
  const dateMs = Date.parse(HAS_ZONE.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorBodyOf(text: string): ErrorBody | null {
  const json = parseJson(text);
  if (!isRecord(json) || typeof json['error'] !== 'string' || typeof json['message'] !== 'string') return null;
  const field = json['field'];
  const body: ErrorBody = typeof field === 'string' ? { error: json['error'], field, message: json['message'] } : { error: json['error'], message: json['message'] };
  // A version refusal says which versions the server accepts: the engine reports them.
  const range = json['protocolVersions'];
  if (!isRecord(range) || !Number.isSafeInteger(range['min']) || !Number.isSafeInteger(range['max'])) return body;
  return { ...body, protocolVersions: { min: range['min'] as number, max: range['max'] as number } };
}

const RESULT_STATUSES: ReadonlySet<unknown> = new Set(['ok', 'conflict', 'error']);

/** Why a 200 push body is unusable, or null: one result per item, same order, known statuses. */
function pushBodyProblem(json: unknown, request: PushRequest): string | null {
  if (!isRecord(json) || typeof json['epoch'] !== 'string' || !Array.isArray(json['results'])) return 'push response should be {epoch, results[]}';
  const results = json['results'] as unknown[];
  if (results.length !== request.items.length) return `push response should hold ${request.items.length} results, got ${results.length}`;
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    if (!isRecord(result) || !RESULT_STATUSES.has(result['status'])) return `results[${i}] should have a status ok, conflict or error`;
    if (result['queueId'] !== request.items[i]?.queueId) return `results[${i}].queueId should be ${String(request.items[i]?.queueId)}`;
  }
  return null;
}

function pullBodyProblem(json: unknown): string | null {
  if (!isRecord(json) || typeof json['epoch'] !== 'string' || !Array.isArray(json['changes'])) return 'pull response should be {epoch, changes[], cursor, hasMore}';
  const cursor = json['cursor'];
  if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) return 'pull response cursor should be an integer >= 0';
  if (typeof json['hasMore'] !== 'boolean') return 'pull response hasMore should be a boolean';
  for (const change of json['changes'] as unknown[]) {
    if (!isRecord(change) || typeof change['entityType'] !== 'string' || typeof change['entityId'] !== 'string' || typeof change['revision'] !== 'number') {
      return 'each pulled change should have entityType, entityId and revision';
    }
  }
  return null;
}

// ---------- one exchange ----------

interface Exchange {
  readonly fetch: FetchFunction;
  readonly timeoutMs: number;
  readonly clock: () => number;
}

/** Sends one request; a 200's body is checked by `problem` (null = fine). Never rejects. */
async function exchange<T>(how: Exchange, url: string, init: RequestInit, problem: (json: unknown) => string | null): Promise<TransportOutcome<T>> {
  try {
    // Header values are checked before sending: a bad one throws here, nothing left the process.
    new Headers(init.headers);
  } catch (error) {
    return { kind: 'unsent', reason: `invalid request: ${describeError(error)}` };
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, how.timeoutMs);
  try {
    let response: Response;
    try {
      response = await how.fetch(url, { ...init, signal: controller.signal, redirect: 'manual' });
    } catch (error) {
      return timedOut ? { kind: 'unknown', reason: `no answer within ${how.timeoutMs} ms` } : classifyFetchError(error);
    }
    let text: string | null;
    try {
      text = await response.text();
    } catch (error) {
      text = null;
      if (response.status === 200) return { kind: 'unknown', reason: `200 whose body was lost: ${timedOut ? `timeout after ${how.timeoutMs} ms` : describeError(error)}` };
    }
    if (response.status !== 200) {
      return { kind: 'http', status: response.status, retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), how.clock()), body: text === null ? null : errorBodyOf(text) };
    }
    const json = parseJson(text as string);
    const bad = json === undefined ? 'response body is not JSON' : problem(json);
    return bad === null ? { kind: 'ok', body: json as T } : { kind: 'unknown', reason: `200 with an unusable body: ${bad}` };
  } catch (error) {
    // Not expected (a custom fetch misbehaving): still a value, and possibly sent.
    return { kind: 'unknown', reason: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

export function httpTransport(options: HttpTransportOptions): TransportPort {
  const where = 'httpTransport';
  if (!isRecord(options)) throw new Error(`${where}: options should be an object, got ${String(options)}`);
  const baseUrl = normalizeBaseUrl(options.baseUrl, where);
  const how: Exchange = {
    timeoutMs: requireTimeout(options.timeoutMs, where),
    fetch: requireFunction<FetchFunction>(options.fetch, globalThis.fetch, 'fetch', where),
    clock: requireFunction(options.clock, Date.now, 'clock', where),
  };
  return {
    push(request: PushRequest, token: string): Promise<TransportOutcome<PushResponse>> {
      let body: string;
      try {
        body = JSON.stringify(request);
      } catch (error) {
        return Promise.resolve({ kind: 'unsent', reason: `push request cannot be serialised: ${describeError(error)}` });
      }
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
      return exchange<PushResponse>(how, `${baseUrl}/v1/sync/push`, { method: 'POST', headers, body }, (json) => pushBodyProblem(json, request));
    },
    pull(query: PullQuery, token: string): Promise<TransportOutcome<PullResponse>> {
      const search = new URLSearchParams({ cursor: String(query.cursor), limit: String(query.limit) });
      // The version travels as `v`; absent (an old caller) means protocol 1 to the server.
      if (query.protocolVersion !== undefined) search.set(PROTOCOL_VERSION_QUERY_PARAM, String(query.protocolVersion));
      const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
      return exchange<PullResponse>(how, `${baseUrl}/v1/sync/pull?${search.toString()}`, { method: 'GET', headers }, pullBodyProblem);
    },
  };
}

// ---------- tokens ----------

function tokenProblem(json: unknown): string | null {
  return isRecord(json) && typeof json['token'] === 'string' && json['token'] !== '' ? null : 'token response should be {token, expiresAt}';
}

function describeOutcome(outcome: TransportOutcome<unknown>): string {
  switch (outcome.kind) {
    case 'http':
      return `HTTP ${outcome.status}${outcome.body === null ? '' : ` ${outcome.body.error}: ${outcome.body.message}`}`;
    case 'ok':
      return 'ok';
    default:
      return `${outcome.kind}: ${outcome.reason}`;
  }
}

/**
 * Tokens from the mock's auth endpoints. token() caches; refresh() (after a 401) trades the
 * current token at /v1/auth/refresh and falls back to a new one from /v1/auth/token when the
 * refresh is refused. Concurrent callers share one request; a failure is thrown, not cached.
 */
export function httpTokenProvider(options: HttpTokenProviderOptions): TokenProviderPort {
  const where = 'httpTokenProvider';
  if (!isRecord(options)) throw new Error(`${where}: options should be an object, got ${String(options)}`);
  const baseUrl = normalizeBaseUrl(options.baseUrl, where);
  if (typeof options.user !== 'string' || options.user === '') throw new Error(`${where}: user should be a non-empty string, got ${String(options.user)}`);
  const user = options.user;
  const how: Exchange = {
    timeoutMs: requireTimeout(options.timeoutMs ?? TOKEN_TIMEOUT_MS_DEFAULT, where),
    fetch: requireFunction<FetchFunction>(options.fetch, globalThis.fetch, 'fetch', where),
    clock: Date.now,
  };
  let current: Promise<string> | null = null;
  let refreshing: Promise<string> | null = null;

  const request = async (path: string, headers: Record<string, string>, body: string): Promise<string> => {
    const outcome = await exchange<TokenResponse>(how, `${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }, tokenProblem);
    if (outcome.kind !== 'ok') throw new Error(`${where}: POST ${path} for ${user} failed: ${describeOutcome(outcome)}`);
    return outcome.body.token;
  };
  const fresh = (): Promise<string> => request('/v1/auth/token', {}, JSON.stringify({ user }));
  const remember = (promise: Promise<string>): Promise<string> => {
    current = promise;
    promise.catch(() => {
      if (current === promise) current = null;
    });
    return promise;
  };
  const refreshFrom = async (previous: Promise<string> | null): Promise<string> => {
    const old = previous === null ? null : await previous.catch(() => null);
    if (old === null) return fresh();
    return request('/v1/auth/refresh', { authorization: `Bearer ${old}` }, '{}').catch(() => fresh());
  };
  return {
    token: () => current ?? remember(fresh()),
    refresh: () => {
      if (refreshing === null) {
        const previous = current;
        refreshing = remember(refreshFrom(previous)).finally(() => {
          refreshing = null;
        });
      }
      return refreshing;
    },
  };
}

/** Transport and tokens for one user's client, the HTTP twin of server-mock's inProcessLink. */
export function httpLink(options: HttpTransportOptions & { readonly user: string }): { readonly transport: TransportPort; readonly tokens: TokenProviderPort } {
  const tokenOptions: HttpTokenProviderOptions = { baseUrl: options.baseUrl, user: options.user, timeoutMs: options.timeoutMs, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  return { transport: httpTransport(options), tokens: httpTokenProvider(tokenOptions) };
}

// The express 5 app of the HTTP mock: the wire protocol (DESIGN §3; versions 1 and 2, see
// engine/protocol.ts; a pull states its version as `?v=`) over a ServerCore, made
// durable by a LowdbServerStore, with injectable faults, per-user rate limits, Prometheus
// metrics and an admin API under /__admin/. The core decides every protocol answer; this layer
// parses, authenticates, waits for durability and copies replies onto the wire.
//
// Durability rule: any answer that reveals state (a push result, a pulled change, a token) is
// sent only after store.flush() resolved, so nothing a client was told can vanish in a crash.
// If the write fails the change stays applied in memory, the answer is 500, and the client's
// retry is a replay that waits for the store's next (retried) write.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PROTOCOL_VERSION_QUERY_PARAM, type PushResponse } from '../../engine/protocol.ts';
import type { Reply, ServerCore } from '../core/index.ts';
import { newEpochId, type LowdbServerStore } from '../store/lowdb-server-store.ts';
import { adminRoutes } from './admin.ts';
import { durable, sendReply, type AppContext, type ServerLimits } from './context.ts';
import { finalErrorHandler, methodNotAllowed, notFound, sendError } from './errors.ts';
import { checkFaultSettings, decideFault, NO_FAULTS, type FaultDecision, type FaultSettings } from './faults.ts';
import { Metrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';

export interface ServerAppOptions {
  readonly core: ServerCore;
  readonly store?: LowdbServerStore;
  /** Server time in ms (token expiry, serverTime, rate limits). Default Date.now. */
  readonly clock?: () => number;
  readonly faults?: Partial<FaultSettings>;
  readonly limits?: Partial<ServerLimits>;
  /** Draws for fault decisions, uniform in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Epoch of a reset or restored state. Default newEpochId(). */
  readonly newEpoch?: () => string;
  /** Where internal errors are logged (never sent to clients). Default stderr. */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting, lets requests in flight finish (at most graceMs), then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

export interface ServerApp {
  readonly app: Express;
  readonly metrics: Metrics;
  start(port?: number, host?: string): Promise<RunningServer>;
  /** The current core (a reset or restore replaces it). */
  core(): ServerCore;
  faults(): FaultSettings;
  setFaults(settings: FaultSettings): void;
}

export const BODY_BYTES_MAX_DEFAULT = 1024 * 1024;
const BODY_BYTES_MAX_LIMIT = 256 * 1024 * 1024;
const CLOSE_GRACE_MS_DEFAULT = 2_000;

/** Routes and the methods they answer; any other method is a 405. */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/v1/auth/token': ['POST'],
  '/v1/auth/refresh': ['POST'],
  '/v1/sync/push': ['POST'],
  '/v1/sync/pull': ['GET'],
  '/healthz': ['GET'],
  '/metrics': ['GET'],
  '/__admin/faults': ['GET', 'PUT'],
  '/__admin/state': ['GET'],
  '/__admin/reset': ['POST'],
  '/__admin/snapshot': ['POST'],
  '/__admin/restore': ['POST'],
  '/__admin/protocol': ['GET', 'PUT'],
};

function buildLimits(partial: Partial<ServerLimits> | undefined): ServerLimits {
  // `?? default` rather than a spread, so `{ bodyBytesMax: undefined }` still gets the default.
  const bodyBytesMax = partial?.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT;
  const requestsPerSecondPerUser = partial?.requestsPerSecondPerUser ?? 0;
  if (!Number.isSafeInteger(bodyBytesMax) || bodyBytesMax < 1 || bodyBytesMax > BODY_BYTES_MAX_LIMIT) {
    throw new Error(`limits.bodyBytesMax should be an integer from 1 to ${BODY_BYTES_MAX_LIMIT}, got ${String(bodyBytesMax)}`);
  }
  if (!Number.isSafeInteger(requestsPerSecondPerUser) || requestsPerSecondPerUser < 0 || requestsPerSecondPerUser > 1_000_000) {
    throw new Error(`limits.requestsPerSecondPerUser should be an integer from 0 to 1000000, got ${String(requestsPerSecondPerUser)}`);
  }
  return { bodyBytesMax, requestsPerSecondPerUser };
}

function buildContext(options: ServerAppOptions): AppContext {
  if (typeof options !== 'object' || options === null || typeof options.core?.push !== 'function') {
    throw new Error('createServerApp: options.core should be a ServerCore');
  }
  for (const field of ['clock', 'random', 'newEpoch', 'log'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function') throw new Error(`createServerApp: ${field} should be a function, got ${String(options[field])}`);
  }
  const faults = checkFaultSettings(options.faults ?? {});
  if (!faults.ok) throw new Error(`createServerApp: faults.${faults.field}: ${faults.message}`);
  const limits = buildLimits(options.limits);
  const store = options.store ?? null;
  if (store !== null && store.load() !== options.core.state) throw new Error('createServerApp: core should be built on store.load() (the state the store persists)');
  const clock = options.clock ?? Date.now;
  const ctx: AppContext = {
    core: options.core,
    faults: faults.settings,
    store,
    clock,
    random: options.random ?? Math.random,
    newEpoch: options.newEpoch ?? (() => newEpochId(clock())),
    limiter: new RateLimiter(limits.requestsPerSecondPerUser),
    limits,
    metrics: new Metrics(),
    log: options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
  };
  registerMetrics(ctx);
  return ctx;
}

/** Every series the app exports; gauges read the context (its core changes on reset) when scraped. */
function registerMetrics(ctx: AppContext): void {
  const metrics = ctx.metrics;
  metrics.counter('syncstorm_push_requests_total', 'Push requests processed by the core (valid envelope), durable or not.');
  metrics.counter('syncstorm_push_items_total', 'Push items by result: applied, replayed, conflict, error.');
  metrics.counter('syncstorm_pull_requests_total', 'Pull requests answered 200.');
  metrics.counter('syncstorm_tokens_issued_total', 'Tokens issued or refreshed.');
  metrics.counter('syncstorm_http_responses_total', 'HTTP responses by status class and status.');
  metrics.counter('syncstorm_rate_limited_total', 'Requests refused by the per-user rate limit.');
  metrics.counter('syncstorm_faults_injected_total', 'Faults injected, by kind.');
  metrics.counter('syncstorm_store_writes_total', 'File writes (group commits), by result.');
  metrics.counter('syncstorm_store_changes_written_total', 'Changes made durable (several per group commit).');
  metrics.histogram('syncstorm_store_write_seconds', 'Duration of one file write (group commit).');
  metrics.histogram('syncstorm_durable_wait_seconds', 'Time an answer waited for its change to be on disk.');
  metrics.gauge('syncstorm_epoch', 'Current server epoch (label); always 1.', () => [{ labels: { epoch: ctx.core.epoch }, value: 1 }]);
  metrics.gauge('syncstorm_seq', 'Global change sequence (the pull cursor of the newest change).', () => [{ labels: {}, value: ctx.core.state.seq }]);
  metrics.gauge('syncstorm_users', 'Users with at least one applied change.', () => [{ labels: {}, value: ctx.core.state.users.size }]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function dropConnection(ctx: AppContext, req: Request, kind: 'drop' | 'drop_after_commit'): void {
  ctx.metrics.inc('syncstorm_faults_injected_total', { kind });
  req.socket.destroy();
}

/** Latency, then at most one fault; a post-commit fault is left in res.locals for `answer`. */
function faultGate(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const settings = ctx.faults;
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    const decision: FaultDecision = decideFault(settings, ctx.random);
    const retryAfter = { 'retry-after': String(settings.retryAfterSeconds) };
    switch (decision) {
      case 'error500':
      case 'error503':
      case 'error429': {
        const status = Number(decision.slice('error'.length));
        ctx.metrics.inc('syncstorm_faults_injected_total', { kind: `status_${status}` });
        sendError(res, status, { error: 'injected_fault', message: `injected ${status} (nothing was applied)` }, status === 500 ? {} : retryAfter);
        return;
      }
      case 'dropConnection':
        dropConnection(ctx, req, 'drop');
        return;
      default:
        res.locals['fault'] = decision;
        next();
    }
  };
}

/** Sends `reply`, unless a post-commit fault replaces it (the request was fully processed). */
function answer<T>(ctx: AppContext, req: Request, res: Response, reply: Reply<T>): void {
  const fault = res.locals['fault'] as FaultDecision | undefined;
  if (reply.status === 200 && fault === 'commitThenFail') {
    ctx.metrics.inc('syncstorm_faults_injected_total', { kind: 'commit_then_fail' });
    sendError(res, 500, { error: 'injected_fault', message: 'injected 500 after commit (the request WAS applied)' });
  } else if (reply.status === 200 && fault === 'dropAfterCommit') {
    dropConnection(ctx, req, 'drop_after_commit');
  } else {
    sendReply(res, reply);
  }
}

/** The authenticated user of a sync request, or null once a 401/429 has been sent. */
function syncUser(ctx: AppContext, req: Request, res: Response): string | null {
  const now = ctx.clock();
  const auth = ctx.core.authenticate(req.headers.authorization, now);
  if (!auth.ok) {
    sendReply(res, auth.reply);
    return null;
  }
  const waitMs = ctx.limiter.take(auth.user, now);
  if (waitMs > 0) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    ctx.metrics.inc('syncstorm_rate_limited_total');
    const rate = ctx.limits.requestsPerSecondPerUser;
    sendError(res, 429, { error: 'rate_limited', message: `more than ${rate} sync requests per second for this user; retry after ${seconds} s` }, { 'retry-after': String(seconds) });
    return null;
  }
  return auth.user;
}

function countPush(ctx: AppContext, body: PushResponse): void {
  ctx.metrics.inc('syncstorm_push_requests_total');
  for (const result of body.results) {
    const kind = result.status === 'ok' ? (result.replayed === true ? 'replayed' : 'applied') : result.status;
    ctx.metrics.inc('syncstorm_push_items_total', { result: kind });
  }
}

function syncRoutes(ctx: AppContext, app: Express): void {
  const json = express.json({ limit: ctx.limits.bodyBytesMax, type: () => true, strict: true });
  const gate = faultGate(ctx);

  app.post('/v1/auth/token', json, gate, async (req, res) => {
    const reply = ctx.core.issueToken(req.body, ctx.clock());
    if (reply.status === 200) {
      ctx.store?.markDirty();
      ctx.metrics.inc('syncstorm_tokens_issued_total');
      if (!(await durable(ctx, res))) return;
    }
    answer(ctx, req, res, reply);
  });

  app.post('/v1/auth/refresh', json, gate, async (req, res) => {
    const reply = ctx.core.refreshToken(req.headers.authorization, ctx.clock());
    if (reply.status === 200) {
      ctx.store?.markDirty();
      ctx.metrics.inc('syncstorm_tokens_issued_total');
      if (!(await durable(ctx, res))) return;
    }
    answer(ctx, req, res, reply);
  });

  app.post('/v1/sync/push', json, gate, async (req, res) => {
    const user = syncUser(ctx, req, res);
    if (user === null) return;
    const { reply, applied } = ctx.core.push(user, req.body, ctx.clock());
    if (applied.length > 0) ctx.store?.markDirty();
    if (reply.status === 200) {
      countPush(ctx, reply.body as PushResponse);
      if (!(await durable(ctx, res))) return;
    }
    answer(ctx, req, res, reply);
  });

  app.get('/v1/sync/pull', gate, async (req, res) => {
    const user = syncUser(ctx, req, res);
    if (user === null) return;
    const query = req.query as Record<string, unknown>;
    const pullQuery = { cursor: query['cursor'], limit: query['limit'], protocolVersion: query[PROTOCOL_VERSION_QUERY_PARAM] };
    const reply = ctx.core.pull(user, pullQuery, ctx.clock(), PROTOCOL_VERSION_QUERY_PARAM);
    if (reply.status === 200) {
      ctx.metrics.inc('syncstorm_pull_requests_total');
      // A pulled change must be durable: a client must never see a change a crash then loses.
      if (!(await durable(ctx, res))) return;
    }
    answer(ctx, req, res, reply);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, epoch: ctx.core.epoch });
  });

  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render());
  });
}

function countResponses(ctx: AppContext): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const status = res.statusCode;
      ctx.metrics.inc('syncstorm_http_responses_total', { class: `${Math.floor(status / 100)}xx`, status: String(status) });
    });
    next();
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function start(app: Express, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new Error(`start: port should be an integer from 0 to 65535, got ${String(port)}`);
  const server = createServer(app);
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const close = (graceMs = CLOSE_GRACE_MS_DEFAULT): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url: `http://${hostText}:${address.port}`, port: address.port, server, close };
}

export function createServerApp(options: ServerAppOptions): ServerApp {
  const ctx = buildContext(options);
  if (ctx.store !== null) {
    const store = ctx.store;
    store.onWrite((event) => {
      ctx.metrics.inc('syncstorm_store_writes_total', { result: event.ok ? 'ok' : 'failed' });
      ctx.metrics.inc('syncstorm_store_changes_written_total', {}, event.changes);
      ctx.metrics.observe('syncstorm_store_write_seconds', event.durationMs / 1000);
    });
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(countResponses(ctx));
  syncRoutes(ctx, app);
  adminRoutes(ctx, app);
  for (const [path, methods] of Object.entries(ROUTES)) app.all(path, methodNotAllowed(methods));
  app.use(notFound());
  app.use(finalErrorHandler(ctx.log));
  return {
    app,
    metrics: ctx.metrics,
    start: (port, host) => start(app, port, host),
    core: () => ctx.core,
    faults: () => ctx.faults,
    setFaults: (settings) => {
      const checked = checkFaultSettings(settings);
      if (!checked.ok) throw new Error(`setFaults: ${checked.message}`);
      ctx.faults = checked.settings;
    },
  };
}

export { NO_FAULTS, type AppContext, type ServerLimits };

// The Toxiproxy control API over a collection of proxies: routes, handlers and the JSON they
// answer, with real Toxiproxy's status codes (api.go, proxy_collection.go). Requests arrive
// as (method, path, body text) and leave as ApiResponse values; server.ts owns the HTTP socket
// and runs one request at a time, as Go's collection lock makes them effectively serial.

import { ToxicProxy, parseListen } from './proxy.ts';
import {
  errors,
  fail,
  ok,
  parseHostPort,
  parsePopulate,
  parseProxyCreate,
  parseProxyUpdate,
  parseToxicCreate,
  parseToxicUpdate,
  toxicJson,
  type ApiError,
  type ProxyInput,
  type Result,
  type Toxic,
} from './spec.ts';

/** Real Toxiproxy's version, marked as this emulation. */
export const TOXIPROXY_VERSION = '2.12.0-syncstorm';
export const PROXIES_MAX = 1_024;

export interface ApiResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

export interface ApiOptions {
  readonly seed: number;
  readonly nowMs: () => number;
}

const JSON_TYPE = 'application/json';
const json = (status: number, value: unknown): ApiResponse => ({ status, contentType: JSON_TYPE, body: JSON.stringify(value) });
const noContent: ApiResponse = { status: 204, body: '' };
const errorResponse = (error: ApiError): ApiResponse => json(error.status, { error: error.message, status: error.status });
const notFound: ApiResponse = { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
const methodNotAllowed: ApiResponse = { status: 405, body: '' };

/** Go's json.Decoder on the body: empty is "EOF", bad JSON names the problem. */
function parseBody(text: string): Result<unknown> {
  if (text.trim() === '') return fail(errors.badRequestBody('EOF'));
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return fail(errors.badRequestBody(error instanceof Error ? error.message : String(error)));
  }
}

type Handler = (body: string) => Promise<ApiResponse> | ApiResponse;
type Routes = Partial<Record<string, Handler>>;

export class ToxiproxyApi {
  private readonly proxies = new Map<string, ToxicProxy>();

  constructor(private readonly options: ApiOptions) {}

  async handle(method: string, path: string, body: string): Promise<ApiResponse> {
    const routes = this.route(path);
    if (routes === null) return notFound;
    const handler = routes[method];
    return handler === undefined ? methodNotAllowed : handler(body);
  }

  /** Disables every proxy (listeners and connections closed). */
  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.stop()));
  }

  private route(path: string): Routes | null {
    const segments = decodeSegments(path);
    if (segments === null || segments.some((segment) => segment === '')) return null;
    const [first, name, third, toxic, ...rest] = segments;
    if (rest.length > 0) return null;
    if (name === undefined) return this.rootRoutes(first);
    if (first !== 'proxies') return null;
    if (third === undefined) return this.proxyRoutes(name);
    if (third !== 'toxics') return null;
    return toxic === undefined ? this.toxicsRoutes(name) : this.toxicRoutes(name, toxic);
  }

  private rootRoutes(first: string | undefined): Routes | null {
    switch (first) {
      case 'version':
        return { GET: () => ({ status: 200, contentType: 'application/json;charset=utf-8', body: `{"version": "${TOXIPROXY_VERSION}"}\n` }) };
      case 'reset':
        return { POST: () => this.reset() };
      case 'proxies':
        return { GET: () => json(200, this.index()), POST: (body) => this.create(body) };
      case 'populate':
        return { POST: (body) => this.populate(body) };
      case 'metrics':
        return { GET: () => ({ status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: this.metrics() }) };
      default:
        return null;
    }
  }

  private proxyRoutes(name: string): Routes {
    const update: Handler = (body) => this.withProxy(name, (proxy) => this.update(proxy, body));
    return {
      GET: () => this.withProxy(name, (proxy) => json(200, proxy.json())),
      POST: update,
      PATCH: update,
      DELETE: () => this.withProxy(name, (proxy) => this.remove(proxy)),
    };
  }

  private toxicsRoutes(name: string): Routes {
    return {
      GET: () => this.withProxy(name, (proxy) => json(200, proxy.toxics().map(toxicJson))),
      POST: (body) => this.withProxy(name, (proxy) => respond(parseJsonThen(body, parseToxicCreate), (toxic) => proxy.addToxic(toxic))),
    };
  }

  private toxicRoutes(name: string, toxicName: string): Routes {
    const update: Handler = (body) =>
      this.withToxicOf(name, toxicName, (proxy, current) =>
        respond(parseJsonThen(body, (value) => parseToxicUpdate(current, value)), (toxic) => proxy.updateToxic(toxic)),
      );
    return {
      GET: () => this.withToxicOf(name, toxicName, (_proxy, toxic) => json(200, toxicJson(toxic))),
      POST: update,
      PATCH: update,
      DELETE: () =>
        this.withProxy(name, (proxy) => {
          const removed = proxy.removeToxic(toxicName);
          return removed.ok ? noContent : errorResponse(removed.error);
        }),
    };
  }

  private withProxy(name: string, run: (proxy: ToxicProxy) => Promise<ApiResponse> | ApiResponse): Promise<ApiResponse> | ApiResponse {
    const proxy = this.proxies.get(name);
    return proxy === undefined ? errorResponse(errors.proxyNotFound) : run(proxy);
  }

  private withToxicOf(
    name: string,
    toxicName: string,
    run: (proxy: ToxicProxy, toxic: Toxic) => ApiResponse,
  ): Promise<ApiResponse> | ApiResponse {
    return this.withProxy(name, (proxy) => {
      const toxic = proxy.toxic(toxicName);
      return toxic === undefined ? errorResponse(errors.toxicNotFound) : run(proxy, toxic);
    });
  }

  /** GET /proxies: an object by name, keys sorted as Go's map marshalling does. */
  private index(): Record<string, unknown> {
    const names = [...this.proxies.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, this.proxies.get(name)!.json()]));
  }

  private async reset(): Promise<ApiResponse> {
    for (const proxy of this.proxies.values()) {
      const started = await proxy.start();
      if (!started.ok) return errorResponse(started.error);
      proxy.resetToxics();
    }
    return noContent;
  }

  private async create(body: string): Promise<ApiResponse> {
    const input = parseJsonThen(body, (value) => parseProxyCreate(value));
    if (!input.ok) return errorResponse(input.error);
    if (this.proxies.has(input.value.name)) return errorResponse(errors.proxyAlreadyExists);
    if (this.proxies.size >= PROXIES_MAX) return errorResponse(errors.tooMany('proxies', PROXIES_MAX));
    const proxy = new ToxicProxy(input.value, this.options);
    if (input.value.enabled) {
      const started = await proxy.start();
      if (!started.ok) return errorResponse(started.error);
    }
    this.proxies.set(proxy.name, proxy);
    return json(201, proxy.json());
  }

  private async update(proxy: ToxicProxy, body: string): Promise<ApiResponse> {
    const current: ProxyInput = { name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled };
    const input = parseJsonThen(body, (value) => parseProxyUpdate(current, value));
    if (!input.ok) return errorResponse(input.error);
    const updated = await proxy.update(input.value);
    return updated.ok ? json(200, proxy.json()) : errorResponse(updated.error);
  }

  private async remove(proxy: ToxicProxy): Promise<ApiResponse> {
    this.proxies.delete(proxy.name);
    await proxy.stop();
    return noContent;
  }

  /**
   * POST /populate: validate every entry first (enabled ones need valid addresses), then add
   * or replace each; an entry with the same listen and upstream keeps the running proxy.
   */
  private async populate(body: string): Promise<ApiResponse> {
    const inputs = parseJsonThen(body, (value) => parsePopulate(value, PROXIES_MAX));
    const checked = inputs.ok ? checkAddresses(inputs.value) : inputs;
    if (!checked.ok) return json(checked.error.status, { error: checked.error.message, status: checked.error.status, proxies: null });
    const newNames = checked.value.filter((input) => !this.proxies.has(input.name)).length;
    if (this.proxies.size + newNames > PROXIES_MAX) return errorResponse(errors.tooMany('proxies', PROXIES_MAX));
    const applied: ToxicProxy[] = [];
    for (const input of checked.value) {
      const proxy = await this.addOrReplace(input);
      if (!proxy.ok) return json(proxy.error.status, { error: proxy.error.message, status: proxy.error.status, proxies: null });
      applied.push(proxy.value);
    }
    return json(201, { proxies: applied.map((proxy) => proxy.json()) });
  }

  private async addOrReplace(input: ProxyInput): Promise<Result<ToxicProxy>> {
    const existing = this.proxies.get(input.name);
    if (existing !== undefined) {
      if (existing.listen === input.listen && existing.upstream === input.upstream) return ok(existing);
      await existing.stop();
    }
    const proxy = new ToxicProxy(input, this.options);
    if (input.enabled) {
      const started = await proxy.start();
      if (!started.ok) return started;
    }
    this.proxies.set(proxy.name, proxy);
    return ok(proxy);
  }

  /** Prometheus text: bytes per proxy and direction (real Toxiproxy serves it when metrics are on). */
  private metrics(): string {
    const lines: string[] = [];
    const counters = [
      ['toxiproxy_proxy_received_bytes_total', 'The total bytes received from the source', 'received'],
      ['toxiproxy_proxy_sent_bytes_total', 'The total bytes sent to the destination', 'sent'],
    ] as const;
    for (const [metric, help, key] of counters) {
      lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} counter`);
      for (const proxy of this.proxies.values()) {
        for (const direction of ['upstream', 'downstream'] as const) {
          const labels = `direction="${direction}",listener="${proxy.listen}",proxy="${escapeLabel(proxy.name)}",proxy_upstream="${escapeLabel(proxy.upstream)}"`;
          lines.push(`${metric}{${labels}} ${proxy.bytes(direction)[key]}`);
        }
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Path segments after the leading '/', percent-decoded; null when the path is malformed. */
function decodeSegments(path: string): string[] | null {
  if (!path.startsWith('/')) return null;
  try {
    return path.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function parseJsonThen<T>(body: string, parse: (value: unknown) => Result<T>): Result<T> {
  const value = parseBody(body);
  return value.ok ? parse(value.value) : value;
}

/** Parse, apply, then answer 200 with the toxic, or the first error. */
function respond(parsed: Result<Toxic>, apply: (toxic: Toxic) => Result<Toxic>): ApiResponse {
  if (!parsed.ok) return errorResponse(parsed.error);
  const applied = apply(parsed.value);
  return applied.ok ? json(200, toxicJson(applied.value)) : errorResponse(applied.error);
}

function checkAddresses(inputs: ProxyInput[]): Result<ProxyInput[]> {
  for (const [index, input] of inputs.entries()) {
    if (!input.enabled) continue;
    const listen = parseListen(input.listen);
    if (!listen.ok) return fail({ ...listen.error, message: `${listen.error.message} (at proxy ${index + 1})` });
    const upstream = parseHostPort(input.upstream, `upstream at proxy ${index + 1}`);
    if (!upstream.ok) return upstream;
  }
  return ok(inputs);
}

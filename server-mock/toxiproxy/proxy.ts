// One named TCP proxy: a listener on `listen` forwarding each connection to `upstream` through
// its toxics. Owns enable/disable (listener and live connections), the toxic chains per
// direction and the seeded random each connection direction draws from. Mirrors Toxiproxy's
// proxy.go and toxic_collection.go; the HTTP API (server.ts) maps its results to responses.

import net from 'node:net';
import { Connection } from './connection.ts';
import { seededRandom } from './random.ts';
import { errors, fail, ok, parseHostPort, toxicJson, type HostPort, type ProxyInput, type Result, type Stream, type Toxic } from './spec.ts';

export const CONNECTIONS_MAX = 4_096;
export const TOXICS_MAX = 64;

export interface ProxyOptions {
  readonly seed: number;
  readonly nowMs: () => number;
}

/** "127.0.0.1:8474", or "[::1]:8474" for IPv6. */
export function formatAddress(address: net.AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** Proxies listen on loopback only: "", ":port" and "localhost" mean 127.0.0.1. */
export function parseListen(listen: string): Result<HostPort> {
  const parsed = parseHostPort(listen === '' ? ':0' : listen, 'listen');
  if (!parsed.ok) return parsed;
  const host = parsed.value.host === '' || parsed.value.host === 'localhost' ? '127.0.0.1' : parsed.value.host;
  const loopback = (net.isIPv4(host) && host.startsWith('127.')) || host === '::1';
  if (!loopback) {
    return fail(errors.badRequestBody(`listen should be on a loopback address (127.x.x.x, [::1] or localhost), got ${JSON.stringify(listen)}`));
  }
  return ok({ host, port: parsed.value.port });
}

export class ToxicProxy {
  readonly name: string;
  listen: string;
  upstream: string;
  enabled = false;
  private listener: net.Server | null = null;
  private upstreamAddress: HostPort = { host: '', port: 0 };
  private readonly chains: Record<Stream, Toxic[]> = { upstream: [], downstream: [] };
  private readonly connections = new Set<Connection>();
  private connectionsAccepted = 0;
  /** Bytes of connections already closed, for /metrics. */
  private readonly closedBytes = { upstream: { received: 0, sent: 0 }, downstream: { received: 0, sent: 0 } };

  constructor(
    input: ProxyInput,
    private readonly options: ProxyOptions,
  ) {
    this.name = input.name;
    this.listen = input.listen;
    this.upstream = input.upstream;
  }

  json(): Record<string, unknown> {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics().map(toxicJson) };
  }

  /** Binds `listen` (reporting the real address back) and accepts; a no-op when enabled. */
  async start(): Promise<Result<void>> {
    if (this.enabled) return ok(undefined);
    const listen = parseListen(this.listen);
    if (!listen.ok) return listen;
    const upstream = parseHostPort(this.upstream, 'upstream');
    if (!upstream.ok) return upstream;
    const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.accept(client));
    const error = await new Promise<Error | null>((resolve) => {
      listener.once('error', resolve);
      listener.listen({ host: listen.value.host, port: listen.value.port, exclusive: true }, () => resolve(null));
    });
    if (error !== null) return fail(errors.internal(`listen tcp ${this.listen}: ${error.message}`));
    listener.on('error', () => {}); // after listening, errors surface per connection
    this.listener = listener;
    this.upstreamAddress = upstream.value;
    this.listen = formatAddress(listener.address() as net.AddressInfo);
    this.enabled = true;
    return ok(undefined);
  }

  /** Closes the listener and cuts every live connection; a no-op when disabled. */
  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    this.enabled = false;
    if (listener === null) return;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    for (const connection of [...this.connections]) connection.destroy();
    await closed;
  }

  /** Go's Proxy.Update: a new listen or upstream restarts the proxy; `enabled` starts or stops it. */
  async update(input: ProxyInput): Promise<Result<void>> {
    if (input.listen !== this.listen || input.upstream !== this.upstream) {
      await this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled === this.enabled) return ok(undefined);
    if (input.enabled) return this.start();
    await this.stop();
    return ok(undefined);
  }

  /** Upstream chain first, then downstream, each in the order added (Go's GetToxicArray). */
  toxics(): Toxic[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  toxic(name: string): Toxic | undefined {
    return this.toxics().find((toxic) => toxic.name === name);
  }

  addToxic(toxic: Toxic): Result<Toxic> {
    if (this.toxic(toxic.name) !== undefined) return fail(errors.toxicAlreadyExists);
    if (this.chains[toxic.stream].length >= TOXICS_MAX) return fail(errors.tooMany(`${toxic.stream} toxics`, TOXICS_MAX));
    this.chains[toxic.stream].push(toxic);
    for (const connection of this.connections) connection.addToxic(toxic);
    return ok(toxic);
  }

  /** `toxic` replaces the one with its name, in place; live links restart it with a fresh roll. */
  updateToxic(toxic: Toxic): Result<Toxic> {
    const chain = this.chains[toxic.stream];
    const index = chain.findIndex((t) => t.name === toxic.name);
    if (index < 0) return fail(errors.toxicNotFound);
    chain[index] = toxic;
    for (const connection of this.connections) connection.updateToxic(toxic);
    return ok(toxic);
  }

  removeToxic(name: string): Result<void> {
    const toxic = this.toxic(name);
    if (toxic === undefined) return fail(errors.toxicNotFound);
    const chain = this.chains[toxic.stream];
    chain.splice(chain.indexOf(toxic), 1);
    for (const connection of this.connections) connection.removeToxic(toxic);
    return ok(undefined);
  }

  resetToxics(): void {
    for (const toxic of this.toxics()) this.removeToxic(toxic.name);
  }

  /** Bytes read from each direction's source and written to its destination, all connections. */
  bytes(stream: Stream): { received: number; sent: number } {
    const total = { ...this.closedBytes[stream] };
    for (const connection of this.connections) {
      const live = connection.bytes(stream);
      total.received += live.received;
      total.sent += live.sent;
    }
    return total;
  }

  private accept(client: net.Socket): void {
    if (!this.enabled || this.connections.size >= CONNECTIONS_MAX) {
      client.destroy();
      return;
    }
    const index = this.connectionsAccepted++;
    const connection = new Connection({
      client,
      upstream: this.upstreamAddress,
      toxics: (stream) => this.chains[stream],
      randomFor: (stream) => seededRandom(this.options.seed, `${this.name}/${index}/${stream}`),
      nowMs: this.options.nowMs,
      onClosed: (closed) => this.onConnectionClosed(closed),
    });
    this.connections.add(connection);
  }

  private onConnectionClosed(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    for (const stream of ['upstream', 'downstream'] as const) {
      const bytes = connection.bytes(stream);
      this.closedBytes[stream].received += bytes.received;
      this.closedBytes[stream].sent += bytes.sent;
    }
  }
}

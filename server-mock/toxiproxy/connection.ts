// One proxied TCP connection: the client socket, the upstream socket and the two links
// between them (upstream: client → server, downstream: server → client). Closing follows
// Toxiproxy: when a link's output ends, its destination is closed outright (Go's Close), so
// the other link sees the end of its input; a reset closes both sockets with RST.

import net from 'node:net';
import { Link, type LinkPorts } from './link.ts';
import type { Random } from './random.ts';
import type { HostPort, Stream, Toxic } from './spec.ts';

/** A destination that does not take its last bytes within this long after our FIN is destroyed. */
export const CLOSE_FLUSH_MS_MAX = 10_000;

export interface ConnectionOptions {
  readonly client: net.Socket;
  readonly upstream: HostPort;
  /** The toxics to start the links with, read when the upstream connects. */
  readonly toxics: (stream: Stream) => readonly Toxic[];
  readonly randomFor: (stream: Stream) => Random;
  readonly nowMs: () => number;
  readonly onClosed: (connection: Connection) => void;
}

export class Connection {
  private readonly client: net.Socket;
  private readonly server: net.Socket;
  private links: Record<Stream, Link> | null = null;
  private readonly flushTimers: NodeJS.Timeout[] = [];
  private closedCount = 0;

  constructor(private readonly options: ConnectionOptions) {
    this.client = options.client;
    const host = options.upstream.host === '' ? '127.0.0.1' : options.upstream.host;
    this.server = net.connect({ host, port: options.upstream.port, allowHalfOpen: true });
    for (const socket of [this.client, this.server]) {
      socket.on('error', () => {}); // an error is always followed by 'close'
      socket.once('close', () => this.onSocketClosed());
    }
    // Go closes the client when the upstream dial fails; a client gone first cancels the dial.
    this.server.once('connect', () => this.onUpstreamConnected());
    this.client.once('close', () => {
      if (this.server.connecting) this.server.destroy();
    });
  }

  /** Bytes through each direction so far, for /metrics. */
  bytes(stream: Stream): { received: number; sent: number } {
    const link = this.links?.[stream];
    return { received: link?.receivedBytes ?? 0, sent: link?.sentBytes ?? 0 };
  }

  addToxic(toxic: Toxic): void {
    this.links?.[toxic.stream].addToxic(toxic);
  }

  updateToxic(toxic: Toxic): void {
    this.links?.[toxic.stream].updateToxic(toxic);
  }

  removeToxic(toxic: Toxic): void {
    this.links?.[toxic.stream].removeToxic(toxic.name);
  }

  /** The proxy was disabled or removed: both sockets closed at once. */
  destroy(): void {
    this.stopLinks();
    this.client.destroy();
    this.server.destroy();
  }

  private onUpstreamConnected(): void {
    if (this.client.destroyed) {
      this.server.destroy();
      return;
    }
    const upstream = new Link(this.ports(this.client, this.server, 'upstream'), this.options.randomFor('upstream'), this.options.toxics('upstream'));
    const downstream = new Link(this.ports(this.server, this.client, 'downstream'), this.options.randomFor('downstream'), this.options.toxics('downstream'));
    this.links = { upstream, downstream };
    this.wireSource(this.client, upstream);
    this.wireSource(this.server, downstream);
    this.client.resume();
  }

  private wireSource(source: net.Socket, link: Link): void {
    source.on('data', (bytes: Buffer) => link.input(bytes));
    source.once('end', () => link.inputEnd());
    source.once('close', () => link.inputEnd());
  }

  private ports(source: net.Socket, destination: net.Socket, stream: Stream): LinkPorts {
    return {
      nowMs: this.options.nowMs,
      write: (bytes) => {
        if (destination.writable) destination.write(bytes);
      },
      end: () => this.closeDestination(destination, stream),
      reset: () => this.reset(),
      destinationBufferedBytes: () => destination.writableLength,
      pauseSource: () => source.pause(),
      resumeSource: () => source.resume(),
    };
  }

  /** Go's dest.Close(): FIN after the queued bytes, then no more reading; the other link's input ends. */
  private closeDestination(destination: net.Socket, stream: Stream): void {
    const other: Stream = stream === 'upstream' ? 'downstream' : 'upstream';
    this.links?.[other].inputEnd();
    if (destination.destroyed) return;
    destination.end(() => destination.destroy());
    const timer = setTimeout(() => destination.destroy(), CLOSE_FLUSH_MS_MAX);
    timer.unref();
    this.flushTimers.push(timer);
  }

  private reset(): void {
    this.stopLinks();
    for (const socket of [this.client, this.server]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  }

  private stopLinks(): void {
    this.links?.upstream.stop();
    this.links?.downstream.stop();
  }

  private onSocketClosed(): void {
    this.closedCount += 1;
    if (this.closedCount === 1 && this.links === null) {
      // The dial failed or the client left before it finished: nothing was proxied.
      this.client.destroy();
      this.server.destroy();
    }
    if (this.closedCount < 2) return;
    this.stopLinks();
    for (const timer of this.flushTimers) clearTimeout(timer);
    this.options.onClosed(this);
  }
}

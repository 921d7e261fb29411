// Test helpers for the fault proxy: loopback TCP servers to proxy to (echo, send-and-close),
// and client probes that time round trips and record how a connection ended.

import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TcpServer {
  readonly port: number;
  /** "127.0.0.1:<port>", ready to be a proxy's upstream. */
  readonly address: string;
  close(): Promise<void>;
}

/** A loopback server on an ephemeral port running `onConnection` for each socket. */
export async function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const echo = (socket: net.Socket): void => {
  socket.pipe(socket);
};

/** Writes `payload` in one write, then closes. */
export const sendAndClose =
  (payload: Buffer) =>
  (socket: net.Socket): void => {
    socket.end(payload);
  };

export function parseAddress(listen: string): { host: string; port: number } {
  const index = listen.lastIndexOf(':');
  return { host: listen.slice(0, index), port: Number(listen.slice(index + 1)) };
}

export function connect(listen: string): Promise<net.Socket> {
  const { host, port } = parseAddress(listen);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The error code a connection attempt fails with, or 'connected'. */
export async function connectOutcome(listen: string): Promise<string> {
  try {
    const socket = await connect(listen);
    socket.destroy();
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

export interface Received {
  readonly bytes: Buffer;
  readonly chunks: number;
  /** ms from the start of collect() to the peer's FIN, or null when none came. */
  readonly endMs: number | null;
  /** ms from the start of collect() to 'close'. */
  readonly closeMs: number;
  readonly errorCode: string | null;
}

/** Everything `socket` receives until it closes; rejects (and destroys it) if still open after `timeoutMs`. */
export function collect(socket: net.Socket, timeoutMs = 5_000): Promise<Received> {
  const startMs = performance.now();
  const chunks: Buffer[] = [];
  let endMs: number | null = null;
  let errorCode: string | null = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`collect: still open after ${timeoutMs} ms (${Buffer.concat(chunks).length} bytes received)`));
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => {
      endMs = performance.now() - startMs;
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      errorCode = error.code ?? error.message;
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), chunks: chunks.length, endMs, closeMs: performance.now() - startMs, errorCode });
    });
  });
}

/** Resolves with the bytes once `length` have arrived, rejects if the socket closes first or after `timeoutMs`. */
export function readBytes(socket: net.Socket, length: number, timeoutMs = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => finish(new Error(`readBytes: ${received} of ${length} bytes after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= length) finish(null);
    };
    const onClose = (): void => finish(new Error(`readBytes: closed after ${received} of ${length} bytes`));
    function finish(error: Error | null): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error === null) resolve(Buffer.concat(chunks));
      else reject(error);
    }
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Time from writing `payload` to reading it all back (through an echo upstream). */
export async function roundTripMs(socket: net.Socket, payload = Buffer.from('ping')): Promise<number> {
  const startMs = performance.now();
  socket.write(payload);
  const back = await readBytes(socket, payload.length);
  if (!back.equals(payload)) throw new Error(`roundTripMs: echoed ${back.length} different bytes`);
  return performance.now() - startMs;
}

/** One round trip on a fresh connection, closed afterwards. */
export async function freshRoundTripMs(listen: string): Promise<number> {
  const socket = await connect(listen);
  try {
    return await roundTripMs(socket);
  } finally {
    socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

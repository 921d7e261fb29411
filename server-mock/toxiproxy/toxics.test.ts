// Every toxic measured on real loopback sockets, set up with toxiproxy-node-client against the
// built-in server: timings within tolerances, byte counts exact, and how connections end.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Toxiproxy, type ICreateToxicBody, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from './server.ts';
import {
  collect,
  connect,
  echo,
  freshRoundTripMs,
  readBytes,
  roundTripMs,
  sendAndClose,
  sleep,
  startTcpServer,
  type TcpServer,
} from './testing.ts';

let server: ToxiproxyServer;
let client: Toxiproxy;
const upstreams: TcpServer[] = [];

beforeEach(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 42 });
  client = new Toxiproxy(server.url);
});

afterEach(async () => {
  await server.close();
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

async function proxyTo(onConnection: Parameters<typeof startTcpServer>[0], name = 'p'): Promise<Proxy> {
  const upstream = await startTcpServer(onConnection);
  upstreams.push(upstream);
  return client.createProxy({ name, listen: '127.0.0.1:0', upstream: upstream.address });
}

function toxic<T>(type: ICreateToxicBody<T>['type'], stream: 'upstream' | 'downstream', attributes: T, toxicity = 1): ICreateToxicBody<T> {
  return { name: `${type}_${stream}`, type, stream, toxicity, attributes };
}

/** 100 KB of a pattern, so reordering or loss would show. */
const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));

describe('latency', () => {
  it('a 200 ms downstream latency delays the round trip by about 200 ms', async () => {
    const proxy = await proxyTo(echo);
    await proxy.addToxic(toxic('latency', 'downstream', { latency: 200, jitter: 0 }));
    const ms = await freshRoundTripMs(proxy.listen);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1_500);
  });

  it('latency on both streams adds up; jitter stays within latency ± jitter', async () => {
    const proxy = await proxyTo(echo);
    await proxy.addToxic(toxic('latency', 'upstream', { latency: 100, jitter: 50 }));
    await proxy.addToxic(toxic('latency', 'downstream', { latency: 100, jitter: 0 }));
    const socket = await connect(proxy.listen);
    for (let i = 0; i < 3; i++) {
      const ms = await roundTripMs(socket);
      expect(ms).toBeGreaterThanOrEqual(145);
      expect(ms).toBeLessThan(1_500);
    }
    socket.destroy();
  });

  it('added to a live connection it delays the next round trip; removed, it lets held data go at once', async () => {
    const proxy = await proxyTo(echo);
    const socket = await connect(proxy.listen);
    expect(await roundTripMs(socket)).toBeLessThan(300);
    const lag = await proxy.addToxic(toxic('latency', 'downstream', { latency: 500, jitter: 0 }));
    expect(await roundTripMs(socket)).toBeGreaterThanOrEqual(490);
    const held = roundTripMs(socket, Buffer.from('held'));
    await sleep(50);
    await lag.remove();
    expect(await held).toBeLessThan(350);
    expect(await roundTripMs(socket)).toBeLessThan(300);
    socket.destroy();
  });
});

describe('bandwidth', () => {
  it('250 KB/s slows a 100 KB transfer to about 400 ms and delivers every byte in order', async () => {
    const proxy = await proxyTo(sendAndClose(payload));
    const baseline = await collect(await connect(proxy.listen));
    await proxy.addToxic(toxic('bandwidth', 'downstream', { rate: 250 }));
    const limited = await collect(await connect(proxy.listen));
    expect(limited.bytes.equals(payload)).toBe(true);
    expect(baseline.bytes.equals(payload)).toBe(true);
    expect(limited.endMs).toBeGreaterThanOrEqual(350);
    expect(limited.endMs).toBeLessThan(2_000);
    expect(limited.endMs! - baseline.endMs!).toBeGreaterThanOrEqual(300);
  });
});

describe('connection-ending toxics', () => {
  it('reset_peer resets the connection: the client sees ECONNRESET', async () => {
    const proxy = await proxyTo(echo);
    await proxy.addToxic(toxic('reset_peer', 'downstream', { timeout: 100 }));
    const socket = await connect(proxy.listen);
    const received = collect(socket);
    socket.write('hello');
    const outcome = await received;
    expect(outcome.errorCode).toBe('ECONNRESET');
    expect(outcome.bytes.length).toBe(0);
    expect(outcome.closeMs).toBeGreaterThanOrEqual(90);
  });

  it('limit_data passes exactly its bytes, then closes the connection', async () => {
    const proxy = await proxyTo(sendAndClose(payload));
    await proxy.addToxic(toxic('limit_data', 'downstream', { bytes: 1_000 }));
    const outcome = await collect(await connect(proxy.listen));
    expect(outcome.bytes.equals(payload.subarray(0, 1_000))).toBe(true);
    expect(outcome.endMs).not.toBeNull();
    expect(outcome.errorCode).toBeNull();
  });

  it('timeout stops all data and closes the connection after its timeout', async () => {
    const proxy = await proxyTo(echo);
    await proxy.addToxic(toxic('timeout', 'upstream', { timeout: 300 }));
    const socket = await connect(proxy.listen);
    const received = collect(socket);
    socket.write('anyone there?');
    const outcome = await received;
    expect(outcome.bytes.length).toBe(0);
    expect(outcome.endMs).toBeGreaterThanOrEqual(280);
    expect(outcome.endMs).toBeLessThan(1_500);
  });

  it('timeout 0 drops data and holds the connection open until the toxic is removed, which closes it', async () => {
    const proxy = await proxyTo(echo);
    const hold = await proxy.addToxic(toxic('timeout', 'downstream', { timeout: 0 }));
    const socket = await connect(proxy.listen);
    const received = collect(socket);
    socket.write('lost');
    await sleep(300);
    expect(socket.destroyed).toBe(false);
    await hold.remove();
    const outcome = await received;
    expect(outcome.bytes.length).toBe(0);
    expect(outcome.endMs).not.toBeNull();
  });

  it('slow_close holds the close back by its delay', async () => {
    const proxy = await proxyTo(sendAndClose(Buffer.from('bye')));
    const baseline = await collect(await connect(proxy.listen));
    await proxy.addToxic(toxic('slow_close', 'downstream', { delay: 400 }));
    const slowed = await collect(await connect(proxy.listen));
    expect(String(slowed.bytes)).toBe('bye');
    expect(baseline.endMs).toBeLessThan(300);
    expect(slowed.endMs).toBeGreaterThanOrEqual(390);
    expect(slowed.endMs).toBeLessThan(1_500);
  });
});

describe('slicer', () => {
  it('delivers the same bytes in many more, smaller chunks', async () => {
    const proxy = await proxyTo(sendAndClose(payload.subarray(0, 20_000)));
    const baseline = await collect(await connect(proxy.listen));
    // About 20 slices 5 ms apart: far enough apart that the client's socket reads them one by one.
    await proxy.addToxic(toxic('slicer', 'downstream', { average_size: 1_000, size_variation: 100, delay: 5_000 }));
    const sliced = await collect(await connect(proxy.listen));
    expect(sliced.bytes.equals(payload.subarray(0, 20_000))).toBe(true);
    expect(sliced.chunks).toBeGreaterThanOrEqual(12);
    expect(sliced.chunks).toBeGreaterThanOrEqual(baseline.chunks + 8);
  });
});

describe('toxicity', () => {
  it('toxicity 0 never applies the toxic', async () => {
    const proxy = await proxyTo(echo);
    await proxy.addToxic(toxic('latency', 'downstream', { latency: 1_000, jitter: 0 }, 0));
    for (let i = 0; i < 8; i++) expect(await freshRoundTripMs(proxy.listen)).toBeLessThan(500);
  });

  it('partial toxicity picks connections from the seed: the same seed gives the same picks', async () => {
    const picks = async (seed: number): Promise<boolean[]> => {
      const own = await startToxiproxyServer({ port: 0, seed });
      try {
        const upstream = await startTcpServer(sendAndClose(Buffer.from('0123456789')));
        upstreams.push(upstream);
        const proxy = await new Toxiproxy(own.url).createProxy({ name: 'coin', listen: '127.0.0.1:0', upstream: upstream.address });
        await proxy.addToxic(toxic('limit_data', 'downstream', { bytes: 1 }, 0.5));
        const hits: boolean[] = [];
        for (let i = 0; i < 16; i++) hits.push((await collect(await connect(proxy.listen))).bytes.length === 1);
        return hits;
      } finally {
        await own.close();
      }
    };
    const first = await picks(42);
    expect(await picks(42)).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
    expect(await picks(43)).not.toEqual(first);
  });
});

describe('pipelines', () => {
  it('toxics on one stream run in the order added: limit_data after slicer cuts the sliced stream', async () => {
    const proxy = await proxyTo(sendAndClose(payload.subarray(0, 5_000)));
    await proxy.addToxic({ ...toxic('slicer', 'downstream', { average_size: 100, size_variation: 10, delay: 0 }), name: 'slices' });
    await proxy.addToxic({ ...toxic('limit_data', 'downstream', { bytes: 2_500 }), name: 'cap' });
    const outcome = await collect(await connect(proxy.listen));
    expect(outcome.bytes.equals(payload.subarray(0, 2_500))).toBe(true);
  });

  it('a 6 MiB upload through a latency toxic arrives whole', async () => {
    const upload = Buffer.alloc(6 * 1024 * 1024, 7);
    const proxy = await proxyTo((socket) => {
      let total = 0;
      socket.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total >= upload.length) socket.end(String(total));
      });
    });
    await proxy.addToxic(toxic('latency', 'upstream', { latency: 20, jitter: 0 }));
    const socket = await connect(proxy.listen);
    const received = collect(socket);
    socket.write(upload);
    expect(String((await received).bytes)).toBe(String(upload.length));
  });

  it('a client of an unreachable upstream is accepted, then closed without data', async () => {
    const gone = await startTcpServer(echo);
    await gone.close();
    const proxy = await client.createProxy({ name: 'nowhere', listen: '127.0.0.1:0', upstream: gone.address });
    const outcome = await collect(await connect(proxy.listen));
    expect(outcome.bytes.length).toBe(0);
    expect(outcome.closeMs).toBeLessThan(1_000);
  });

  it('a proxied connection stays usable for many round trips', async () => {
    const proxy = await proxyTo(echo);
    const socket = await connect(proxy.listen);
    for (let i = 0; i < 50; i++) {
      const message = Buffer.from(`message ${i}`);
      socket.write(message);
      expect(String(await readBytes(socket, message.length))).toBe(`message ${i}`);
    }
    socket.destroy();
  });
});

// toxiproxyFor: the built-in server when TOXIPROXY_URL is unset, the Toxiproxy it names when set.

import { describe, expect, it } from 'vitest';
import { parseToxiproxyUrl, toxiproxyFor } from './connect.ts';
import { startToxiproxyServer } from './server.ts';
import { echo, freshRoundTripMs, startTcpServer } from './testing.ts';

describe('toxiproxyFor', () => {
  it('starts the built-in server on an ephemeral loopback port when TOXIPROXY_URL is unset, and close stops it', async () => {
    const upstream = await startTcpServer(echo);
    const handle = await toxiproxyFor(9, { env: {} });
    try {
      expect(handle.kind).toBe('built-in');
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(handle.url).not.toBe('http://127.0.0.1:8474');
      const proxy = await handle.client.createProxy({ name: 'db', listen: '127.0.0.1:0', upstream: upstream.address });
      expect(await freshRoundTripMs(proxy.listen)).toBeLessThan(500);
    } finally {
      await handle.close();
      await upstream.close();
    }
    await expect(fetch(`${handle.url}/version`)).rejects.toThrow();
  });

  it('uses the Toxiproxy at TOXIPROXY_URL when set, and leaves it running on close', async () => {
    const external = await startToxiproxyServer({ port: 0, seed: 1 });
    try {
      const handle = await toxiproxyFor(9, { env: { TOXIPROXY_URL: `${external.url}/` } });
      expect(handle.kind).toBe('external');
      expect(handle.url).toBe(external.url);
      await handle.client.createProxy({ name: 'seen', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
      await handle.close();
      expect(Object.keys(await handle.client.getAll())).toEqual(['seen']);
    } finally {
      await external.close();
    }
  });

  it('fails fast, naming TOXIPROXY_URL, when it is unreachable or malformed', async () => {
    const gone = await startToxiproxyServer({ port: 0 });
    await gone.close();
    await expect(toxiproxyFor(9, { env: { TOXIPROXY_URL: gone.url } })).rejects.toThrow(`TOXIPROXY_URL=${gone.url} is not reachable`);
    expect(() => parseToxiproxyUrl('localhost:8474')).toThrow(/TOXIPROXY_URL should be an http\(s\) URL/);
    expect(() => parseToxiproxyUrl('http://127.0.0.1:8474/api')).toThrow(/with no path/);
    expect(parseToxiproxyUrl('http://127.0.0.1:8474')).toBe('http://127.0.0.1:8474');
  });
});

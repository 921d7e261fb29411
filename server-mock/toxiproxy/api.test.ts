// The control API driven by toxiproxy-node-client itself, through every call of the
// reference table (shared/reference/toxiproxy-api.md), plus the raw shapes, status codes and
// validation messages the client does not show.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Toxiproxy, ToxiproxyError, type ICreateToxicBody, type Latency } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from './server.ts';
import { collect, connect, connectOutcome, echo, freshRoundTripMs, readBytes, startTcpServer, type TcpServer } from './testing.ts';

let server: ToxiproxyServer;
let client: Toxiproxy;
let upstream: TcpServer;

beforeEach(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 7 });
  client = new Toxiproxy(server.url);
  upstream = await startTcpServer(echo);
});

afterEach(async () => {
  await server.close();
  await upstream.close();
});

interface Raw {
  status: number;
  contentType: string | null;
  text: string;
  json: () => unknown;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), text, json: () => JSON.parse(text) as unknown };
}

const failsWith = (status: number) => expect.objectContaining({ name: 'Error', message: `Request failed with status code ${status}` });

const latencyBody = (name: string, stream: 'upstream' | 'downstream', latency = 10): ICreateToxicBody<Latency> => ({
  name,
  type: 'latency',
  stream,
  toxicity: 1,
  attributes: { latency, jitter: 0 },
});

describe('proxies', () => {
  it("GET /version answers real Toxiproxy's JSON, which the client hands back as text", async () => {
    const version = await client.getVersion();
    expect(JSON.parse(version)).toEqual({ version: expect.stringMatching(/^2\.\d+\.\d+/) });
  });

  it('createProxy answers 201 with the real bound address of an ephemeral listen', async () => {
    const raw = await call('POST', '/proxies', { name: 'raw', listen: '127.0.0.1:0', upstream: upstream.address });
    expect(raw.status).toBe(201);
    expect(raw.json()).toEqual({ name: 'raw', listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/), upstream: upstream.address, enabled: true, toxics: [] });

    const proxy = await client.createProxy({ name: 'echo', listen: 'localhost:0', upstream: upstream.address });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe('127.0.0.1:0');
    expect(proxy.enabled).toBe(true);
    expect(await freshRoundTripMs(proxy.listen)).toBeLessThan(500);
    expect(Object.keys(await client.getAll())).toEqual(['echo', 'raw']);
    expect((await client.get('echo')).toJson()).toEqual(proxy.toJson());
  });

  it('a duplicate proxy name is 409 and leaves the first proxy alone', async () => {
    const first = await client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: upstream.address });
    await expect(client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' })).rejects.toEqual(failsWith(409));
    expect(await call('POST', '/proxies', { name: 'dup', upstream: upstream.address })).toMatchObject({ status: 409, text: '{"error":"proxy already exists","status":409}' });
    expect((await client.get('dup')).upstream).toBe(first.upstream);
  });

  it('a missing proxy is 404 for get, update, remove and its toxics', async () => {
    await expect(client.get('nope')).rejects.toEqual(failsWith(404));
    const ghost = await client.createProxy({ name: 'ghost', listen: '127.0.0.1:0', upstream: upstream.address });
    await ghost.remove();
    await expect(ghost.update({ enabled: true, listen: ghost.listen, upstream: ghost.upstream })).rejects.toEqual(failsWith(404));
    await expect(ghost.remove()).rejects.toEqual(failsWith(404));
    await expect(ghost.addToxic(latencyBody('l', 'upstream'))).rejects.toEqual(failsWith(404));
    await expect(ghost.getToxic('l')).rejects.toEqual(failsWith(404));
    expect(await call('GET', '/proxies/ghost/toxics')).toMatchObject({ status: 404, text: '{"error":"proxy not found","status":404}' });
  });

  it('populate answers 201, keeps a proxy whose listen and upstream are unchanged and replaces a changed one', async () => {
    const created = await client.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address },
      { name: 'b', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false },
    ]);
    expect(Object.keys(created)).toEqual(['a', 'b']);
    expect(created['a']?.enabled).toBe(true);
    expect(created['b']?.enabled).toBe(false);
    const a = created['a']!;
    const again = await call('POST', '/populate', [
      { name: 'a', listen: a.listen, upstream: upstream.address },
      { name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' },
    ]);
    expect(again.status).toBe(201);
    const proxies = (again.json() as { proxies: Array<{ name: string; listen: string; upstream: string }> }).proxies;
    expect(proxies.map((p) => [p.name, p.upstream])).toEqual([['a', upstream.address], ['b', '127.0.0.1:1']]);
    expect(proxies[0]?.listen).toBe(a.listen);
    expect(await freshRoundTripMs(a.listen)).toBeLessThan(500);
  });

  it('populate validates the whole request before applying any of it', async () => {
    const raw = await call('POST', '/populate', [{ name: 'ok', upstream: upstream.address }, { name: 'bad' }]);
    expect(raw.status).toBe(400);
    expect(raw.json()).toEqual({ error: 'missing required field: upstream at proxy 2', status: 400, proxies: null });
    expect(await client.getAll()).toEqual({});
  });

  it('a disabled proxy refuses connections and cuts live ones; enabling listens again on the same port', async () => {
    const proxy = await client.createProxy({ name: 'flappy', listen: '127.0.0.1:0', upstream: upstream.address });
    const live = await connect(proxy.listen);
    const closed = collect(live);
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(down.enabled).toBe(false);
    expect(down.listen).toBe(proxy.listen);
    await closed;
    expect(await connectOutcome(proxy.listen)).toBe('ECONNREFUSED');
    const up = await down.update({ enabled: true, listen: down.listen, upstream: down.upstream });
    expect(up.listen).toBe(proxy.listen);
    expect(await freshRoundTripMs(up.listen)).toBeLessThan(500);
  });

  it('update to a new upstream sends new connections there; a new listen moves the listener', async () => {
    const other = await startTcpServer((socket) => socket.end('other'));
    try {
      const proxy = await client.createProxy({ name: 'moving', listen: '127.0.0.1:0', upstream: upstream.address });
      const moved = await proxy.update({ enabled: true, listen: proxy.listen, upstream: other.address });
      expect(moved.upstream).toBe(other.address);
      const socket = await connect(moved.listen);
      expect(String(await readBytes(socket, 5))).toBe('other');
      socket.destroy();
      const relisted = await moved.update({ enabled: true, listen: '127.0.0.1:0', upstream: other.address });
      expect(relisted.listen).not.toBe(moved.listen);
      expect(await connectOutcome(moved.listen)).toBe('ECONNREFUSED');
      expect(await connectOutcome(relisted.listen)).toBe('connected');
    } finally {
      await other.close();
    }
  });

  it('remove answers 204 and closes the listener', async () => {
    const proxy = await client.createProxy({ name: 'gone', listen: '127.0.0.1:0', upstream: upstream.address });
    expect((await call('DELETE', '/proxies/gone')).status).toBe(204);
    expect(await connectOutcome(proxy.listen)).toBe('ECONNREFUSED');
    await expect(client.get('gone')).rejects.toEqual(failsWith(404));
  });

  it('a listen address already in use is 500 and creates nothing', async () => {
    const taken = await call('POST', '/proxies', { name: 'taken', listen: upstream.address, upstream: upstream.address });
    expect(taken.status).toBe(500);
    expect((taken.json() as { error: string }).error).toMatch(/^listen tcp 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    expect(await client.getAll()).toEqual({});
  });
});

describe('toxics', () => {
  it("addToxic answers 200 and fills real Toxiproxy's defaults: name type_stream, downstream, toxicity 1", async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: upstream.address });
    const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 5 } } as ICreateToxicBody<Latency>);
    expect(toxic.toJson()).toEqual({ name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } });
    const raw = await call('POST', '/proxies/tox/toxics', { type: 'slicer', stream: 'upstream', attributes: { average_size: 10 } });
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('{"attributes":{"average_size":10,"size_variation":0,"delay":0},"name":"slicer_upstream","type":"slicer","stream":"upstream","toxicity":1}');
  });

  it('a toxic name is unique across both streams (409)', async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: upstream.address });
    await proxy.addToxic(latencyBody('slow', 'downstream'));
    await expect(proxy.addToxic(latencyBody('slow', 'upstream'))).rejects.toEqual(failsWith(409));
    expect(await call('POST', '/proxies/tox/toxics', latencyBody('slow', 'upstream'))).toMatchObject({ status: 409, text: '{"error":"toxic already exists","status":409}' });
  });

  it('GET /proxies/{name}/toxics lists upstream toxics, then downstream, each in the order added', async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: upstream.address });
    await proxy.addToxic(latencyBody('d1', 'downstream'));
    await proxy.addToxic(latencyBody('u1', 'upstream'));
    await proxy.addToxic(latencyBody('d2', 'downstream'));
    const listed = await call('GET', '/proxies/tox/toxics');
    expect(listed.status).toBe(200);
    expect((listed.json() as Array<{ name: string }>).map((t) => t.name)).toEqual(['u1', 'd1', 'd2']);
    const shown = (await call('GET', '/proxies/tox')).json() as { toxics: Array<{ name: string }> };
    expect(shown.toxics.map((t) => t.name)).toEqual(['u1', 'd1', 'd2']);
    expect((await call('GET', '/proxies/tox/toxics')).json()).toEqual(shown.toxics);
  });

  it('getToxic reads a toxic back, toxic.update merges attributes and toxicity, toxic.remove answers 204', async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: upstream.address });
    const added = await proxy.addToxic(latencyBody('lag', 'upstream', 100));
    expect((await proxy.getToxic<Latency>('lag')).toJson()).toEqual(added.toJson());
    const updated = await added.update({ ...added.toJson(), toxicity: 0.5, attributes: { latency: 300, jitter: 20 } });
    expect(updated.toJson()).toEqual({ name: 'lag', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 300, jitter: 20 } });
    // Go decodes the update over a copy: absent fields keep their values, name/type/stream never change.
    const partial = await call('PATCH', '/proxies/tox/toxics/lag', { stream: 'downstream', attributes: { jitter: 5 } });
    expect(partial.json()).toEqual({ attributes: { latency: 300, jitter: 5 }, name: 'lag', type: 'latency', stream: 'upstream', toxicity: 0.5 });
    expect((await call('DELETE', '/proxies/tox/toxics/lag')).status).toBe(204);
    await expect(updated.remove()).rejects.toEqual(failsWith(404));
    await expect(proxy.getToxic('lag')).rejects.toEqual(failsWith(404));
    await expect(updated.update(updated.toJson())).rejects.toEqual(failsWith(404));
  });

  it('reset answers 204, removes every toxic and re-enables disabled proxies', async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: upstream.address });
    await proxy.addToxic(latencyBody('lag', 'downstream', 2_000));
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect((await call('POST', '/reset')).status).toBe(204);
    await client.reset();
    const after = await client.get('tox');
    expect(after.enabled).toBe(true);
    expect(((await call('GET', '/proxies/tox')).json() as { toxics: unknown[] }).toxics).toEqual([]);
    expect(await freshRoundTripMs(after.listen)).toBeLessThan(500);
  });
});

describe('errors', () => {
  const cases: Array<[string, string, string, unknown, RegExp]> = [
    ['empty body', 'POST', '/proxies', '', /^bad request body: EOF$/],
    ['bad JSON', 'POST', '/proxies', '{"name":', /^bad request body: /],
    ['no name', 'POST', '/proxies', { upstream: '127.0.0.1:1' }, /^missing required field: name$/],
    ['no upstream', 'POST', '/proxies', { name: 'x' }, /^missing required field: upstream$/],
    ['name of the wrong type', 'POST', '/proxies', { name: 5, upstream: '127.0.0.1:1' }, /name should be a string/],
    ['listen not host:port', 'POST', '/proxies', { name: 'x', listen: 'nowhere', upstream: '127.0.0.1:1' }, /listen should be host:port/],
    ['listen off loopback', 'POST', '/proxies', { name: 'x', listen: '0.0.0.0:0', upstream: '127.0.0.1:1' }, /listen should be on a loopback address/],
    ['upstream not host:port', 'POST', '/proxies', { name: 'x', upstream: 'db' }, /upstream should be host:port/],
    ['populate not an array', 'POST', '/populate', { name: 'x' }, /should be a JSON array/],
    ['unknown toxic type', 'POST', '/proxies/p/toxics', { type: 'down' }, /^invalid toxic type: type should be one of/],
    ['bad stream', 'POST', '/proxies/p/toxics', { type: 'latency', stream: 'sideways' }, /^stream was invalid, can be either upstream or downstream/],
    ['negative latency', 'POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: -1 } }, /attributes\.latency should be an integer from 0/],
    ['fractional rate', 'POST', '/proxies/p/toxics', { type: 'bandwidth', attributes: { rate: 1.5 } }, /attributes\.rate should be an integer/],
    ['slicer without average_size', 'POST', '/proxies/p/toxics', { type: 'slicer' }, /attributes\.average_size should be an integer from 1/],
    ['toxicity above 1', 'POST', '/proxies/p/toxics', { type: 'timeout', toxicity: 2 }, /toxicity should be a number from 0 to 1/],
    ['update with bad attributes', 'POST', '/proxies/p/toxics/t', { attributes: { timeout: 'soon' } }, /attributes\.timeout should be an integer/],
    ['proxy update with bad enabled', 'POST', '/proxies/p', { enabled: 'yes' }, /enabled should be true or false/],
  ];

  it.each(cases)('%s is 400 with a JSON message naming the field', async (_label, method, path, body, message) => {
    await client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
    await call('POST', '/proxies/p/toxics', { name: 't', type: 'timeout' });
    const raw = await call(method, path, body);
    expect(raw.status).toBe(400);
    expect(raw.contentType).toBe('application/json');
    const parsed = raw.json() as { error: string; status: number };
    expect(parsed.status).toBe(400);
    expect(parsed.error).toMatch(message);
  });

  it('unknown routes are 404, known routes with the wrong method 405, browsers 403', async () => {
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, text: '404 page not found\n' });
    expect(await call('GET', '/proxies/a/b/c/d')).toMatchObject({ status: 404 });
    expect((await call('DELETE', '/proxies')).status).toBe(405);
    expect((await call('GET', '/reset')).status).toBe(405);
    expect(await call('GET', '/version', undefined, { 'user-agent': 'Mozilla/5.0' })).toMatchObject({ status: 403, text: 'User agent not allowed\n' });
  });

  it('/metrics counts bytes per proxy and direction', async () => {
    const proxy = await client.createProxy({ name: 'metered', listen: '127.0.0.1:0', upstream: upstream.address });
    await freshRoundTripMs(proxy.listen);
    const metrics = (await call('GET', '/metrics')).text;
    expect(metrics).toContain(`toxiproxy_proxy_received_bytes_total{direction="upstream",listener="${proxy.listen}",proxy="metered",proxy_upstream="${upstream.address}"} 4`);
    expect(metrics).toContain(`toxiproxy_proxy_sent_bytes_total{direction="downstream",listener="${proxy.listen}",proxy="metered",proxy_upstream="${upstream.address}"} 4`);
  });

  it('client errors are ToxiproxyError instances', async () => {
    await expect(client.get('nope')).rejects.toBeInstanceOf(ToxiproxyError);
  });
});

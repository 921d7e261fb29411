// Protocol versions over real HTTP: the engine's transport states its version (push body
// `protocolVersion`, pull `?v=`), the admin API moves the accepted range while the server runs,
// and a refused version is a 426 with an Upgrade header and the accepted range, the state
// (and the store file) untouched.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../engine/adapters/http-transport.ts';
import { PROTOCOL_VERSION_UNSUPPORTED, type PushRequest } from '../../engine/protocol.ts';
import { adminState, call, makeItem, startTestServer, tokenFor, type TestServer } from './testkit.ts';

let server: TestServer;
let token = '';

beforeAll(async () => {
  server = await startTestServer({ withStore: true });
  token = await tokenFor(server, 'alice');
});

afterAll(async () => {
  await server?.close();
});

function putRange(range: unknown) {
  return call(`${server.url}/__admin/protocol`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(range) });
}

function request(protocolVersion: number | undefined, queueId: string): PushRequest {
  const item = makeItem({ queueId, entityId: queueId }) as unknown as PushRequest['items'][number];
  return protocolVersion === undefined ? { clientId: 'c1', items: [item] } : { protocolVersion, clientId: 'c1', items: [item] };
}

describe('protocol versions over HTTP', () => {
  it('the transport sends the version; the admin API narrows the range; a refused request is a 426 that changes nothing', async () => {
    const transport = httpTransport({ baseUrl: server.url, timeoutMs: 5_000 });
    expect((await call(`${server.url}/__admin/protocol`)).body).toEqual({ min: 1, max: 2 });
    expect((await transport.push(request(1, 'v1-a'), token)).kind).toBe('ok');
    expect((await transport.push(request(2, 'v2-a'), token)).kind).toBe('ok');
    expect((await transport.push(request(undefined, 'none-a'), token)).kind).toBe('ok');
    expect((await transport.pull({ cursor: 0, limit: 10, protocolVersion: 2 }, token)).kind).toBe('ok');

    expect(await putRange({ min: 2, max: 2 })).toMatchObject({ status: 200, body: { min: 2, max: 2 } });
    const before = { state: await adminState(server), file: await readFile(server.dbPath as string, 'utf8') };
    const refused = { kind: 'http', status: 426, retryAfterMs: null, body: { error: PROTOCOL_VERSION_UNSUPPORTED, field: 'protocolVersion', message: expect.stringContaining('only protocol version 2'), protocolVersions: { min: 2, max: 2 } } };
    expect(await transport.push(request(1, 'v1-b'), token)).toEqual(refused);
    expect(await transport.push(request(undefined, 'none-b'), token)).toMatchObject({ status: 426 });
    expect(await transport.pull({ cursor: 0, limit: 10, protocolVersion: 1 }, token)).toEqual({ ...refused, body: { ...refused.body, field: 'v' } });
    const raw = await call(`${server.url}/v1/sync/pull?cursor=0&limit=10`, { headers: { authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(426);
    expect(raw.headers.get('upgrade')).toBe('syncstorm-sync/2');
    expect(raw.body).toMatchObject({ retryable: false, message: 'protocol version 1 is not supported: this server accepts only protocol version 2; upgrade the client' });
    expect({ state: await adminState(server), file: await readFile(server.dbPath as string, 'utf8') }).toEqual(before);
    expect((await transport.push(request(2, 'v2-b'), token)).kind).toBe('ok');
    // Accepted at 2 only because the transport sent `v=2` (no `v` is protocol 1).
    expect((await transport.pull({ cursor: 0, limit: 10, protocolVersion: 2 }, token)).kind).toBe('ok');

    // A reset keeps the range (it is configuration, not state); widening it lets v1 back in.
    expect((await call(`${server.url}/__admin/reset`, { method: 'POST' })).status).toBe(200);
    expect((await call(`${server.url}/__admin/protocol`)).body).toEqual({ min: 2, max: 2 });
    expect(await putRange({ min: 1, max: 2 })).toMatchObject({ status: 200 });
    const fresh = await tokenFor(server, 'alice'); // a reset forgets the tokens too
    expect((await transport.push(request(1, 'v1-c'), fresh)).kind).toBe('ok');
    expect(server.app.metrics.value('syncstorm_http_responses_total', { class: '4xx', status: '426' })).toBe(4);
  });

  it('a bad range is a 400 naming the field, and the range stays', async () => {
    const before = (await call(`${server.url}/__admin/protocol`)).body;
    expect(await putRange({ min: 1, max: 3 })).toMatchObject({ status: 400, body: { error: 'bad_request', field: 'max', message: 'max should be an integer from 1 to 2, got 3' } });
    expect(await putRange({ min: 2, max: 1 })).toMatchObject({ status: 400, body: { field: 'min', message: 'min should be <= max, got min 2 and max 1' } });
    expect((await call(`${server.url}/__admin/protocol`)).body).toEqual(before);
  });
});

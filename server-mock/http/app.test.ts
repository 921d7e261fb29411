// The HTTP mock end to end over real fetch on 127.0.0.1: auth, push/pull, validation naming
// fields, limits (413, 429 + Retry-After), 404/405, admin faults (503 storm, commit-then-fail,
// dropped connections), reset and snapshot/restore epochs, metrics that parse, and internal
// errors that never leak a stack.

import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readStoredStateSync } from '../store/server-state-file.ts';
import { adminState, call, creates, makeItem, pull, push, putFaults, startTestServer, tokenFor, type TestServer } from './testkit.ts';

const opened: TestServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((server) => server.close()));
});

async function open(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  opened.push(server);
  return server;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof call>>> {
  return call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('auth', () => {
  it('issues a token, refreshes it, and names the bad field', async () => {
    const server = await open();
    const issued = await post(`${server.url}/v1/auth/token`, JSON.stringify({ user: 'alice' }));
    expect(issued.status).toBe(200);
    const { token, expiresAt } = issued.body as { token: string; expiresAt: number };
    expect(expiresAt).toBe(server.now() + 3_600_000);
    const refreshed = await post(`${server.url}/v1/auth/refresh`, '', { authorization: `Bearer ${token}` });
    expect(refreshed.status).toBe(200);
    expect((refreshed.body as { token: string }).token).not.toBe(token);

    const noUser = await post(`${server.url}/v1/auth/token`, JSON.stringify({ name: 'alice' }));
    expect(noUser.status).toBe(400);
    expect(noUser.body).toMatchObject({ error: 'bad_request', field: 'user' });
    const noHeader = await post(`${server.url}/v1/auth/refresh`, '');
    expect(noHeader.status).toBe(401);
    expect(noHeader.body).toMatchObject({ error: 'unauthorized' });
  });

  it('an expired token is a 401 token_expired, and refreshing it works', async () => {
    const server = await open({ core: { tokenLifetimeMs: 60_000 } });
    const token = await tokenFor(server, 'alice');
    server.advance(60_000);
    const answer = await pull(server, token, 0);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'token_expired' });
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    const refreshed = await post(`${server.url}/v1/auth/refresh`, '', { authorization: `Bearer ${token}` });
    expect(refreshed.status).toBe(200);
    expect((await pull(server, (refreshed.body as { token: string }).token, 0)).status).toBe(200);
  });
});

describe('push and pull', () => {
  it('applies, replays, detects conflicts, and pulls the changes in order', async () => {
    const server = await open({ withStore: true });
    const token = await tokenFor(server, 'alice');
    const first = await push(server, token, [makeItem({ queueId: 'q1' })]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ epoch: 'e1', results: [{ queueId: 'q1', status: 'ok', revision: 1, serverTime: server.now() }] });
    const replay = await push(server, token, [makeItem({ queueId: 'q1' })]);
    expect(replay.body).toMatchObject({ results: [{ queueId: 'q1', status: 'ok', revision: 1, replayed: true }] });
    const stale = await push(server, token, [makeItem({ queueId: 'q2', action: 'update', baseRevision: 7, payload: { title: 'x' } })]);
    expect(stale.body).toMatchObject({ results: [{ queueId: 'q2', status: 'conflict', server: { revision: 1, deleted: false, fields: { title: 't' } } }] });
    const update = await push(server, token, [makeItem({ queueId: 'q3', action: 'update', baseRevision: 1, payload: { done: true } })]);
    expect(update.body).toMatchObject({ results: [{ status: 'ok', revision: 2 }] });

    const page = await pull(server, token, 0, 1);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ epoch: 'e1', cursor: 1, hasMore: true, changes: [{ entityId: 'a', revision: 1, origin: { clientId: 'c1', queueId: 'q1' } }] });
    const rest = await pull(server, token, 1, 100);
    expect(rest.body).toMatchObject({ cursor: 2, hasMore: false, changes: [{ revision: 2, fields: { title: 't', done: true } }] });
    // Another user's namespace is empty.
    expect((await pull(server, await tokenFor(server, 'bob'), 0)).body).toMatchObject({ changes: [], cursor: 0, hasMore: false });
    // Durable before the answer: the stored state (snapshot + journal) already holds both changes.
    const file = readStoredStateSync(server.dbPath as string);
    expect(file.seq).toBe(2);
  });

  it.each([
    ['clientId', JSON.stringify({ items: [] })],
    ['items', JSON.stringify({ clientId: 'c1', items: 'nope' })],
    ['items[1]', JSON.stringify({ clientId: 'c1', items: [makeItem(), 7] })],
    ['items[0].queueId', JSON.stringify({ clientId: 'c1', items: [makeItem({ queueId: 42 })] })],
    ['body', '[1, 2'],
    ['body', '"just a string"'],
  ])('a push with a bad %s is a 400 naming it', async (field, body) => {
    const server = await open();
    const token = await tokenFor(server, 'alice');
    const answer = await post(`${server.url}/v1/sync/push`, body, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', field });
    expect((answer.body as { message: string }).message).toContain(field);
  });

  it('an invalid item is that item\'s error result; the others apply', async () => {
    const server = await open();
    const token = await tokenFor(server, 'alice');
    const answer = await push(server, token, [makeItem({ queueId: 'q1', baseRevision: 'x' }), makeItem({ queueId: 'q2', entityId: 'b' })]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ results: [{ queueId: 'q1', status: 'error', code: 'invalid_item', retryable: false }, { queueId: 'q2', status: 'ok' }] });
    expect((answer.body as { results: { message?: string }[] }).results[0]?.message).toContain('items[0].baseRevision');
  });

  it.each([
    ['cursor', 'cursor=-1&limit=5'],
    ['cursor', 'limit=5'],
    ['cursor', 'cursor=1&cursor=2&limit=5'],
    ['limit', 'cursor=0&limit=0'],
    ['limit', 'cursor=0&limit=abc'],
    ['limit', 'cursor=0&limit=10001'],
  ])('a pull with a bad %s (%s) is a 400 naming it', async (field, query) => {
    const server = await open();
    const token = await tokenFor(server, 'alice');
    const answer = await call(`${server.url}/v1/sync/pull?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', field });
  });
});

describe('limits and routing', () => {
  it('a body over bodyBytesMax is a 413 naming body; a batch over batchItemsMax is a 413 naming items', async () => {
    const server = await open({ app: { limits: { bodyBytesMax: 4096 } }, core: { batchItemsMax: 3 } });
    const token = await tokenFor(server, 'alice');
    const big = await push(server, token, [makeItem({ payload: { text: 'x'.repeat(5000) } })]);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'body_too_large', field: 'body' });
    const many = await push(server, token, creates('q', 4));
    expect(many.status).toBe(413);
    expect(many.body).toMatchObject({ error: 'batch_too_large', field: 'items' });
    expect(await adminState(server)).toMatchObject({ seq: 0 });
  });

  it('over the per-user rate a sync request is a 429 with Retry-After; other users and later seconds go on', async () => {
    const server = await open({ app: { limits: { requestsPerSecondPerUser: 2 } } });
    const alice = await tokenFor(server, 'alice');
    const bob = await tokenFor(server, 'bob');
    expect((await pull(server, alice, 0)).status).toBe(200);
    expect((await push(server, alice, [makeItem()])).status).toBe(200);
    const limited = await push(server, alice, [makeItem({ queueId: 'q2', entityId: 'b' })]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(await adminState(server)).toMatchObject({ seq: 1 });
    expect((await pull(server, bob, 0)).status).toBe(200);
    server.advance(500);
    expect((await pull(server, alice, 0)).status).toBe(200);
    expect((await pull(server, alice, 0)).status).toBe(429);
    server.advance(1000);
    expect((await push(server, alice, [makeItem({ queueId: 'q2', entityId: 'b' })])).status).toBe(200);
  });

  it('an unknown route is a JSON 404; a wrong method is a 405 with Allow', async () => {
    const server = await open();
    const missing = await call(`${server.url}/v2/anything?x=1`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
    const wrong = await call(`${server.url}/v1/sync/pull`, { method: 'POST', body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(wrong.body).toMatchObject({ error: 'method_not_allowed' });
    expect((await call(`${server.url}/v1/sync/push`)).status).toBe(405);
    expect((await call(`${server.url}/healthz`)).body).toEqual({ ok: true, epoch: 'e1' });
  });

  it('an internal error is a bare 500 without a stack, logged server-side; the server stays up', async () => {
    let explode = false;
    const server = await open({ clock: (now) => () => {
      if (explode) throw new Error('boom in the clock');
      return now();
    } });
    const token = await tokenFor(server, 'alice');
    explode = true;
    const answer = await push(server, token, [makeItem()]);
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: 'internal', message: 'internal server error' });
    expect(answer.text).not.toMatch(/boom|at .*\.ts/);
    expect(server.logs.join('\n')).toContain('boom in the clock');
    explode = false;
    expect((await push(server, token, [makeItem()])).status).toBe(200);
  });
});

describe('admin faults', () => {
  it('a 503 rate of 1000 makes every push 503 with Retry-After and applies nothing', async () => {
    const server = await open({ withStore: true });
    const token = await tokenFor(server, 'alice');
    const put = await putFaults(server, { error503PerMille: 1000, retryAfterSeconds: 7 });
    expect(put.status).toBe(200);
    expect((await call(`${server.url}/__admin/faults`)).body).toMatchObject({ error503PerMille: 1000, retryAfterSeconds: 7, latencyMs: 0 });
    for (let i = 0; i < 20; i++) {
      const answer = await push(server, token, [makeItem({ queueId: `q${i}`, entityId: `e${i}` })]);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('7');
    }
    expect(await adminState(server)).toMatchObject({ seq: 0 });
    await putFaults(server, {});
    expect((await push(server, token, [makeItem()])).status).toBe(200);
  });

  it('commit-then-fail applies (durably), answers 500, and the replay answers replayed: true', async () => {
    const server = await open({ withStore: true });
    const token = await tokenFor(server, 'alice');
    await putFaults(server, { commitThenFailPerMille: 1000 });
    const failed = await push(server, token, [makeItem({ queueId: 'lost-ack' })]);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: 'injected_fault' });
    expect(readStoredStateSync(server.dbPath as string).users.get('alice')?.results.has('lost-ack')).toBe(true);
    await putFaults(server, {});
    const replay = await push(server, token, [makeItem({ queueId: 'lost-ack' })]);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ results: [{ queueId: 'lost-ack', status: 'ok', revision: 1, replayed: true }] });
    expect(await adminState(server)).toMatchObject({ seq: 1 });
  });

  it('a dropped connection answers nothing: before commit nothing applies, after commit it does', async () => {
    const server = await open();
    const token = await tokenFor(server, 'alice');
    await putFaults(server, { dropConnectionPerMille: 1000 });
    await expect(push(server, token, [makeItem({ queueId: 'q1' })])).rejects.toThrow();
    expect(await adminState(server)).toMatchObject({ seq: 0 });
    await putFaults(server, { dropAfterCommitPerMille: 1000 });
    await expect(push(server, token, [makeItem({ queueId: 'q1' })])).rejects.toThrow();
    expect(await adminState(server)).toMatchObject({ seq: 1 });
  });

  it('latency delays /v1 requests only; a bad setting is a 400 naming the field and changes nothing', async () => {
    const server = await open();
    await putFaults(server, { latencyMs: 150 });
    const started = performance.now();
    await call(`${server.url}/v1/sync/pull?cursor=0&limit=1`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    for (const [field, value] of [['error500PerMille', 1001], ['latencyMs', -1], ['retryAfterSeconds', 'soon'], ['latencyMS', 5]] as const) {
      const bad = await putFaults(server, { [field]: value });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'bad_request', field });
    }
    const sum = await putFaults(server, { error500PerMille: 600, error503PerMille: 600 });
    expect(sum.body).toMatchObject({ field: 'error503PerMille' });
    expect((await call(`${server.url}/__admin/faults`)).body).toMatchObject({ latencyMs: 150, error500PerMille: 0 });
  });
});

describe('admin state, reset and restore', () => {
  it('reset gives a fresh state under a new epoch; restore of a snapshot brings old data under another', async () => {
    const server = await open({ withStore: true });
    const token = await tokenFor(server, 'alice');
    await push(server, token, creates('a', 2));
    const snapshot = await post(`${server.url}/__admin/snapshot`, '');
    expect(snapshot.body).toMatchObject({ snapshot: 's1', epoch: 'e1', seq: 2 });
    await push(server, token, creates('b', 3));
    expect(await adminState(server)).toEqual({ epoch: 'e1', seq: 5, tokenCount: 1, tokens: 1, users: [{ user: 'alice', changes: 5, entities: 5, deleted: 0 }], entities: 5 });

    const restored = await post(`${server.url}/__admin/restore`, JSON.stringify({ snapshot: 's1' }));
    expect(restored.status).toBe(200);
    const restoredEpoch = (restored.body as { epoch: string }).epoch;
    expect(restoredEpoch).not.toBe('e1');
    expect(await adminState(server)).toMatchObject({ epoch: restoredEpoch, seq: 2, entities: 2 });
    expect((await pull(server, token, 0)).body).toMatchObject({ epoch: restoredEpoch, cursor: 2 });
    expect(JSON.parse(await readFile(server.dbPath as string, 'utf8'))).toMatchObject({ epoch: restoredEpoch, seq: 2 });
    expect((await post(`${server.url}/__admin/restore`, JSON.stringify({ snapshot: 's9' }))).body).toMatchObject({ field: 'snapshot' });

    const reset = await post(`${server.url}/__admin/reset`, '');
    const resetEpoch = (reset.body as { epoch: string }).epoch;
    expect(resetEpoch).not.toBe(restoredEpoch);
    expect(await adminState(server)).toEqual({ epoch: resetEpoch, seq: 0, tokenCount: 0, tokens: 0, users: [], entities: 0 });
    expect((await pull(server, token, 0)).status).toBe(401);
    expect(JSON.parse(await readFile(server.dbPath as string, 'utf8'))).toMatchObject({ epoch: resetEpoch, seq: 0 });
  });
});

/** A strict reader of the Prometheus text format: every line is a comment or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  for (const line of lines.slice(0, -1)) {
    if (/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const match = sample.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const key = `${match[1]}${match[2] ?? ''}`;
    expect(samples.has(key), `duplicate series ${key}`).toBe(false);
    samples.set(key, Number(match[3] === '+Inf' ? Infinity : match[3]));
  }
  return samples;
}

describe('metrics', () => {
  it('exposes pushes, items by result, status counts, flushes with a latency histogram and the epoch', async () => {
    const server = await open({ withStore: true });
    const token = await tokenFor(server, 'alice');
    await push(server, token, creates('q', 3));
    await push(server, token, [...creates('q', 1), makeItem({ queueId: 'c', action: 'update', entityId: 'q-e1', baseRevision: 9 })]);
    await call(`${server.url}/nowhere`);
    await post(`${server.url}/v1/sync/push`, '{', { authorization: `Bearer ${token}` });
    const answer = await call(`${server.url}/metrics`);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const metrics = parsePrometheus(answer.text);
    expect(metrics.get('syncstorm_push_requests_total')).toBe(2);
    expect(metrics.get('syncstorm_push_items_total{result="applied"}')).toBe(3);
    expect(metrics.get('syncstorm_push_items_total{result="replayed"}')).toBe(1);
    expect(metrics.get('syncstorm_push_items_total{result="conflict"}')).toBe(1);
    expect(metrics.get('syncstorm_http_responses_total{class="4xx",status="404"}')).toBe(1);
    expect(metrics.get('syncstorm_http_responses_total{class="4xx",status="400"}')).toBe(1);
    const writes = metrics.get('syncstorm_store_writes_total{result="ok"}') ?? 0;
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(metrics.get('syncstorm_store_write_seconds_count')).toBe(writes);
    expect(metrics.get('syncstorm_store_write_seconds_bucket{le="+Inf"}')).toBe(writes);
    expect(metrics.get('syncstorm_epoch{epoch="e1"}')).toBe(1);
    expect(metrics.get('syncstorm_seq')).toBe(3);
    // Buckets are cumulative.
    const buckets = [...metrics].filter(([key]) => key.startsWith('syncstorm_store_write_seconds_bucket')).map(([, value]) => value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });
});

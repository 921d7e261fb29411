// Over a thousand generated bad requests against one HTTP mock with a lowdb store: wrong types,
// missing fields, huge bodies, broken JSON, bad, tampered, expired and other users' tokens,
// bad queries, bad or unaccepted protocol versions, wrong routes and methods, bad admin
// settings. Each must get a 4xx with a JSON
// message (naming the field where there is one), change no state (admin state, faults, the
// store file) and leave the server up. fast-check seed fixed; printed on failure.

import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateSummary } from './admin.ts';
import { BODY_BYTES_MAX_DEFAULT } from './app.ts';
import { adminState, call, makeItem, push, pushBody, startTestServer, tokenFor, type TestServer } from './testkit.ts';

const FC_SEED = 20_240_505;
const BATCH_ITEMS_MAX = 20;
const TOKEN_LIFETIME_MS = 3_600_000;

interface BadRequest {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly status: number | 'any4xx';
  /** The field the answer must name, when the problem has one. */
  readonly field?: string;
}

interface Tokens {
  readonly alice: string;
  readonly bob: string;
  /** Issued long ago: past expiry and past the refresh window. */
  readonly expired: string;
  readonly aliceQueueIds: readonly string[];
}

let server: TestServer;
let tokens: Tokens;

beforeAll(async () => {
  server = await startTestServer({ withStore: true, core: { batchItemsMax: BATCH_ITEMS_MAX, tokenLifetimeMs: TOKEN_LIFETIME_MS } });
  const expired = await tokenFor(server, 'carol');
  server.advance(3 * TOKEN_LIFETIME_MS);
  const alice = await tokenFor(server, 'alice');
  const bob = await tokenFor(server, 'bob');
  const items = [makeItem({ queueId: 'alice-q1' }), makeItem({ queueId: 'alice-q2', entityId: 'b' })];
  expect((await push(server, alice, items)).status).toBe(200);
  tokens = { alice, bob, expired, aliceQueueIds: ['alice-q1', 'alice-q2'] };
});

afterAll(async () => {
  await server?.close();
});

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Any JSON value except a plain object. */
const nonObject = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
/** Values that are not a valid name (non-empty string of at most 256 chars). */
const badName = fc.oneof(
  fc.constant(''),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.integer({ min: 257, max: 400 }).map((n) => 'x'.repeat(n)),
);
/** Text that JSON.parse refuses. */
const brokenJson = fc.oneof(
  fc.constantFrom('{', '{"clientId": "c1", "items": [', '{clientId: 1}', "{'a': 1}", '[1,]', '{"a":1}}', 'NaN', '{"a": undefined}'),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `{"items": ${s}`).filter((s) => !parses(s)),
);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

type AuthKind = 'alice' | 'bob';

function authHeader(kind: AuthKind): Record<string, string> {
  return { authorization: `Bearer ${tokens[kind]}` };
}

function pushRequest(label: string, auth: AuthKind, body: string, status: number, field?: string): BadRequest {
  return { label, method: 'POST', path: '/v1/sync/push', headers: { ...JSON_HEADERS, ...authHeader(auth) }, body, status, ...(field === undefined ? {} : { field }) };
}

const who = fc.constantFrom<AuthKind>('alice', 'bob');

/** Envelope problems: the whole push is refused with a 400 naming the field. */
const badEnvelope: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(who, nonObject).map(([auth, body]) => pushRequest('body not an object', auth, JSON.stringify(body), 400, 'body')),
  fc.tuple(who, badName).map(([auth, clientId]) => pushRequest('bad clientId', auth, JSON.stringify({ clientId, items: [] }), 400, 'clientId')),
  who.map((auth) => pushRequest('missing clientId', auth, JSON.stringify({ items: [makeItem()] }), 400, 'clientId')),
  fc.tuple(who, fc.oneof(nonObject.filter((v) => !Array.isArray(v)), fc.constant(undefined))).map(([auth, items]) => pushRequest('bad items', auth, JSON.stringify({ clientId: 'c1', items }), 400, 'items')),
  fc.tuple(who, fc.nat(3), nonObject).map(([auth, index, bad]) => {
    const items: unknown[] = Array.from({ length: index }, (_, i) => makeItem({ queueId: `ok${i}` }));
    items.push(bad);
    return pushRequest('item not an object', auth, JSON.stringify({ clientId: 'c1', items }), 400, `items[${index}]`);
  }),
  // Another user's queueIds do not rescue a broken envelope (and are never another's replays).
  fc.tuple(fc.nat(1), badName).map(([index, queueId]) => {
    const items = [makeItem({ queueId: tokens.aliceQueueIds[0] }), makeItem({ queueId: tokens.aliceQueueIds[1] })];
    items[index] = makeItem({ queueId });
    return pushRequest('bob sends alice\'s queueIds with a bad one', 'bob', JSON.stringify({ clientId: 'c1', items }), 400, `items[${index}].queueId`);
  }),
  fc.tuple(who, fc.integer({ min: BATCH_ITEMS_MAX + 1, max: BATCH_ITEMS_MAX + 30 })).map(([auth, count]) => {
    const items = Array.from({ length: count }, (_, i) => makeItem({ queueId: `big${i}`, entityId: `e${i}` }));
    return pushRequest('too many items', auth, pushBody(items), 413, 'items');
  }),
);

const badJson: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(who, brokenJson).map(([auth, body]) => pushRequest('broken JSON push', auth, body, 400, 'body')),
  brokenJson.map((body): BadRequest => ({ label: 'broken JSON token', method: 'POST', path: '/v1/auth/token', headers: JSON_HEADERS, body, status: 400, field: 'body' })),
  brokenJson.map((body): BadRequest => ({ label: 'broken JSON faults', method: 'PUT', path: '/__admin/faults', headers: JSON_HEADERS, body, status: 400, field: 'body' })),
);

const hugeBody: fc.Arbitrary<BadRequest> = fc.tuple(who, fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean()).map(([auth, extra, valid]) => {
  const filler = 'x'.repeat(BODY_BYTES_MAX_DEFAULT + extra);
  const body = valid ? pushBody([makeItem({ payload: { filler } })]) : `{"junk": "${filler}`;
  return pushRequest('huge body', auth, body, 413, 'body');
});

/** Authorization problems on push and pull: missing, wrong scheme, garbage, tampered, expired. */
const badAuth: fc.Arbitrary<BadRequest> = fc
  .tuple(
    fc.constantFrom('missing', 'basic', 'garbage', 'tampered', 'expired', 'empty'),
    fc.constantFrom('/v1/sync/push', '/v1/sync/pull?cursor=0&limit=10'),
    fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
    fc.nat(),
  )
  .map(([kind, path, garbage, position]) => {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (kind === 'basic') headers['authorization'] = `Basic ${tokens.alice}`;
    if (kind === 'garbage') headers['authorization'] = `Bearer ${garbage}`;
    if (kind === 'empty') headers['authorization'] = 'Bearer ';
    if (kind === 'expired') headers['authorization'] = `Bearer ${tokens.expired}`;
    if (kind === 'tampered') {
      const token = tokens.alice;
      const at = position % token.length;
      const swapped = token[at] === 'A' ? 'B' : 'A';
      headers['authorization'] = `Bearer ${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
    }
    const isPush = path.startsWith('/v1/sync/push');
    return { label: `auth ${kind}`, method: isPush ? 'POST' : 'GET', path, headers, ...(isPush ? { body: pushBody([makeItem({ queueId: 'never' })]) } : {}), status: 401 };
  });

const badQuery: fc.Arbitrary<BadRequest> = fc
  .oneof(
    fc.record({ field: fc.constant('cursor'), query: fc.oneof(fc.constant('limit=5'), fc.integer({ max: -1 }).map((n) => `cursor=${n}&limit=5`), fc.constantFrom('cursor=1.5&limit=5', 'cursor=abc&limit=5', 'cursor=&limit=5', 'cursor=1&cursor=2&limit=5', 'cursor=99999999999999999999&limit=5', 'cursor=0x10&limit=5')) }),
    fc.record({ field: fc.constant('limit'), query: fc.oneof(fc.constant('cursor=0'), fc.integer({ min: 10_001 }).map((n) => `cursor=0&limit=${n}`), fc.constantFrom('cursor=0&limit=0', 'cursor=0&limit=-3', 'cursor=0&limit=ten', 'cursor=0&limit[a]=1')) }),
  )
  .chain(({ field, query }) => who.map((auth): BadRequest => ({ label: `bad ${field}`, method: 'GET', path: `/v1/sync/pull?${query}`, headers: authHeader(auth), status: 400, field })));

/**
 * Protocol versions (push body `protocolVersion`, pull query `v`): not an integer >= 1 is a 400
 * naming the field; an integer the server does not accept (this one takes 1 to 2) is a 426.
 */
const badVersion: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(who, fc.oneof(fc.constantFrom<unknown>('2', 0, -1, 1.5, null, true, [2], { v: 2 }), fc.string({ maxLength: 4 }))).map(([auth, protocolVersion]) =>
    pushRequest('bad push version', auth, JSON.stringify({ protocolVersion, clientId: 'c1', items: [makeItem({ queueId: 'never' })] }), 400, 'protocolVersion'),
  ),
  fc.tuple(who, fc.integer({ min: 3, max: 1_000_000 })).map(([auth, protocolVersion]) =>
    pushRequest('unaccepted push version', auth, JSON.stringify({ protocolVersion, clientId: 'c1', items: [makeItem({ queueId: 'never' })] }), 426, 'protocolVersion'),
  ),
  fc.tuple(who, fc.constantFrom('v=', 'v=0', 'v=1.5', 'v=two', 'v=02', 'v=-1', 'v=1&v=2', 'v=0x2', 'v=99999999999999999999')).map(
    ([auth, v]): BadRequest => ({ label: 'bad pull version', method: 'GET', path: `/v1/sync/pull?cursor=0&limit=5&${v}`, headers: authHeader(auth), status: 400, field: 'v' }),
  ),
  fc.tuple(who, fc.integer({ min: 3, max: 1_000_000 })).map(
    ([auth, v]): BadRequest => ({ label: 'unaccepted pull version', method: 'GET', path: `/v1/sync/pull?cursor=0&limit=5&v=${v}`, headers: authHeader(auth), status: 426, field: 'v' }),
  ),
);

const badTokenRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  nonObject.map((body): BadRequest => ({ label: 'token body not an object', method: 'POST', path: '/v1/auth/token', headers: JSON_HEADERS, body: JSON.stringify(body), status: 400, field: 'body' })),
  badName.map((user): BadRequest => ({ label: 'bad user', method: 'POST', path: '/v1/auth/token', headers: JSON_HEADERS, body: JSON.stringify({ user }), status: 400, field: 'user' })),
  fc.constantFrom(undefined, 'Bearer nope.1', `Bearer ${'A'.repeat(22)}.zz`, 'Token x').map((authorization): BadRequest => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    return { label: 'bad refresh', method: 'POST', path: '/v1/auth/refresh', headers, status: 401 };
  }),
  fc.constant<BadRequest>({ label: 'refresh too late', method: 'POST', path: '/v1/auth/refresh', headers: {}, status: 401 }).map((request) => ({ ...request, headers: { authorization: `Bearer ${tokens.expired}` } })),
);

/** Values each item field refuses (DESIGN §3 types; names are 1..256 chars). */
const BAD_ITEM_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  action: [null, 'upsert', 1, ''],
  seq: [-1, 1.5, '3', null],
  entityType: ['', 5, null, 'x'.repeat(257)],
  entityId: ['', 5, null, []],
  baseRevision: [0, -1, 1.5, 'x'],
  payload: [null, [], 'x', 5],
  clientTime: ['now', null, [], {}],
  stamp: ['', 5, null],
  baseFields: [null, [], 'x'],
};

const FAULT_FIELDS = ['error500PerMille', 'error503PerMille', 'error429PerMille', 'commitThenFailPerMille', 'dropConnectionPerMille', 'dropAfterCommitPerMille', 'latencyMs', 'retryAfterSeconds'] as const;
const badFaults: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(fc.constantFrom(...FAULT_FIELDS), fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 100_000 }), fc.double({ min: 0.1, max: 0.9 }), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean())).map(
    ([field, value]): BadRequest => ({ label: 'bad fault value', method: 'PUT', path: '/__admin/faults', headers: JSON_HEADERS, body: JSON.stringify({ [field]: value }), status: 400, field }),
  ),
  fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !(FAULT_FIELDS as readonly string[]).includes(key)).map(
    (field): BadRequest => ({ label: 'unknown fault field', method: 'PUT', path: '/__admin/faults', headers: JSON_HEADERS, body: JSON.stringify({ [field]: 1 }), status: 400, field }),
  ),
  nonObject.map((body): BadRequest => ({ label: 'faults not an object', method: 'PUT', path: '/__admin/faults', headers: JSON_HEADERS, body: JSON.stringify(body), status: 400, field: 'body' })),
);

/** PUT /__admin/protocol: a range of known versions (1 to 2) with min <= max, or a 400 naming the field. */
const badProtocolRange: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(fc.constantFrom('min', 'max'), fc.constantFrom<unknown>(0, 3, 1.5, '1', null, -1)).map(([field, value]): BadRequest => {
    const body = JSON.stringify({ min: 1, max: 2, [field]: value });
    return { label: 'bad protocol range bound', method: 'PUT', path: '/__admin/protocol', headers: JSON_HEADERS, body, status: 400, field };
  }),
  fc.constant<BadRequest>({ label: 'protocol range upside down', method: 'PUT', path: '/__admin/protocol', headers: JSON_HEADERS, body: '{"min": 2, "max": 1}', status: 400, field: 'min' }),
  nonObject.map((body): BadRequest => ({ label: 'protocol range not an object', method: 'PUT', path: '/__admin/protocol', headers: JSON_HEADERS, body: JSON.stringify(body), status: 400, field: 'body' })),
);

const badRoute: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.tuple(fc.constantFrom('DELETE', 'PATCH', 'PUT'), fc.constantFrom('/v1/sync/push', '/v1/sync/pull', '/v1/auth/token', '/__admin/state', '/__admin/reset')).map(([method, path]): BadRequest => ({ label: 'wrong method', method, path, headers: JSON_HEADERS, body: '{}', status: 405 })),
  fc.constantFrom('/', '/v1', '/v1/sync', '/v2/sync/push', '/__admin', '/__admin/nope', '/v1/sync/push/extra', '/%2e%2e/etc/passwd').map((path): BadRequest => ({ label: 'unknown route', method: 'GET', path, headers: {}, status: 404 })),
);

const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  { arbitrary: badEnvelope, weight: 6 },
  { arbitrary: badJson, weight: 3 },
  { arbitrary: hugeBody, weight: 1 },
  { arbitrary: badAuth, weight: 4 },
  { arbitrary: badQuery, weight: 3 },
  { arbitrary: badVersion, weight: 3 },
  { arbitrary: badTokenRequest, weight: 3 },
  { arbitrary: badFaults, weight: 3 },
  { arbitrary: badProtocolRange, weight: 1 },
  { arbitrary: badRoute, weight: 2 },
);

async function snapshotOfState(): Promise<{ state: unknown; faults: unknown; protocol: unknown; file: string }> {
  const [state, faults, protocol, file] = await Promise.all([
    adminState(server),
    call(`${server.url}/__admin/faults`).then((a) => a.body),
    call(`${server.url}/__admin/protocol`).then((a) => a.body),
    readFile(server.dbPath as string, 'utf8'),
  ]);
  return { state, faults, protocol, file };
}

describe('1,000+ generated bad requests', () => {
  it('each gets a 4xx JSON answer naming its field, and nothing changes', async () => {
    const before = await snapshotOfState();
    const writesBefore = server.store?.writesCount;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(badRequest, async (request) => {
        const init: RequestInit = { method: request.method, headers: request.headers };
        if (request.body !== undefined) init.body = request.body;
        const answer = await call(`${server.url}${request.path}`, init);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (request.status === 'any4xx') expect(answer.status).toBeGreaterThanOrEqual(400);
        else expect(answer.status, `${request.label}: ${answer.text}`).toBe(request.status);
        expect(answer.status).toBeLessThan(500);
        const body = answer.body as { error?: unknown; message?: unknown; field?: unknown };
        expect(typeof body.error, answer.text).toBe('string');
        expect(typeof body.message === 'string' && body.message.length > 0, answer.text).toBe(true);
        if (request.field !== undefined) expect(body.field, `${request.label}: ${answer.text}`).toBe(request.field);
        expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        // In process (no extra request): the state summary and the store's write count.
        expect(stateSummary(server.app.core().state)).toEqual(before.state);
        expect(server.store?.writesCount).toBe(writesBefore);
      }),
      { seed: FC_SEED, numRuns: 1_100, verbose: 1 },
    );
    const after = await snapshotOfState();
    expect(after).toEqual(before);
    expect(server.store?.writesCount).toBe(writesBefore);
    expect((await call(`${server.url}/healthz`)).status).toBe(200);
    // Every kind of answer was exercised.
    for (const status of [400, 401, 404, 405, 413, 426]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(10);
  });

  it('a push whose every item is invalid is 200 with one invalid_item per item naming the field, and changes nothing', async () => {
    const before = await snapshotOfState();
    const problem = fc.constantFrom(...Object.keys(BAD_ITEM_VALUES)).chain((name) => fc.constantFrom(...(BAD_ITEM_VALUES[name] as unknown[])).map((value) => [name, value] as const));
    await fc.assert(
      fc.asyncProperty(fc.array(problem, { minLength: 1, maxLength: 5 }), who, async (problems, auth) => {
        const items = problems.map(([name, value], i) => ({ name, item: makeItem({ queueId: `inv${i}`, entityId: `inv${i}`, [name]: value }) }));
        const answer = await push(server, tokens[auth], items.map(({ item }) => item));
        const results = (answer.body as { results: { status: string; code?: string; message?: string }[] }).results;
        expect(answer.status).toBe(200);
        results.forEach((result, i) => {
          const name = (items[i] as { name: string }).name;
          expect(result.status, `item with a bad ${name}: ${JSON.stringify(result)}`).toBe('error');
          expect(result.code).toBe('invalid_item');
          expect(result.message).toContain(`items[${i}].${name}`);
        });
        expect(stateSummary(server.app.core().state)).toEqual(before.state);
      }),
      { seed: FC_SEED + 1, numRuns: 150 },
    );
    expect(await snapshotOfState()).toEqual(before);
  });

  it("another user's queueIds are that user's alone: bob's push is no replay of alice's, and neither sees the other's changes", async () => {
    const bobPush = await push(server, tokens.bob, [makeItem({ queueId: 'alice-q1', entityId: 'bob-entity' })]);
    expect(bobPush.body).toMatchObject({ results: [{ queueId: 'alice-q1', status: 'ok', revision: 1 }] });
    expect((bobPush.body as { results: { replayed?: boolean }[] }).results[0]?.replayed).toBeUndefined();
    const alicePull = await call(`${server.url}/v1/sync/pull?cursor=0&limit=100`, { headers: authHeader('alice') });
    expect((alicePull.body as { changes: { entityId: string }[] }).changes.map((c) => c.entityId)).toEqual(['a', 'b']);
    const bobPull = await call(`${server.url}/v1/sync/pull?cursor=0&limit=100`, { headers: authHeader('bob') });
    expect((bobPull.body as { changes: { entityId: string }[] }).changes.map((c) => c.entityId)).toEqual(['bob-entity']);
  });
});

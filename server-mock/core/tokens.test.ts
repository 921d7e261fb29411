// Tokens: issue, expiry, refresh within one extra lifetime, malformed headers, and that a
// token reaches only its own user's data. Also the options' validated defaults.

import { describe, expect, it } from 'vitest';
import type { ErrorBody, PullResponse, TokenResponse } from '../../engine/protocol.ts';
import { buildServerCoreOptions, DEFAULT_SERVER_CORE_OPTIONS } from './options.ts';
import type { ServerCore } from './server-core.ts';
import { makeItem, newCore } from './testkit.ts';

const LIFETIME_MS = 1_000;

function tokenFor(core: ServerCore, user: string, nowMs: number): string {
  const reply = core.issueToken({ user }, nowMs);
  expect(reply.status).toBe(200);
  return (reply.body as TokenResponse).token;
}

describe('tokens', () => {
  it('a token authenticates its user until expiresAt, then says token_expired', () => {
    const core = newCore({ tokenLifetimeMs: LIFETIME_MS });
    const reply = core.issueToken({ user: 'alice' }, 100);
    expect(reply.body).toMatchObject({ expiresAt: 1_100 });
    const header = `Bearer ${(reply.body as TokenResponse).token}`;
    expect(core.authenticate(header, 1_099)).toEqual({ ok: true, user: 'alice' });
    const expired = core.authenticate(header, 1_100);
    expect(expired).toMatchObject({ ok: false, reply: { status: 401, body: { error: 'token_expired' } } });
  });

  it('the bare token (in-process callers) follows the same rules as the header', () => {
    const core = newCore({ tokenLifetimeMs: LIFETIME_MS });
    const token = tokenFor(core, 'alice', 100);
    for (const nowMs of [100, 1_099, 1_100]) expect(core.authenticateToken(token, nowMs)).toEqual(core.authenticate(`Bearer ${token}`, nowMs));
    expect(core.authenticateToken('unknown.1', 1)).toEqual(core.authenticate('Bearer unknown.1', 1));
    expect(core.authenticateToken(token, 1_100)).toMatchObject({ ok: false, reply: { status: 401, body: { error: 'token_expired' } } });
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearer unknown.1'])('refuses %j as unauthorized', (header) => {
    const core = newCore();
    tokenFor(core, 'alice', 0);
    expect(core.authenticate(header, 1)).toMatchObject({ ok: false, reply: { status: 401, body: { error: 'unauthorized' } } });
  });

  it('refresh gives a new token for the same user, within one lifetime after expiry', () => {
    const core = newCore({ tokenLifetimeMs: LIFETIME_MS });
    const old = tokenFor(core, 'bob', 0);
    const refreshed = core.refreshToken(`Bearer ${old}`, 1_500);
    expect(refreshed).toMatchObject({ status: 200, body: { expiresAt: 2_500 } });
    const fresh = (refreshed.body as TokenResponse).token;
    expect(fresh).not.toBe(old);
    expect(core.authenticate(`Bearer ${fresh}`, 2_000)).toEqual({ ok: true, user: 'bob' });
    // Too late to refresh, and unknown tokens never refresh.
    expect(core.refreshToken(`Bearer ${old}`, 2_000)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(core.refreshToken('Bearer nope.1', 0)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(core.refreshToken(undefined, 0).status).toBe(401);
  });

  it('refuses a bad user with a 400 naming it', () => {
    const core = newCore();
    for (const body of [{}, { user: '' }, { user: 3 }, null, 'alice']) {
      const reply = core.issueToken(body, 0);
      expect(reply.status).toBe(400);
      expect((reply.body as ErrorBody).field).toBe(body !== null && typeof body === 'object' ? 'user' : 'body');
    }
    expect(core.state.tokens.size).toBe(0);
  });

  it("a token reaches only its own user's data (namespacing)", () => {
    const core = newCore();
    const auth = core.authenticate(`Bearer ${tokenFor(core, 'bob', 0)}`, 1);
    core.push('alice', { clientId: 'c1', items: [makeItem({ payload: { secret: 1 } })] }, 1);
    expect(auth.ok && auth.user).toBe('bob');
    const pulled = core.pull(auth.ok ? auth.user : '', { cursor: 0, limit: 100 }, 2).body as PullResponse;
    expect(pulled.changes).toEqual([]);
  });

  it('tokens are unique even if random repeats, and dead ones are pruned', () => {
    const core = newCore({ tokenLifetimeMs: LIFETIME_MS, random: () => 0.5 });
    const first = tokenFor(core, 'alice', 0);
    expect(tokenFor(core, 'alice', 0)).not.toBe(first);
    for (let i = 0; i < 3_000; i++) tokenFor(core, 'alice', 10 * i);
    const live = tokenFor(core, 'alice', 30_000);
    expect(core.state.tokens.size).toBeLessThan(2_100);
    expect(core.authenticate(`Bearer ${live}`, 30_001)).toEqual({ ok: true, user: 'alice' });
  });
});

describe('server core options', () => {
  it('fills defaults and names the bad field and value', () => {
    const random = () => 0;
    expect(buildServerCoreOptions({ random })).toEqual({ ...DEFAULT_SERVER_CORE_OPTIONS, random });
    expect(() => buildServerCoreOptions({ random, tokenLifetimeMs: -5 })).toThrow('tokenLifetimeMs should be an integer >= 1, got -5');
    expect(() => buildServerCoreOptions({ random, batchItemsMax: 1.5 })).toThrow('batchItemsMax should be an integer >= 1, got 1.5');
    expect(() => buildServerCoreOptions({ random, pullLimitMax: 20_000 })).toThrow('pullLimitMax should be an integer from 1 to 10000, got 20000');
    expect(() => buildServerCoreOptions({ random: 3 as unknown as () => number })).toThrow(/^random should be a function/);
  });
});

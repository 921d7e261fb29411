// Protocol versions in the server core: the version gate of push and pull (absent is 1, a
// malformed one is a 400 naming the field, an unaccepted one a 426 that changes nothing), the
// accepted range as an option that can change mid-run, and clients of protocol 1 (whole-entity
// updates) and 2 (deltas) working on one entity at once.

import { describe, expect, it } from 'vitest';
import { entityKey, PROTOCOL_VERSION_UNSUPPORTED, type ErrorBody, type PullResponse, type PushItemResult, type PushResponse } from '../../engine/protocol.ts';
import { buildServerCoreOptions } from './options.ts';
import { ServerCore } from './server-core.ts';
import { makeItem, newCore, seededRandom, stateData } from './testkit.ts';

const PUSH_AT_MS = 1_000;

function push(core: ServerCore, body: Record<string, unknown>, user = 'alice') {
  return core.push(user, { clientId: 'c1', items: [makeItem()], ...body }, PUSH_AT_MS).reply;
}

function results(reply: { readonly body: unknown }): readonly PushItemResult[] {
  return (reply.body as PushResponse).results;
}

describe('the version gate', () => {
  it('by default every known version is accepted, and a request without one is protocol 1', () => {
    const core = newCore();
    expect(core.options.protocolVersions).toEqual({ min: 1, max: 2 });
    expect(push(core, {}).status).toBe(200);
    expect(push(core, { protocolVersion: 1, items: [makeItem({ queueId: 'q2', entityId: 'b' })] }).status).toBe(200);
    expect(push(core, { protocolVersion: 2, items: [makeItem({ queueId: 'q3', entityId: 'c' })] }).status).toBe(200);
    expect(core.pull('alice', { cursor: 0, limit: 10 }, 1).status).toBe(200);
    expect(core.pull('alice', { cursor: 0, limit: 10, protocolVersion: '2' }, 1).status).toBe(200);
  });

  it('a version outside the range is a 426 naming it and the range, with Upgrade, and nothing changes', () => {
    const core = newCore({ protocolVersions: { min: 2, max: 2 } });
    const before = stateData(core);
    const reply = push(core, { protocolVersion: 1 });
    expect(reply).toEqual({
      status: 426,
      headers: { upgrade: 'syncstorm-sync/2' },
      body: {
        error: PROTOCOL_VERSION_UNSUPPORTED,
        field: 'protocolVersion',
        message: 'protocol version 1 is not supported: this server accepts only protocol version 2; upgrade the client',
        retryable: false,
        protocolVersions: { min: 2, max: 2 },
        // The server's clock when it refused, so a refused client still learns its skew.
        serverTime: PUSH_AT_MS,
      },
    });
    expect((push(core, {}).body as ErrorBody).message).toContain('protocol version 1 is not supported');
    const tooNew = newCore({ protocolVersions: { min: 1, max: 1 } });
    expect(push(tooNew, { protocolVersion: 2 }).body).toMatchObject({ message: 'protocol version 2 is not supported: this server accepts only protocol version 1; use an older protocol version or upgrade the server' });
    expect(push(newCore(), { protocolVersion: 7 }).headers).toEqual({ upgrade: 'syncstorm-sync/1, syncstorm-sync/2' });
    expect(core.pull('alice', { cursor: 0, limit: 10, protocolVersion: 1 }, 1)).toMatchObject({ status: 426, body: { error: PROTOCOL_VERSION_UNSUPPORTED, field: 'protocolVersion' } });
    expect(core.pull('alice', { cursor: 0, limit: 10, protocolVersion: '1' }, 1, 'v')).toMatchObject({ status: 426, body: { field: 'v' } });
    expect(stateData(core)).toEqual(before);
    expect(core.appliedCount()).toBe(0);
  });

  it('the version is checked before the envelope: an unaccepted client hears about its version first', () => {
    const core = newCore({ protocolVersions: { min: 2, max: 2 } });
    expect(core.push('alice', { protocolVersion: 3, items: 'whatever' }, 1).reply.status).toBe(426);
    expect(core.push('alice', 'not an object', 1).reply.status).toBe(400);
  });

  it('a malformed version is a 400 naming the field and the value', () => {
    const core = newCore();
    const cases: [unknown, string][] = [
      ['2', 'protocolVersion should be an integer >= 1, or absent for protocol 1, got "2"'],
      [0, 'protocolVersion should be an integer >= 1, or absent for protocol 1, got 0'],
      [1.5, 'protocolVersion should be an integer >= 1, or absent for protocol 1, got 1.5'],
      [null, 'protocolVersion should be an integer >= 1, or absent for protocol 1, got null'],
    ];
    for (const [value, message] of cases) {
      expect(push(core, { protocolVersion: value })).toEqual({ status: 400, body: { error: 'bad_request', field: 'protocolVersion', message } });
    }
    expect(core.pull('alice', { cursor: 0, limit: 10, protocolVersion: 'two' }, 1, 'v')).toEqual({
      status: 400,
      body: { error: 'bad_request', field: 'v', message: 'v should be an integer >= 1 (a number or a decimal string), or absent for protocol 1, got "two"' },
    });
    expect(core.pull('alice', { cursor: 0, limit: 10, protocolVersion: '02' }, 1, 'v').status).toBe(400);
    expect(core.appliedCount()).toBe(0);
  });
});

describe('the accepted range', () => {
  it('is validated, naming the field and the value', () => {
    const random = seededRandom(1);
    expect(() => buildServerCoreOptions({ random, protocolVersions: { min: 0, max: 2 } })).toThrow('protocolVersions.min should be an integer from 1 to 2, got 0');
    expect(() => buildServerCoreOptions({ random, protocolVersions: { min: 1, max: 3 } })).toThrow('protocolVersions.max should be an integer from 1 to 2, got 3');
    expect(() => buildServerCoreOptions({ random, protocolVersions: { min: 2, max: 1 } })).toThrow('protocolVersions.min should be <= protocolVersions.max, got min 2 and max 1');
    expect(() => buildServerCoreOptions({ random, protocolVersions: 2 as never })).toThrow('protocolVersions should be an object { min, max } of versions from 1 to 2, got 2');
  });

  it('changes mid-run from the next request on; the state stays; a new instance over it keeps the range', () => {
    const core = newCore();
    expect(push(core, { protocolVersion: 1 }).status).toBe(200);
    const before = stateData(core);
    core.setProtocolVersions({ min: 2, max: 2 });
    expect(stateData(core)).toEqual(before);
    // A lost ack's retry at the retired version is refused, not replayed; at 2 it is the replay.
    expect(push(core, { protocolVersion: 1 }).status).toBe(426);
    expect(results(push(core, { protocolVersion: 2 }))[0]).toMatchObject({ status: 'ok', replayed: true });
    expect(new ServerCore(core.state, core.options).options.protocolVersions).toEqual({ min: 2, max: 2 });
    expect(() => core.setProtocolVersions({ min: 3, max: 3 })).toThrow('protocolVersions.min should be an integer from 1 to 2, got 3');
    expect(core.options.protocolVersions).toEqual({ min: 2, max: 2 });
  });
});

describe('a mixed fleet on one entity', () => {
  it('v1 whole-entity updates and v2 deltas interleave; a field a v1 client does not know survives its updates', () => {
    const core = newCore();
    let n = 0;
    const one = (protocolVersion: number, clientId: string, item: Record<string, unknown>): PushItemResult => {
      n += 1;
      const body = { protocolVersion, clientId, items: [makeItem({ queueId: `${clientId}:${n}`, seq: n, ...item })] };
      return results(core.push('alice', body, 1_000 + n).reply)[0]!;
    };
    const fields = () => core.entities('alice').get(entityKey('todo', 'a'))?.fields;
    expect(one(2, 'new', { action: 'create', payload: { title: 't', done: false } })).toMatchObject({ status: 'ok', revision: 1 });
    // The v1 client sends every field it holds.
    expect(one(1, 'old', { action: 'update', baseRevision: 1, payload: { title: 't', done: true } })).toMatchObject({ status: 'ok', revision: 2 });
    // The v2 client adds a field the v1 client's build does not know.
    expect(one(2, 'new', { action: 'update', baseRevision: 2, payload: { color: 'red' } })).toMatchObject({ status: 'ok', revision: 3 });
    expect(fields()).toEqual({ title: 't', done: true, color: 'red' });
    expect(one(1, 'old', { action: 'update', baseRevision: 3, payload: { title: 'renamed', done: true } })).toMatchObject({ status: 'ok', revision: 4 });
    expect(fields()).toEqual({ title: 'renamed', done: true, color: 'red' });
    // Stale bases conflict whatever the version, and show the same server view to both.
    const stale1 = one(1, 'old', { action: 'update', baseRevision: 2, payload: { title: 'x', done: false } });
    const stale2 = one(2, 'new', { action: 'update', baseRevision: 2, payload: { done: false } });
    expect(stale1).toMatchObject({ status: 'conflict', server: { revision: 4, fields: { title: 'renamed', done: true, color: 'red' } } });
    expect(stale2).toMatchObject({ status: 'conflict', server: (stale1 as Extract<PushItemResult, { status: 'conflict' }>).server });
    expect(one(2, 'new', { action: 'delete', baseRevision: 4, payload: {} })).toMatchObject({ status: 'ok', revision: 5 });
    expect(one(1, 'old', { action: 'update', baseRevision: 5, payload: { title: 'back' } })).toMatchObject({ status: 'conflict', server: { deleted: true } });
    // Both see every change on pull, whichever version wrote it.
    const page = (v: number) => (core.pull('alice', { cursor: 0, limit: 100, protocolVersion: v }, 9) as { body: PullResponse }).body.changes.map((c) => [c.revision, c.origin.clientId]);
    expect(page(1)).toEqual(page(2));
    expect(page(2)).toEqual([[1, 'new'], [2, 'old'], [3, 'new'], [4, 'old'], [5, 'new']]);
  });
});

// Protocol versions in the core: every push and pull states the engine's version; protocol 1
// queues an update as the whole entity, 2 as a delta; and a server that refuses the version
// stops sync with every item kept (nothing dead-lettered, nothing retried) until a restart
// with a version it accepts.

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION_LATEST, PROTOCOL_VERSION_UNSUPPORTED, type ErrorBody } from '../protocol.ts';
import type { QueueItem, SyncMetadata } from '../model.ts';
import type { TransportOutcome } from '../ports.ts';
import { buildEngineOptions, OptionsError } from '../options.ts';
import { CoreHarness, ackAll, eventsOfType, http, pullsOf, pushesOf } from '../testing/core-harness.ts';

const FC_SEED = Number(process.env['SYNCSTORM_FC_SEED'] ?? 20261125);

function refused(version: number, status = 426): TransportOutcome<never> {
  const body: ErrorBody = {
    error: PROTOCOL_VERSION_UNSUPPORTED,
    field: 'protocolVersion',
    message: `protocol version ${version} is not supported: this server accepts only protocol version 2; upgrade the client`,
    retryable: false,
    protocolVersions: { min: 2, max: 2 },
  };
  return { kind: 'http', status, retryAfterMs: null, body };
}

function unsent(item: QueueItem): QueueItem {
  return { ...item, sent: false };
}

/** A started v`version` core, caught up, with 'a' created and acked at revision 1. */
function withEntity(protocolVersion: 1 | 2): CoreHarness {
  const h = CoreHarness.started({ protocolVersion });
  h.answerPullEmpty();
  h.write('create', 'a', { title: 't', done: false, n: 0 });
  h.answerPush(ackAll(h.push!.request));
  return h;
}

describe('the version on the wire', () => {
  it('push and pull carry the engine version; the default is the latest', () => {
    expect(buildEngineOptions({ clientId: 'x' }).protocolVersion).toBe(PROTOCOL_VERSION_LATEST);
    for (const protocolVersion of [1, 2] as const) {
      const h = CoreHarness.started({ protocolVersion });
      expect(h.pull?.query).toEqual({ cursor: 0, limit: h.options.pullLimit, protocolVersion });
      h.answerPullEmpty();
      h.write('create', 'a', { title: 't' });
      expect(h.push?.request.protocolVersion).toBe(protocolVersion);
    }
  });

  it('an unknown version is refused by the options, naming the field', () => {
    expect(() => buildEngineOptions({ clientId: 'x', protocolVersion: 3 as never })).toThrow(OptionsError);
    expect(() => buildEngineOptions({ clientId: 'x', protocolVersion: 3 as never })).toThrow('protocolVersion should be one of 1, 2, got 3');
  });
});

describe('what an update carries', () => {
  it('protocol 2 sends the delta, protocol 1 the whole entity as the client holds it', () => {
    const v2 = withEntity(2);
    v2.write('update', 'a', { done: true });
    expect(v2.push?.request.items.map((i) => i.payload)).toEqual([{ done: true }]);
    const v1 = withEntity(1);
    v1.write('update', 'a', { done: true });
    expect(v1.push?.request.items.map((i) => i.payload)).toEqual([{ title: 't', done: true, n: 0 }]);
  });

  it('protocol 1 includes pending local edits and pulled fields; coalesced updates stay whole', () => {
    const h = withEntity(1);
    h.step({ type: 'connectivity', online: false });
    h.write('update', 'a', { n: 1 });
    h.write('update', 'a', { done: true });
    expect(h.queue().map((i) => i.payload)).toEqual([{ title: 't', done: true, n: 1 }]);
    h.step({ type: 'connectivity', online: true });
    h.answerPullEmpty();
    expect(h.push?.request.items.map((i) => i.payload)).toEqual([{ title: 't', done: true, n: 1 }]);
  });

  it('protocol 1 re-asserts untouched fields when it wins a conflict; protocol 2 does not', () => {
    const payloads = ([1, 2] as const).map((protocolVersion) => {
      const h = CoreHarness.started({ protocolVersion, conflictPolicy: 'client-wins' });
      h.answerPullEmpty();
      h.write('create', 'a', { title: 't', done: false });
      h.answerPush(ackAll(h.push!.request));
      h.write('update', 'a', { done: true });
      // Someone renamed it meanwhile: the conflict shows revision 2 with the new title.
      const item = h.push!.request.items[0]!;
      h.answerPush({ kind: 'ok', body: { epoch: 'E1', results: [{ queueId: item.queueId, status: 'conflict', server: { revision: 2, deleted: false, fields: { title: 'renamed', done: false }, updatedAt: 0 } }] } });
      return h.push?.request.items[0]?.payload;
    });
    expect(payloads).toEqual([{ title: 't', done: true }, { done: true }]);
  });
});

describe('a refused protocol version', () => {
  it('a refused push stops sync with the queue intact, reported once, until a restart with an accepted version', () => {
    const h = withEntity(1);
    h.write('update', 'a', { n: 5 });
    h.write('create', 'b', { title: 'b' });
    const queued = h.queue();
    const effects = h.answerPush(refused(1));
    expect(h.core.deadLetters()).toEqual([]);
    expect(h.queue()).toEqual(queued);
    expect(eventsOfType(effects, 'upgrade-required')).toEqual([
      { type: 'upgrade-required', at: h.now, kind: 'push', protocolVersion: 1, accepted: { min: 2, max: 2 }, message: expect.stringContaining('protocol version 1') },
    ]);
    expect(h.core.status().upgradeRequired).toMatchObject({ accepted: { min: 2, max: 2 } });
    expect(h.timers.has('retry') || h.timers.has('pull-retry') || h.timers.has('interval')).toBe(false);
    // Nothing wakes it: not a write, a sync, a reconnect, nor time.
    const later = [...h.write('update', 'a', { n: 6 }), ...h.step({ type: 'sync' }), ...h.step({ type: 'connectivity', online: true }), ...h.advance(48 * 3_600_000)];
    expect([...pushesOf(later), ...pullsOf(later)]).toEqual([]);
    expect(eventsOfType(later, 'upgrade-required')).toEqual([]);
    expect(h.queue().map((i) => i.queueId)).toEqual(['me:2', 'me:3', 'me:4']);

    // Restarted at protocol 2 on the same store: the queue goes out as it was, nothing lost.
    const upgraded = new CoreHarness({ protocolVersion: 2 }, { snapshot: h.snapshot(), now: h.now });
    upgraded.step({ type: 'start', online: true });
    expect(upgraded.core.status().upgradeRequired).toBeNull();
    upgraded.answerPullEmpty();
    expect(upgraded.push?.request).toMatchObject({ protocolVersion: 2 });
    expect(upgraded.push?.request.items.map((i) => i.queueId)).toEqual(['me:2', 'me:3']);
    upgraded.answerPush(ackAll(upgraded.push!.request, () => 2));
    upgraded.answerPush(ackAll(upgraded.push!.request, () => 3));
    expect(upgraded.queue()).toEqual([]);
    expect(upgraded.core.deadLetters()).toEqual([]);
  });

  it('a refused pull stops sync too; a restart at the same version asks once more and stops again', () => {
    const h = CoreHarness.started({ protocolVersion: 1 });
    h.write('create', 'a', { title: 't' });
    const effects = h.answerPull(refused(1));
    expect(eventsOfType(effects, 'upgrade-required').map((e) => e.kind)).toEqual(['pull']);
    h.answerPush(refused(1));
    expect(eventsOfType(h.log, 'upgrade-required')).toHaveLength(1);
    expect(h.queue().map((i) => i.queueId)).toEqual(['me:1']);
    const again = h.restart();
    expect(pullsOf(again)).toHaveLength(1);
    expect(pushesOf(again)).toHaveLength(1);
    h.answerPull(refused(1));
    h.answerPush(refused(1));
    expect(h.queue().map((i) => [i.queueId, i.attempts])).toEqual([['me:1', 0]]);
    expect(pushesOf(h.advance(3_600_000))).toEqual([]);
  });

  it('a refusal that tells the server time still corrects the clock: writes made while refused are stamped on true time', () => {
    const skewMs = 3 * 60 * 60 * 1000; // this client's clock is 3 h behind the server's
    const h = CoreHarness.started({ protocolVersion: 1, conflictPolicy: 'lww-hlc' });
    const refusal = refused(1);
    assert(refusal.kind === 'http' && refusal.body !== null);
    h.answerPull({ ...refusal, body: { ...refusal.body, serverTime: h.now + skewMs } });
    const meta = h.snapshot().metadata.get('sync') as SyncMetadata;
    expect(meta.clockOffsetMs).toBe(skewMs);
    h.write('create', 'a', { title: 't' });
    const stamp = h.queue()[0]!.stamp!;
    expect(Number(stamp.split('.')[0])).toBeGreaterThanOrEqual(h.now + skewMs);
    // Without the server time, a refusal teaches nothing: the offset stays unknown (0).
    const plain = CoreHarness.started({ protocolVersion: 1, conflictPolicy: 'lww-hlc' });
    plain.answerPull(refused(1));
    expect((plain.snapshot().metadata.get('sync') as SyncMetadata | undefined)?.clockOffsetMs ?? 0).toBe(0);
  });

  it('a bare 426 (no body, e.g. from a proxy) is a refusal; another permanent 4xx still dead-letters', () => {
    const bare = withEntity(1);
    bare.write('update', 'a', { n: 1 });
    bare.answerPush(http(426));
    expect(bare.core.status().upgradeRequired?.message).toBe('the server refused protocol version 1');
    expect(bare.core.deadLetters()).toEqual([]);
    const other = withEntity(1);
    other.write('update', 'a', { n: 1 });
    other.answerPush(http(400));
    expect(other.core.status().upgradeRequired).toBeNull();
    expect(other.core.deadLetters().map((d) => d.code)).toEqual(['http_400']);
  });

  it('property: whatever is queued, a refusal keeps every item unchanged, and an accepted restart delivers each once', () => {
    const opArb = fc.record({ entity: fc.constantFrom('a', 'b', 'c'), n: fc.nat(9), del: fc.boolean() });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.constantFrom<1 | 2>(1, 2), (ops, version) => {
        const h = CoreHarness.started({ protocolVersion: version, batchItemsMax: 3 });
        h.answerPullEmpty();
        h.step({ type: 'connectivity', online: false });
        const live = new Set<string>();
        for (const op of ops) {
          if (!live.has(op.entity)) h.write('create', op.entity, { n: op.n });
          else if (op.del) h.write('delete', op.entity);
          else h.write('update', op.entity, { n: op.n });
          if (op.del && live.has(op.entity)) live.delete(op.entity);
          else live.add(op.entity);
        }
        const queued = h.queue();
        h.step({ type: 'connectivity', online: true });
        if (h.pull !== null) h.answerPull(refused(version));
        if (h.push !== null) h.answerPush(refused(version));
        // Only `sent` may change: the refused request did leave.
        assert.deepEqual(h.queue().map(unsent), queued.map(unsent));
        assert.deepEqual(h.core.deadLetters(), []);
        const upgraded = new CoreHarness({ protocolVersion: version === 1 ? 2 : 1, batchItemsMax: 3 }, { snapshot: h.snapshot(), now: h.now });
        upgraded.step({ type: 'start', online: true });
        upgraded.answerPullEmpty();
        const delivered: string[] = [];
        let revision = 1;
        for (let round = 0; upgraded.push !== null && round < 50; round++) {
          delivered.push(...upgraded.push.request.items.map((i) => i.queueId));
          upgraded.answerPush(ackAll(upgraded.push.request, () => revision++));
        }
        assert.deepEqual([...delivered].sort(), queued.map((i) => i.queueId).sort());
        assert.deepEqual(upgraded.queue(), []);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });
});

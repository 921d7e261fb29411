// Test helpers for server-mock/core (not a test file): a seeded random, fast-check arbitraries
// over a few users, clients and entities, and a history runner with a tiny reference model.
// Commands are plain data resolved against the model at run time (STYLE §9), so they shrink.

import fc from 'fast-check';
import { entityKey, type Action, type Fields, type PushItemResult } from '../../engine/protocol.ts';
import type { AppliedChange } from './apply.ts';
import { serverStateToJSON } from './json.ts';
import type { ServerCoreOptionsInput } from './options.ts';
import { ServerCore } from './server-core.ts';

export const USERS = ['alice', 'bob'] as const;
export const CLIENTS = ['c1', 'c2', 'c3'] as const;
export const ENTITY_IDS = ['a', 'b', 'c'] as const;
export const FC_SEED = 42;

/** mulberry32: a small seeded float source in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function newCore(options: Partial<ServerCoreOptionsInput> = {}, epoch = 'e1'): ServerCore {
  return ServerCore.fresh({ random: seededRandom(7), ...options }, epoch);
}

/** A valid push item; override any field (set one to a bad value to test validation). */
export function makeItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { queueId: 'q1', seq: 0, entityType: 'todo', entityId: 'a', action: 'create', baseRevision: null, payload: { title: 't' }, clientTime: 1000, ...overrides };
}

/** The state as plain JSON data, for deep-equality before/after. */
export function stateData(core: ServerCore): unknown {
  return JSON.parse(JSON.stringify(serverStateToJSON(core.state)));
}

export interface ItemSpec {
  readonly entityIndex: number;
  readonly action: Action;
  /** 'current' resolves to the entity's revision now, so many updates apply. */
  readonly baseRevision: 'current' | number | null;
  readonly payload: Record<string, string | number | boolean>;
  readonly invalid: boolean;
}

export interface PushSpec {
  readonly userIndex: number;
  readonly clientIndex: number;
  readonly items: readonly ItemSpec[];
}

export const itemSpecArb: fc.Arbitrary<ItemSpec> = fc.record({
  entityIndex: fc.nat(ENTITY_IDS.length - 1),
  action: fc.constantFrom<Action>('create', 'update', 'delete'),
  baseRevision: fc.oneof(fc.constant('current' as const), fc.constant(null), fc.integer({ min: 1, max: 4 })),
  payload: fc.dictionary(fc.constantFrom('title', 'n', 'done'), fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean()), { maxKeys: 2 }),
  invalid: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

export const pushSpecArb: fc.Arbitrary<PushSpec> = fc.record({
  userIndex: fc.nat(USERS.length - 1),
  clientIndex: fc.nat(CLIENTS.length - 1),
  items: fc.array(itemSpecArb, { minLength: 1, maxLength: 4 }),
});

export const historyArb = fc.array(pushSpecArb, { minLength: 1, maxLength: 25 });

export interface PushRecord {
  readonly user: string;
  readonly body: { clientId: string; items: Record<string, unknown>[] };
  readonly results: readonly PushItemResult[];
}

/** Reference model of one entity: what the rules of DESIGN §3 say, written the naive way. */
interface ModelEntity {
  revision: number;
  deleted: boolean;
  fields: Fields;
}

export interface HistoryRun {
  readonly records: PushRecord[];
  readonly applied: AppliedChange[];
  /** Fields the model expects after each applied queueId. */
  readonly fieldsByQueueId: Map<string, Fields>;
  /** Valid items whose ok/conflict status differed from the model's (should stay empty). */
  readonly modelMismatches: string[];
}

function modelStep(model: Map<string, ModelEntity>, key: string, item: Record<string, unknown>): ModelEntity | null {
  const current = model.get(key);
  const payload = item['payload'] as Fields;
  if (item['action'] === 'create') return current === undefined ? { revision: 1, deleted: false, fields: { ...payload } } : null;
  if (current === undefined || current.deleted || item['baseRevision'] !== current.revision) return null;
  if (item['action'] === 'delete') return { revision: current.revision + 1, deleted: true, fields: {} };
  return { revision: current.revision + 1, deleted: false, fields: { ...current.fields, ...payload } };
}

/** Runs the pushes with unique queueIds; time advances 10 ms per push. */
export function runHistory(core: ServerCore, history: readonly PushSpec[], startMs = 1_000): HistoryRun {
  const run: HistoryRun = { records: [], applied: [], fieldsByQueueId: new Map(), modelMismatches: [] };
  const model = new Map<string, ModelEntity>();
  let queueCount = 0;
  history.forEach((push, pushIndex) => {
    const user = USERS[push.userIndex] as string;
    const items = push.items.map((spec) => {
      const entityId = ENTITY_IDS[spec.entityIndex] as string;
      const current = core.entities(user).get(entityKey('todo', entityId));
      const baseRevision = spec.baseRevision === 'current' ? (current?.revision ?? null) : spec.baseRevision;
      queueCount += 1;
      const overrides = { queueId: `q${queueCount}`, seq: queueCount, entityId, action: spec.action, baseRevision, payload: spec.payload };
      return makeItem(spec.invalid ? { ...overrides, seq: -1 } : overrides);
    });
    const body = { clientId: CLIENTS[push.clientIndex] as string, items };
    const { reply, applied } = core.push(user, body, startMs + 10 * pushIndex);
    if (reply.status !== 200 || !('results' in reply.body)) throw new Error(`push ${pushIndex} failed: ${JSON.stringify(reply)}`);
    const results = reply.body.results;
    items.forEach((item, i) => {
      if (item['seq'] === -1) return;
      const key = `${user}/${String(item['entityId'])}`;
      const next = modelStep(model, key, item);
      const status = results[i]?.status;
      if ((next === null) !== (status === 'conflict')) run.modelMismatches.push(`${String(item['queueId'])}: ${status}`);
      if (next !== null) {
        model.set(key, next);
        run.fieldsByQueueId.set(item['queueId'] as string, next.fields);
      }
    });
    run.records.push({ user, body, results });
    run.applied.push(...applied);
  });
  return run;
}

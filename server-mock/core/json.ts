// The server state as JSON (for the lowdb file and snapshots), and back. Only the logs and the
// tokens are written: entities and stored results are indexes, rebuilt from the log on load.
// Loading checks everything (STYLE §3, check data when loaded) and names the bad path.
// Users and tokens are arrays, not objects, so their order survives (a user named "7" would be
// reordered as an object key) and Map iteration stays deterministic after a round trip.

import type { Change, Fields } from '../../engine/protocol.ts';
import { spaceFromLog, type LogEntry, type ServerState, type UserSpace } from './state.ts';
import { copyJson, describeValue, findNonJson, isName, isPlainObject, JSON_EXPECTATION, NAME_EXPECTATION } from './values.ts';
import { entityKey } from '../../engine/protocol.ts';

export const STATE_FORMAT = 'syncstorm-server-state';
export const STATE_FORMAT_VERSION = 1;

export interface ServerStateJson {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_FORMAT_VERSION;
  readonly epoch: string;
  readonly seq: number;
  readonly tokenCount: number;
  readonly tokens: readonly { readonly token: string; readonly user: string; readonly expiresAt: number }[];
  readonly users: readonly { readonly user: string; readonly log: readonly LogEntry[] }[];
}

/** JSON-ready view. Shares the (immutable) change records with the live state: no copy. */
export function serverStateToJSON(state: ServerState): ServerStateJson {
  return {
    format: STATE_FORMAT,
    version: STATE_FORMAT_VERSION,
    epoch: state.epoch,
    seq: state.seq,
    tokenCount: state.tokenCount,
    tokens: [...state.tokens].map(([token, { user, expiresAt }]) => ({ token, user, expiresAt })),
    users: [...state.users].map(([user, space]) => ({ user, log: space.log })),
  };
}

function fail(path: string, expectation: string, value: unknown): never {
  throw new Error(`serverStateFromJSON: ${path} should be ${expectation}, got ${describeValue(value)}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  return isPlainObject(value) ? value : fail(path, 'an object', value);
}

function list(value: unknown, path: string): readonly unknown[] {
  return Array.isArray(value) ? value : fail(path, 'an array', value);
}

function integer(value: unknown, path: string, min: number): number {
  const ok = typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
  return ok ? value : fail(path, `an integer >= ${min}`, value);
}

function finite(value: unknown, path: string): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fail(path, 'a finite number', value);
}

function name(value: unknown, path: string): string {
  return isName(value) ? value : fail(path, NAME_EXPECTATION, value);
}

function fields(value: unknown, path: string): Fields {
  const object = record(value, path);
  const bad = findNonJson(object);
  if (bad !== null) fail(`${path}${bad.suffix}`, JSON_EXPECTATION, bad.value);
  return copyJson(object as Fields);
}

/** A fresh Change (own copy of fields) from its JSON, every field checked. */
function readChange(value: unknown, path: string): Change {
  const json = record(value, path);
  const origin = record(json['origin'], `${path}.origin`);
  const deleted = json['deleted'];
  if (typeof deleted !== 'boolean') fail(`${path}.deleted`, 'a boolean', deleted);
  const change: { -readonly [K in keyof Change]: Change[K] } = {
    entityType: name(json['entityType'], `${path}.entityType`),
    entityId: name(json['entityId'], `${path}.entityId`),
    revision: integer(json['revision'], `${path}.revision`, 1),
    deleted,
    fields: fields(json['fields'], `${path}.fields`),
    updatedAt: finite(json['updatedAt'], `${path}.updatedAt`),
    origin: { clientId: name(origin['clientId'], `${path}.origin.clientId`), queueId: name(origin['queueId'], `${path}.origin.queueId`) },
  };
  if (json['stamp'] !== undefined) change.stamp = name(json['stamp'], `${path}.stamp`);
  return change;
}

/** One user's log, checked for the invariants apply keeps: seq order, revision chain, no resurrection, one apply per queueId. */
function readLog(value: unknown, path: string, seqMax: number, seqsSeen: Set<number>): UserSpace {
  const log: LogEntry[] = [];
  let previousSeq = 0;
  const queueIds = new Set<string>();
  const revisions = new Map<string, { revision: number; deleted: boolean }>();
  list(value, path).forEach((entryJson, index) => {
    const at = `${path}[${index}]`;
    const entry = record(entryJson, at);
    const seq = integer(entry['seq'], `${at}.seq`, previousSeq + 1);
    if (seq > seqMax || seqsSeen.has(seq)) fail(`${at}.seq`, `unique across users and at most seq (${seqMax})`, seq);
    const change = readChange(entry['change'], `${at}.change`);
    const key = entityKey(change.entityType, change.entityId);
    const before = revisions.get(key) ?? { revision: 0, deleted: false };
    if (before.deleted) fail(`${at}.change`, 'no change after a delete (tombstones are final)', change.entityId);
    if (change.revision !== before.revision + 1) fail(`${at}.change.revision`, `${before.revision + 1}`, change.revision);
    if (queueIds.has(change.origin.queueId)) fail(`${at}.change.origin.queueId`, 'applied once only', change.origin.queueId);
    queueIds.add(change.origin.queueId);
    revisions.set(key, { revision: change.revision, deleted: change.deleted });
    seqsSeen.add(seq);
    previousSeq = seq;
    log.push({ seq, serverTime: finite(entry['serverTime'], `${at}.serverTime`), change });
  });
  return spaceFromLog(log);
}

/** A new, independent state from JSON (e.g. parsed from the lowdb file); throws naming the bad path. */
export function serverStateFromJSON(json: unknown): ServerState {
  const root = record(json, 'state');
  if (root['format'] !== STATE_FORMAT) fail('format', JSON.stringify(STATE_FORMAT), root['format']);
  if (root['version'] !== STATE_FORMAT_VERSION) fail('version', String(STATE_FORMAT_VERSION), root['version']);
  const seq = integer(root['seq'], 'seq', 0);
  const state: ServerState = {
    epoch: name(root['epoch'], 'epoch'),
    seq,
    tokenCount: integer(root['tokenCount'], 'tokenCount', 0),
    tokens: new Map(),
    users: new Map(),
  };
  list(root['tokens'], 'tokens').forEach((tokenJson, index) => {
    const at = `tokens[${index}]`;
    const token = record(tokenJson, at);
    const key = name(token['token'], `${at}.token`);
    if (state.tokens.has(key)) fail(`${at}.token`, 'unique', key);
    state.tokens.set(key, { user: name(token['user'], `${at}.user`), expiresAt: finite(token['expiresAt'], `${at}.expiresAt`) });
  });
  const seqsSeen = new Set<number>();
  list(root['users'], 'users').forEach((userJson, index) => {
    const at = `users[${index}]`;
    const entry = record(userJson, at);
    const user = name(entry['user'], `${at}.user`);
    if (state.users.has(user)) fail(`${at}.user`, 'unique', user);
    state.users.set(user, readLog(entry['log'], `${at}.log`, seq, seqsSeen));
  });
  return state;
}

/** Deep copy (for snapshots): through the JSON form, so a snapshot is also a checked one. */
export function cloneServerState(state: ServerState): ServerState {
  return serverStateFromJSON(serverStateToJSON(state));
}

/** A copy of an older snapshot under a new epoch, so clients notice the rollback. */
export function restoreServerState(snapshot: ServerState, newEpoch: string): ServerState {
  if (!isName(newEpoch)) throw new Error(`newEpoch should be ${NAME_EXPECTATION}, got ${describeValue(newEpoch)}`);
  if (newEpoch === snapshot.epoch) throw new Error(`newEpoch should differ from the snapshot's epoch, got ${describeValue(newEpoch)}`);
  const state = cloneServerState(snapshot);
  state.epoch = newEpoch;
  return state;
}

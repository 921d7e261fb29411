// The server's state: per-user change logs with their derived indexes (entities, stored ok
// results), the global change sequence, the epoch and the issued tokens.
//
// Records are immutable once stored: a Change is shared by the log entry, the entity map, every
// pull response and every snapshot-less reader, and its `fields` object is never mutated. That is
// what lets push and pull run without copying.

import { entityKey, type Change, type PushItemResult } from '../../engine/protocol.ts';

/** An entity's current state is simply the last change applied to it. */
export type ServerEntity = Change;

export type OkResult = Extract<PushItemResult, { status: 'ok' }>;

export interface LogEntry {
  /** Global change sequence (one counter across users); the pull cursor. */
  readonly seq: number;
  /** Server time the change was applied: the `serverTime` of its ok result. */
  readonly serverTime: number;
  readonly change: Change;
}

/**
 * One user's namespace. `log` is the source of truth (ascending seq); `entities` and `results`
 * are indexes over it, kept in step by apply and rebuilt by `spaceFromLog` when loading.
 */
export interface UserSpace {
  readonly log: LogEntry[];
  /** Key: entityKey(entityType, entityId). Tombstones stay forever (no resurrection). */
  readonly entities: Map<string, ServerEntity>;
  /** The idempotency store: the ok result of every applied queueId. */
  readonly results: Map<string, OkResult>;
}

export interface TokenRecord {
  readonly user: string;
  readonly expiresAt: number;
}

export interface ServerState {
  /** Changes on reset or restore from an older snapshot, so clients detect a rollback. */
  epoch: string;
  /** Last global change sequence handed out (0 before the first change). */
  seq: number;
  /** Tokens issued so far; part of each token string, so tokens are unique even if random repeats. */
  tokenCount: number;
  readonly tokens: Map<string, TokenRecord>;
  readonly users: Map<string, UserSpace>;
}

export function freshServerState(epoch: string): ServerState {
  return { epoch, seq: 0, tokenCount: 0, tokens: new Map(), users: new Map() };
}

/** The user's space, created on the first applied change (a failed push leaves no trace). */
export function ensureSpace(state: ServerState, user: string): UserSpace {
  let space = state.users.get(user);
  if (space === undefined) {
    space = { log: [], entities: new Map(), results: new Map() };
    state.users.set(user, space);
  }
  return space;
}

/** Rebuilds the indexes of a log; every applied change's ok result is derivable from its entry. */
export function spaceFromLog(log: LogEntry[]): UserSpace {
  const entities = new Map<string, ServerEntity>();
  const results = new Map<string, OkResult>();
  for (const { serverTime, change } of log) {
    entities.set(entityKey(change.entityType, change.entityId), change);
    const queueId = change.origin.queueId;
    results.set(queueId, { queueId, status: 'ok', revision: change.revision, serverTime });
  }
  return { log, entities, results };
}

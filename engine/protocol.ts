// Wire protocol (shared/DESIGN.md §3): the types both sides speak, and nothing else.
// The engine and server-mock/core both import from here; no logic lives in this file
// except the small helpers that say what a status code or a version means.
//
// Versions. Every push and pull states the client's `protocolVersion`; a request without one
// is protocol 1, because clients older than this field never sent it. The versions differ in
// what an update's payload holds; everything else is the same wire:
// - 1: the whole entity as the client saw it after the op (every field it knows);
// - 2: a field-level delta (only the fields the op changed), as DESIGN §3 first described.
// The server applies both the same way, merging the payload over the stored fields, so the two
// interoperate on one entity and a field a v1 client does not know (added by a newer client)
// survives its updates. What differs is what a client's update overwrites: a v1 update that
// wins a conflict (client-wins, LWW) re-asserts every field it holds, erasing concurrent
// changes to fields it did not touch, and under field-merge every field changed on the server
// meanwhile clashes; a v2 update touches only its own fields. v1 also sends more bytes.
// A server accepts a configured range of versions; a request outside it gets HTTP 426 with
// error `protocol_version_unsupported`, and changes nothing.

export type Action = 'create' | 'update' | 'delete';
export const ACTIONS: readonly Action[] = ['create', 'update', 'delete'];

/** JSON field values of an entity. A delta holds only the fields it changes. */
export type Fields = Readonly<Record<string, JsonValue>>;
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Every protocol version this code speaks, oldest first. */
export const PROTOCOL_VERSIONS = [1, 2] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];
/** The newest version: what the engine speaks unless told otherwise. */
export const PROTOCOL_VERSION_LATEST: ProtocolVersion = 2;
/** The version of a request that names none (clients older than the field). */
export const PROTOCOL_VERSION_IMPLICIT: ProtocolVersion = 1;
/** HTTP query parameter of a pull that carries the version (`GET /v1/sync/pull?v=2`). */
export const PROTOCOL_VERSION_QUERY_PARAM = 'v';
/** ErrorBody.error of a request whose version the server does not accept (HTTP 426). */
export const PROTOCOL_VERSION_UNSUPPORTED = 'protocol_version_unsupported';

/** Versions a server accepts, inclusive. */
export interface ProtocolVersionRange {
  readonly min: number;
  readonly max: number;
}

export interface PushItem {
  /** Idempotency key: stable across every retry of this op. `(user, queueId)` is unique on the server. */
  readonly queueId: string;
  /** The client's own sequence number of this op (monotonic per client). */
  readonly seq: number;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: Action;
  /** Server revision the op was made against; null for a create. */
  readonly baseRevision: number | null;
  /** Update: the whole entity (v1) or a delta (v2), merged over the stored fields either way. Full fields for create, {} for delete. */
  readonly payload: Fields;
  /** The fields as the client last saw them from the server, for 3-way merge. */
  readonly baseFields?: Fields;
  /** Milliseconds on the client's own (possibly skewed) clock when the op was made. */
  readonly clientTime: number;
  /** Skew-safe ordering stamp (hybrid logical clock), sortable as a string; optional. */
  readonly stamp?: string;
}

export interface PushRequest {
  /** The version this request speaks; absent means 1 (see the top of this file). The engine always sends it. */
  readonly protocolVersion?: number;
  readonly clientId: string;
  readonly items: readonly PushItem[];
}

/** The server's view of one entity, as sent with a conflict or a pulled change. */
export interface ServerEntityState {
  readonly revision: number;
  readonly deleted: boolean;
  readonly fields: Fields;
  /** clientTime of the op that last wrote the entity (the writer's clock, not the server's). */
  readonly updatedAt: number;
  readonly stamp?: string;
}

export type PushItemResult =
  | { readonly queueId: string; readonly status: 'ok'; readonly revision: number; readonly serverTime: number; readonly replayed?: true }
  | { readonly queueId: string; readonly status: 'conflict'; readonly server: ServerEntityState }
  | { readonly queueId: string; readonly status: 'error'; readonly code: string; readonly retryable: boolean; readonly message: string };

export interface PushResponse {
  /** Extension to v1: the server's epoch, so a push can notice a rollback without waiting for a pull. */
  readonly epoch: string;
  readonly results: readonly PushItemResult[];
}

export interface Change extends ServerEntityState {
  readonly entityType: string;
  readonly entityId: string;
  readonly origin: { readonly clientId: string; readonly queueId: string };
}

export interface PullResponse {
  readonly epoch: string;
  readonly changes: readonly Change[];
  /** Pass back as `cursor` on the next pull. */
  readonly cursor: number;
  readonly hasMore: boolean;
  /** Extension to v1: the server's clock (ms) when it answered, so clients can estimate their skew. */
  readonly serverTime?: number;
}

export interface PullQuery {
  readonly cursor: number;
  readonly limit: number;
  /** As on a push; absent means 1. Over HTTP it is the query parameter `v`. */
  readonly protocolVersion?: number;
}

export interface ErrorBody {
  readonly error: string;
  /** The offending field's path, e.g. `items[3].baseRevision`. */
  readonly field?: string;
  readonly message: string;
  /** Set (false) where retrying the same request cannot help, e.g. an unsupported protocol version. */
  readonly retryable?: boolean;
  /** With `protocol_version_unsupported`: the versions the server accepts. */
  readonly protocolVersions?: ProtocolVersionRange;
  /**
   * With `protocol_version_unsupported`: the server's clock (ms) when it answered. A refused
   * client may go a long time without a successful round trip; this still tells it its skew.
   */
  readonly serverTime?: number;
}

export interface TokenResponse {
  readonly token: string;
  readonly expiresAt: number;
}

/** HTTP statuses whose failure is permanent: 4xx except 408 and 429 (DESIGN §4.10). */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Whether the server refused the request's protocol version (426, or the error code behind any status). */
export function isVersionRefusal(status: number, body: ErrorBody | null): boolean {
  return status === 426 || body?.error === PROTOCOL_VERSION_UNSUPPORTED;
}

/** Key of an entity in maps and boxes: one string, type and id separated by a NUL. */
export function entityKey(entityType: string, entityId: string): string {
  return `${entityType}\u0000${entityId}`;
}

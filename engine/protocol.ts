// Wire protocol v1 (shared/DESIGN.md §3): the types both sides speak, and nothing else.
// The engine and server-mock/core both import from here; no logic lives in this file
// except the small helpers that say what a status code means.

export type Action = 'create' | 'update' | 'delete';
export const ACTIONS: readonly Action[] = ['create', 'update', 'delete'];

/** JSON field values of an entity. A delta holds only the fields it changes. */
export type Fields = Readonly<Record<string, JsonValue>>;
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const PROTOCOL_VERSION = 1;

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
  /** Delta for update, full fields for create, {} for delete. */
  readonly payload: Fields;
  /** The fields as the client last saw them from the server, for 3-way merge. */
  readonly baseFields?: Fields;
  /** Milliseconds on the client's own (possibly skewed) clock when the op was made. */
  readonly clientTime: number;
  /** Skew-safe ordering stamp (hybrid logical clock), sortable as a string; optional. */
  readonly stamp?: string;
}

export interface PushRequest {
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
}

export interface ErrorBody {
  readonly error: string;
  /** The offending field's path, e.g. `items[3].baseRevision`. */
  readonly field?: string;
  readonly message: string;
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

/** Key of an entity in maps and boxes: one string, type and id separated by a NUL. */
export function entityKey(entityType: string, entityId: string): string {
  return `${entityType}\u0000${entityId}`;
}

// The persistence port of the server core: where the state lives between restarts. The lowdb
// store implements the same port; MemoryPersistence is the in-process one (tests, simulator).

import { cloneServerState } from './json.ts';
import type { ServerState } from './state.ts';

export interface ServerPersistence {
  /** The last saved state, or null if nothing was saved yet. The caller owns the result. */
  load(): ServerState | null;
  /** Durably keeps a copy of `state`; later changes to `state` do not reach the saved copy. */
  save(state: ServerState): void;
}

export class MemoryPersistence implements ServerPersistence {
  #saved: ServerState | null = null;

  load(): ServerState | null {
    return this.#saved === null ? null : cloneServerState(this.#saved);
  }

  save(state: ServerState): void {
    this.#saved = cloneServerState(state);
  }
}

// The engine's adapters: real and in-memory implementations of its ports, and the storage
// contract suite other storage adapters (sim/'s crashable store) run against themselves.
// The contract suite imports vitest, so it is not re-exported here: import it from
// './storage-contract.ts' in test files only.

export { MemoryStorage, type MemoryStorageOptions } from './memory-storage.ts';
export { LowdbStorage } from './lowdb-storage.ts';
export { STORE_FORMAT, STORE_VERSION } from './store-file.ts';
export {
  collectingEventSink,
  COLLECTED_EVENTS_MAX_DEFAULT,
  ManualConnectivity,
  StaticTokenProvider,
  systemClock,
  systemRandom,
  systemTimers,
  TIMER_DELAY_MS_MAX,
} from './real.ts';
export { seededRandom } from './seeded-random.ts';
// Type only (erased at runtime): lets other adapters' tests type their factories.
export type { OpenedStorage } from './storage-contract.ts';

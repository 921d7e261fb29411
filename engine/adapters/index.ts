// The engine's adapters: real and in-memory implementations of its ports, and the storage
// contract suite other storage adapters (sim/'s crashable store) run against themselves.
// The contract suite imports vitest, so it is not re-exported here: import it from
// './storage-contract.ts' in test files only.

export { MemoryStorage, type MemoryStorageOptions } from './memory-storage.ts';
export { LowdbStorage, type LowdbStorageOptions } from './lowdb-storage.ts';
export { ENCRYPTION_ALGORITHM, KEY_BYTES, type StoreEncryption } from './encryption.ts';
export { envKeyProvider, fileKeyProvider, parseKeyText, randomIvSource, seededIvSource, seededKeyProvider, staticKeyProvider } from './key-providers.ts';
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

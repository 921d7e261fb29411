// Public surface of server-mock/core: the pure server side of the wire protocol, its state,
// the state's JSON form and the persistence port. Other layers import from here only.

export { ServerCore, type PullQueryInput, type PushOutcome } from './server-core.ts';
export { checkProtocolVersion, UPGRADE_PROTOCOL_NAME, versionRefused, type VersionCheck } from './version.ts';
export type { AppliedChange } from './apply.ts';
export type { Reply } from './reply.ts';
export type { AuthResult } from './tokens.ts';
export {
  buildServerCoreOptions,
  checkProtocolVersionRange,
  protocolVersionRangeProblem,
  DEFAULT_SERVER_CORE_OPTIONS,
  PULL_LIMIT_WIRE_MAX,
  type ServerCoreOptions,
  type ServerCoreOptionsInput,
} from './options.ts';
export { freshServerState, type LogEntry, type OkResult, type ServerEntity, type ServerState, type TokenRecord, type UserSpace } from './state.ts';
export { cloneServerState, restoreServerState, serverStateFromJSON, serverStateToJSON, type ServerStateJson } from './json.ts';
export { MemoryPersistence, type ServerPersistence } from './persistence.ts';

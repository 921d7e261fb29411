// The engine's public surface. Variant hooks (engine/core/variant.ts) are deliberately not
// exported here: broken variants are for the bug zoo, not for users.

export * from './protocol.ts';
export * from './model.ts';
export * from './ports.ts';
export * from './events.ts';
export { buildEngineOptions, DEFAULT_ENGINE_OPTIONS, CONFLICT_POLICIES, JITTER_KINDS, OptionsError } from './options.ts';
export type { EngineOptions, ConflictPolicy, JitterKind } from './options.ts';
export { SyncCore } from './core/sync-core.ts';
export type { CoreInput, CoreEffect, OpReply, TimerName, ConflictResolution } from './core/types.ts';
export { SyncEngine, WriteRefusedError, type EnginePorts } from './engine.ts';
export { Repository, NOTE_SCHEMA, notes, ValidationError, type Note, type EntitySchema, type WithId } from './repository.ts';
export * from './schema/index.ts';

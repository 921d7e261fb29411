// System variants by name: the correct system, and (registered by the bug zoo in scenarios/)
// broken ones. A variant is a core variant plus server bugs plus engine options; a registry so
// run files can name their variant and replay finds it again.

import { CORRECT_VARIANT, type CoreVariant } from '../engine/core/variant.ts';
import type { EngineOptions } from '../engine/options.ts';
import type { Migration } from '../engine/schema/index.ts';

export const SERVER_BUGS = ['no-dedup', 'resurrect-tombstones', 'ack-before-durable'] as const;
export type ServerBug = (typeof SERVER_BUGS)[number];

export interface SystemVariant {
  readonly name: string;
  readonly core: CoreVariant;
  readonly serverBugs: readonly ServerBug[];
  /** Engine options the variant forces (e.g. an unsafe conflict policy). */
  readonly engine: Partial<Omit<EngineOptions, 'clientId'>>;
  /** The local schema history clients migrate by (a broken one, engine/schema/broken.ts); the engine's own by default. */
  readonly migrations?: readonly Migration[];
}

export const CORRECT_SYSTEM: SystemVariant = Object.freeze({ name: 'correct', core: CORRECT_VARIANT, serverBugs: [], engine: {} });

const registry = new Map<string, SystemVariant>([[CORRECT_SYSTEM.name, CORRECT_SYSTEM]]);

export function registerVariant(variant: SystemVariant): void {
  registry.set(variant.name, variant);
}

export function variantByName(name: string): SystemVariant {
  const variant = registry.get(name);
  if (variant === undefined) throw new Error(`unknown variant ${JSON.stringify(name)}; known: ${[...registry.keys()].join(', ')}`);
  return variant;
}

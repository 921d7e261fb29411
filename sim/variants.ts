// Engine variants by name: the correct engine, and (registered by the bug zoo) broken ones.
// A registry so run files can name their variant and replay finds it again.

import { CORRECT_VARIANT, type CoreVariant } from '../engine/core/variant.ts';

const registry = new Map<string, CoreVariant>([[CORRECT_VARIANT.name, CORRECT_VARIANT]]);

export function registerVariant(variant: CoreVariant): void {
  registry.set(variant.name, variant);
}

export function variantByName(name: string): CoreVariant {
  const variant = registry.get(name);
  if (variant === undefined) throw new Error(`unknown engine variant ${JSON.stringify(name)}; known: ${[...registry.keys()].join(', ')}`);
  return variant;
}

// Field-level helpers over JSON entity fields: equality, applying a delta, and the
// three-way comparison behind field-merge. Pure; fields objects are never mutated.

import type { Fields, JsonValue } from '../protocol.ts';

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as readonly JsonValue[];
    return a.length === bs.length && a.every((v, i) => jsonEqual(v, bs[i]));
  }
  const ao = a as { readonly [k: string]: JsonValue };
  const bo = b as { readonly [k: string]: JsonValue };
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

export function fieldsEqual(a: Fields, b: Fields): boolean {
  return jsonEqual(a, b);
}

/** `base` with every key of `delta` replaced. */
export function applyDelta(base: Fields, delta: Fields): Fields {
  return { ...base, ...delta };
}

/**
 * Fields that both sides changed differently since `base`: the local delta sets f, the
 * server's value of f differs from the base's, and the two new values differ.
 */
export function clashingFields(base: Fields, localDelta: Fields, server: Fields): string[] {
  const clashes: string[] = [];
  for (const field of Object.keys(localDelta)) {
    const serverValue = own(server, field);
    const serverChanged = !jsonEqual(serverValue, own(base, field));
    if (serverChanged && !jsonEqual(serverValue, own(localDelta, field))) clashes.push(field);
  }
  return clashes;
}

/** A field's own value: never one inherited from Object.prototype (a field may be named "__proto__"). */
function own(fields: Fields, field: string): JsonValue | undefined {
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Approximate wire size of a value in bytes (JSON length, UTF-16 units; close enough for batch limits). */
export function jsonBytes(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` is JSON data (no undefined, functions, NaN, cycles up to depth 32). */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  return false;
}

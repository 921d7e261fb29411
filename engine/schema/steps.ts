// Declarative schema steps on the records of one box, and their inverses. A step rewrites
// one record: `forward` takes it from the older version's shape to the newer one (migration),
// `backward` from the newer to the older (how an old release writes, VersionedStorage).
// Forward is idempotent: a record already in the step's output shape is left as it is, so
// re-running a step over a half-applied commit (a torn write) or over a store that predates
// version records (written by a current engine before versioning) changes nothing wrongly.
// A record in neither shape is refused with a SchemaError naming the box, key and field.

import type { JsonValue } from '../protocol.ts';
import { SchemaError } from './errors.ts';

/** Boxes holding records whose shape changes between versions (metadata is versioned apart). */
export const RECORD_BOXES = ['entities', 'sync_queue', 'conflicts', 'dead_letter'] as const;
export type RecordBox = (typeof RECORD_BOXES)[number];

interface StepTarget {
  readonly box: RecordBox;
  /** The step applies to the record nested under this field (dead_letter's `item` is a queue item). */
  readonly within?: string;
}

export type SchemaStep =
  /** Newer versions have `field`; older records get `defaultValue`. Inverse: drop it. */
  | (StepTarget & { readonly kind: 'add'; readonly field: string; readonly defaultValue: JsonValue })
  /** `from` is called `to` in newer versions. Inverse: rename back. */
  | (StepTarget & { readonly kind: 'rename'; readonly from: string; readonly to: string })
  /** The object field `from` becomes top-level fields: `into` maps each new field to its key in `from`. Inverse: gather. */
  | (StepTarget & { readonly kind: 'split'; readonly from: string; readonly into: Readonly<Record<string, string>> })
  /** Newer versions no longer keep `field`. Inverse: write `restoreValue` (what older releases expect). */
  | (StepTarget & { readonly kind: 'drop'; readonly field: string; readonly restoreValue: JsonValue })
  /**
   * Bug zoo only (engine/schema/broken.ts): deletes the whole record when `field` equals
   * `equals`. No correct migration uses it; its inverse is nothing (old shapes never had it).
   */
  | (StepTarget & { readonly kind: 'drop-records'; readonly field: string; readonly equals: JsonValue });

export type SchemaStepKind = SchemaStep['kind'];

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const has = (record: Rec, field: string): boolean => Object.prototype.hasOwnProperty.call(record, field);

/** Where a record lives, for error messages: `sync_queue/q7` or `dead_letter/q7 (item)`. */
function placeOf(step: SchemaStep, key: string): string {
  return `${step.box}/${key}${step.within === undefined ? '' : ` (${step.within})`}`;
}

function shapeError(step: SchemaStep, key: string, direction: string, what: string): SchemaError {
  return new SchemaError('shape', `${placeOf(step, key)}: cannot ${direction} (${describeStep(step)}): ${what}; nothing was changed`);
}

export function describeStep(step: SchemaStep): string {
  switch (step.kind) {
    case 'add':
      return `add ${step.field} = ${JSON.stringify(step.defaultValue)}`;
    case 'rename':
      return `rename ${step.from} to ${step.to}`;
    case 'split':
      return `split ${step.from} into ${Object.keys(step.into).join(', ')}`;
    case 'drop':
      return `drop ${step.field}`;
    case 'drop-records':
      return `drop records whose ${step.field} is ${JSON.stringify(step.equals)}`;
  }
}

/** `record` with `field` replaced by `replacement`'s fields at the same position (key order stays readable). */
function replaceAt(record: Rec, field: string, replacement: Rec): Rec {
  const out: Rec = {};
  for (const key of Object.keys(record)) {
    if (key === field) Object.assign(out, replacement);
    else out[key] = record[key];
  }
  return out;
}

function without(record: Rec, field: string): Rec {
  const { [field]: _dropped, ...rest } = record;
  return rest;
}

/** The nested record a step targets and a function putting a rewritten one back. */
function targetOf(step: SchemaStep, key: string, record: unknown, direction: string): { inner: Rec; wrap: (next: Rec) => Rec } {
  if (!isRecord(record)) throw shapeError(step, key, direction, `the record should be an object, got ${JSON.stringify(record) ?? String(record)}`);
  const within = step.within;
  if (within === undefined) return { inner: record, wrap: (next) => next };
  const inner = record[within];
  if (!isRecord(inner)) throw shapeError(step, key, direction, `field ${within} should be an object, got ${JSON.stringify(inner) ?? String(inner)}`);
  return { inner, wrap: (next) => replaceAt(record, within, { [within]: next }) };
}

/**
 * The record in the newer shape; the same object when it already was; undefined when the
 * step deletes it (drop-records). Throws SchemaError when it is in neither shape.
 */
export function forwardRecord(step: SchemaStep, key: string, record: unknown): unknown {
  const { inner, wrap } = targetOf(step, key, record, 'migrate');
  const fail = (what: string): never => {
    throw shapeError(step, key, 'migrate', what);
  };
  switch (step.kind) {
    case 'add':
      return has(inner, step.field) ? record : wrap({ ...inner, [step.field]: step.defaultValue });
    case 'rename':
      if (has(inner, step.from)) {
        if (has(inner, step.to)) fail(`it has both ${step.from} and ${step.to}`);
        return wrap(replaceAt(inner, step.from, { [step.to]: inner[step.from] }));
      }
      return has(inner, step.to) ? record : fail(`it has neither ${step.from} nor ${step.to}`);
    case 'split': {
      const targets = Object.keys(step.into);
      if (!has(inner, step.from)) return targets.every((field) => has(inner, field)) ? record : fail(`it has neither ${step.from} nor all of ${targets.join(', ')}`);
      const whole = inner[step.from];
      if (!isRecord(whole)) return fail(`${step.from} should be an object, got ${JSON.stringify(whole) ?? String(whole)}`);
      const parts: Rec = {};
      for (const [field, part] of Object.entries(step.into)) {
        if (!has(whole, part)) fail(`${step.from}.${part} is missing`);
        if (has(inner, field)) fail(`it has both ${step.from} and ${field}`);
        parts[field] = whole[part];
      }
      return wrap(replaceAt(inner, step.from, parts));
    }
    case 'drop':
      return has(inner, step.field) ? wrap(without(inner, step.field)) : record;
    case 'drop-records':
      return JSON.stringify(inner[step.field]) === JSON.stringify(step.equals) ? undefined : record;
  }
}

/** The record in the older shape (strict: a latest-shape record must have every field the step reads). */
export function backwardRecord(step: SchemaStep, key: string, record: unknown): unknown {
  const { inner, wrap } = targetOf(step, key, record, 'write the older shape');
  const fail = (what: string): never => {
    throw shapeError(step, key, 'write the older shape', what);
  };
  switch (step.kind) {
    case 'add':
      return has(inner, step.field) ? wrap(without(inner, step.field)) : fail(`${step.field} is missing`);
    case 'rename':
      if (!has(inner, step.to) || has(inner, step.from)) fail(`it should have ${step.to} and no ${step.from}`);
      return wrap(replaceAt(inner, step.to, { [step.from]: inner[step.to] }));
    case 'split': {
      const whole: Rec = {};
      for (const [field, part] of Object.entries(step.into)) {
        if (!has(inner, field)) fail(`${field} is missing`);
        whole[part] = inner[field];
      }
      const [first] = Object.keys(step.into);
      let gathered = replaceAt(inner, first!, { [step.from]: whole });
      for (const field of Object.keys(step.into)) if (field !== first) gathered = without(gathered, field);
      return wrap(gathered);
    }
    case 'drop':
      return has(inner, step.field) ? fail(`${step.field} should not exist in the newer shape`) : wrap({ ...inner, [step.field]: step.restoreValue });
    case 'drop-records':
      return record;
  }
}

// Engine option overrides written on the command line, for sweeps and comparisons:
// `batchItemsMax=1,5,25` (a sweep parameter: one name, several values) and
// `policy=lww-hlc,batchItemsMax=5` (a variant spec: several names, one value each).
// Names are the engine's option names (engine/options.ts), plus the alias `policy` for
// conflictPolicy; each value is parsed by the type of the option's default and checked by the
// engine's own validator, so the error names the option and the bad value. Errors are
// EngineParamError with a one-line message; the CLI turns them into usage errors (exit 2).

import { buildEngineOptions, DEFAULT_ENGINE_OPTIONS, OptionsError, type EngineOptions } from '../engine/options.ts';

export type EngineOverrides = Partial<Omit<EngineOptions, 'clientId'>>;
export type EngineOptionName = keyof Omit<EngineOptions, 'clientId'>;
export type EngineValue = number | string | boolean;

/** Values one sweep parameter may take at most, and combinations a sweep may run at most. */
export const PARAM_VALUES_MAX = 32;
export const COMBINATIONS_MAX = 256;

export const ENGINE_OPTION_NAMES: readonly EngineOptionName[] = Object.keys(DEFAULT_ENGINE_OPTIONS) as EngineOptionName[];
const ALIASES: Readonly<Record<string, EngineOptionName>> = { policy: 'conflictPolicy' };

export class EngineParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineParamError';
  }
}

export interface SweepParam {
  readonly name: EngineOptionName;
  readonly values: readonly EngineValue[];
}

/** The canonical option name for `name` (an option name or an alias), or null. */
export function engineOptionName(name: string): EngineOptionName | null {
  if ((ENGINE_OPTION_NAMES as readonly string[]).includes(name)) return name as EngineOptionName;
  return ALIASES[name] ?? null;
}

function knownNames(): string {
  return [...ENGINE_OPTION_NAMES, ...Object.keys(ALIASES).map((a) => `${a} (= ${ALIASES[a]})`)].join(', ');
}

/** Options whose valid range depends on another option: that one is set permissively when checking a value alone. */
const ALONE_RELAXED: Partial<Record<EngineOptionName, EngineOverrides>> = {
  backoffBaseMs: { backoffCapMs: Number.MAX_SAFE_INTEGER },
  backoffCapMs: { backoffBaseMs: 1 },
};

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses one value for the option `name` by its default's type, then lets the engine validate it. */
export function parseEngineValue(name: EngineOptionName, text: string): EngineValue {
  const trimmed = text.trim();
  const fallback = DEFAULT_ENGINE_OPTIONS[name];
  let value: EngineValue;
  if (typeof fallback === 'boolean') {
    if (trimmed !== 'true' && trimmed !== 'false') throw new EngineParamError(`${name} should be true or false, got '${text}'`);
    value = trimmed === 'true';
  } else if (typeof fallback === 'number') {
    value = parseNumber(name, trimmed, text);
  } else {
    value = trimmed;
  }
  try {
    // Checked alone, with the bounds other options set relaxed (the backoff cap may not be below
    // the base); whole combinations are checked by checkOverrides.
    buildEngineOptions({ ...ALONE_RELAXED[name], [name]: value, clientId: 'param-check' } as EngineOverrides & { clientId: string });
  } catch (error) {
    if (error instanceof OptionsError && error.field === name) throw new EngineParamError(`${name} ${expectation(error)}, got '${text}'`);
    throw error;
  }
  return value;
}

/** An integer; options in ms (names ending in Ms) also take 500ms, 10s, 5m, 1h. */
function parseNumber(name: EngineOptionName, trimmed: string, text: string): number {
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(\d+(?:\.\d+)?)(ms|s|min|m|h)$/.exec(trimmed);
  if (name.endsWith('Ms') && match !== null) {
    const ms = Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    if (Number.isSafeInteger(ms)) return ms;
  }
  const unit = name.endsWith('Ms') ? 'an integer of milliseconds or a duration such as 500ms, 10s, 5m' : 'an integer';
  throw new EngineParamError(`${name} should be ${unit}, got '${text}'`);
}

/** "should be an integer from 1 to 10000" from the engine's own message. */
function expectation(error: OptionsError): string {
  const match = /should be (.*), got /.exec(error.message);
  return `should be ${match === null ? 'valid' : match[1]}`;
}

/** `batchItemsMax=1,5,25`: one engine option and its values (distinct, in the order given). */
export function parseSweepParam(text: string): SweepParam {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new EngineParamError(`should be NAME=V1,V2,… with NAME an engine option (${knownNames()}), got '${text}'`);
  const rawName = text.slice(0, eq).trim();
  const name = engineOptionName(rawName);
  if (name === null) throw new EngineParamError(`names an unknown engine option '${rawName}' (known: ${knownNames()}), got '${text}'`);
  const parts = text.slice(eq + 1).split(',');
  if (parts.length > PARAM_VALUES_MAX) throw new EngineParamError(`takes at most ${PARAM_VALUES_MAX} values per option, got ${parts.length} in '${text}'`);
  const values: EngineValue[] = [];
  for (const part of parts) {
    if (part.trim() === '') throw new EngineParamError(`has an empty value for ${name}, got '${text}'`);
    const value = parseEngineValue(name, part);
    if (values.includes(value)) throw new EngineParamError(`lists ${name} value '${part.trim()}' twice, got '${text}'`);
    values.push(value);
  }
  return { name, values };
}

/** Adds a parameter to a list, refusing one named twice. */
export function addSweepParam(params: readonly SweepParam[], param: SweepParam): SweepParam[] {
  if (params.some((p) => p.name === param.name)) throw new EngineParamError(`names ${param.name} twice; give all its values in one --param`);
  return [...params, param];
}

/** `policy=lww-hlc,batchItemsMax=5` (or `default`): engine option overrides, each option once. */
export function parseVariantSpec(text: string): EngineOverrides {
  const trimmed = text.trim();
  if (trimmed === 'default' || trimmed === '') return {};
  const overrides: Record<string, EngineValue> = {};
  for (const part of trimmed.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new EngineParamError(`should be NAME=VALUE[,NAME=VALUE…] over engine options (${knownNames()}) or 'default', got '${text}'`);
    const rawName = part.slice(0, eq).trim();
    const name = engineOptionName(rawName);
    if (name === null) throw new EngineParamError(`names an unknown engine option '${rawName}' (known: ${knownNames()}), got '${text}'`);
    if (name in overrides) throw new EngineParamError(`sets ${name} twice, got '${text}'`);
    overrides[name] = parseEngineValue(name, part.slice(eq + 1));
  }
  checkOverrides(overrides as EngineOverrides, text);
  return overrides as EngineOverrides;
}

/** Validates a whole set of overrides together (e.g. backoffCapMs ≥ backoffBaseMs). */
export function checkOverrides(overrides: EngineOverrides, shownAs: string): void {
  try {
    buildEngineOptions({ ...overrides, clientId: 'param-check' });
  } catch (error) {
    if (error instanceof OptionsError) throw new EngineParamError(`gives an invalid combination (${error.field} ${expectation(error)}, got ${JSON.stringify(error.value)}) in '${shownAs}'`);
    throw error;
  }
}

/** Every combination of the parameters' values, the first parameter varying slowest. */
export function combinations(params: readonly SweepParam[]): EngineOverrides[] {
  let total = 1;
  for (const p of params) total *= p.values.length;
  if (total > COMBINATIONS_MAX) throw new EngineParamError(`gives ${total} combinations; at most ${COMBINATIONS_MAX} are allowed`);
  let combos: Record<string, EngineValue>[] = [{}];
  for (const p of params) combos = combos.flatMap((c) => p.values.map((v) => ({ ...c, [p.name]: v })));
  for (const combo of combos) checkOverrides(combo as EngineOverrides, describeOverrides(combo as EngineOverrides));
  return combos as EngineOverrides[];
}

/** `batchItemsMax=5 · backoffBaseMs=1000`, or `defaults` for none. */
export function describeOverrides(overrides: EngineOverrides, separator = ' · '): string {
  const entries = Object.entries(overrides);
  return entries.length === 0 ? 'defaults' : entries.map(([k, v]) => `${k}=${String(v)}`).join(separator);
}

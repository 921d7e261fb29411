// What a checker returns: a verdict on one property of DESIGN §4, and when it fails, each
// violation in plain words with the op ids, clients and times involved, plus the indexes of
// the history events that show it (the slice a report draws).

import type { ConflictPolicy } from '../../engine/options.ts';
import type { History } from '../../sim/history.ts';

export interface Violation {
  /**
   * The rule of the checker it broke: short, stable, kebab-case ('early-retry'). A checker has
   * several rules; the shrinker keeps a smaller run only if it breaks a rule the original broke.
   */
  readonly rule: string;
  readonly message: string;
  readonly clients: readonly number[];
  readonly queueIds: readonly string[];
  /** True (virtual) time of the event that shows it best. */
  readonly t: number;
  /** Indexes into history.events: the minimal slice that shows the violation. */
  readonly slice: readonly number[];
}

export interface CheckResult {
  readonly name: string;
  /** The property in one line. */
  readonly property: string;
  readonly valid: boolean;
  /** One line: what was checked and what was found. */
  readonly summary: string;
  /** The first violations (at most VIOLATIONS_KEPT), in time order. */
  readonly violations: readonly Violation[];
  /** Total violations found (may exceed the ones kept). */
  readonly violationCount: number;
  /** Every rule a violation broke (kept or not), in the order first broken; empty when valid. */
  readonly rules: readonly string[];
}

/** What the checkers need to know besides the history (the same for sim and real-network runs). */
export interface CheckContext {
  readonly conflictPolicy: ConflictPolicy;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
}

export const VIOLATIONS_KEPT = 20;

export type Checker = (history: History, index: import('./history-index.ts').HistoryIndex, context: CheckContext) => CheckResult;

/** Collects violations, keeping the first few, and builds the result. */
export class Verdict {
  private readonly kept: Violation[] = [];
  private count = 0;
  private readonly rules = new Set<string>();

  constructor(
    readonly name: string,
    readonly property: string,
  ) {}

  add(violation: Violation): void {
    this.count++;
    this.rules.add(violation.rule);
    if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(violation);
  }

  result(checkedWhat: string): CheckResult {
    const valid = this.count === 0;
    const summary = valid ? `ok: ${checkedWhat}` : `${this.count} violation${this.count === 1 ? '' : 's'} in ${checkedWhat}; first: ${this.kept[0]!.message}`;
    return { name: this.name, property: this.property, valid, summary, violations: [...this.kept].sort((a, b) => a.t - b.t), violationCount: this.count, rules: [...this.rules] };
  }
}

/** `12:03:07.250` for a time in ms since the run started (plus a day count past 24 h). */
export function clockText(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  const m = Math.floor((rest % 3_600_000) / 60_000);
  const s = Math.floor((rest % 60_000) / 1000);
  const milli = rest % 1000;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${sign}${days > 0 ? `${days}d ` : ''}${pad(h)}:${pad(m)}:${pad(s)}.${pad(milli, 3)}`;
}

/** A signed duration such as `-3h 00m 12s` or `+450 ms`. */
export function skewText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(ms));
  if (abs < 1000) return `${sign}${abs} ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  return h > 0 ? `${sign}${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s` : `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}

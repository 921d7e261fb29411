// A run file's `expect`: the verdict a saved run must have (the regression corpus, and `replay`).
// 'pass': every checker holds; 'fail:<checker>': that checker is violated (an open bug kept as a
// regression, or a scenario that is a deliberate counterexample). Absent: no expectation.

export type Expectation = 'pass' | `fail:${string}`;

/** The `expect` of a run file's JSON, or null when it has none; a malformed one names the field and value. */
export function expectationOf(json: unknown, file: string): Expectation | null {
  const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['expect'] : undefined;
  if (value === undefined) return null;
  if (value === 'pass' || (typeof value === 'string' && /^fail:[a-z-]+$/.test(value))) return value as Expectation;
  throw new Error(`${file}: expect should be 'pass' or 'fail:<checker>', got ${JSON.stringify(value)}`);
}

/** Whether checkers that failed (by name) are what the expectation asks. */
export function expectationHolds(expectation: Expectation, failed: readonly string[]): boolean {
  return expectation === 'pass' ? failed.length === 0 : failed.includes(expectation.slice('fail:'.length));
}

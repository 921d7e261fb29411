// What `npm run profile` runs and where it writes, from the environment; checked (STYLE §6).

export const STANDARD_CLIENTS = 1000;
export const CLIENTS_MAX = 10_000;

export interface RunSize {
  readonly clients: number;
  readonly durationMs: number;
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} should be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

/** The standard run, or a smaller one from PROFILE_CLIENTS / PROFILE_MINUTES. */
export function standardRunSize(env: NodeJS.ProcessEnv): RunSize {
  return {
    clients: integerFrom(env, 'PROFILE_CLIENTS', STANDARD_CLIENTS, 1, CLIENTS_MAX),
    durationMs: integerFrom(env, 'PROFILE_MINUTES', 60, 1, 24 * 60) * 60_000,
  };
}

export const TOP_FUNCTIONS = 10;

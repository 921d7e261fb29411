// `syncstorm start`: the default chaos run on the embedded default config (placeholder).
// The lead replaces this stub with the real run → report → summary.

export type StartOptions = Record<string, unknown>;

export async function runStart(_options: StartOptions): Promise<void> {
  console.log('start: not wired yet');
}

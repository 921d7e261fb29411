// What the parent asks a benchmark child to run and what the child answers: plain JSON
// over argv (the job) and stdout (the measurement), checked on the way in (STYLE §3).

export interface SimJob {
  readonly mode: 'swarm' | 'comparison';
  readonly clients: number;
  readonly durationMs: number;
}

export interface FakeTimersJob {
  readonly clients: number;
  readonly durationMs: number;
  /** Stop after the first tick chunk that ends past this much wall time. */
  readonly wallBudgetMs: number;
  readonly chunkMs: number;
}

export interface SimMeasurement {
  readonly clients: number;
  readonly durationMs: number;
  /** Simulated span including the convergence phase (history.endedAt). */
  readonly simulatedMs: number;
  /** Plan generation plus runSimulation. */
  readonly wallMs: number;
  /** CPU time (user + system, all threads) over the same stretch: steadier than wall on a busy machine. */
  readonly cpuMs: number;
  readonly eventsProcessed: number;
  readonly opsPlanned: number;
  readonly opsInvoked: number;
  /** Events in the history the checkers read (what dominates memory at scale). */
  readonly historyEvents: number;
  readonly checkMs: number;
  /** CPU time of the checkers (user + system). */
  readonly checkCpuMs: number;
  readonly checksFailed: readonly string[];
  /** Each failed checker's one-line summary. */
  readonly checkFailures: readonly string[];
  readonly converged: boolean;
  readonly faultMix: string;
  readonly peakRssBytes: number;
}

export interface FakeTimersMeasurement {
  readonly clients: number;
  /** Simulated span actually ticked through. */
  readonly simulatedMs: number;
  /** Plan generation, opening the engines and every tick. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly opsPlanned: number;
  readonly opsInvoked: number;
  readonly writesOk: number;
  readonly writesFailed: number;
  /** Changes the server applied: shows the engines really synced. */
  readonly serverApplied: number;
  /** True when the wall budget ran out before durationMs. */
  readonly stoppedEarly: boolean;
  readonly peakRssBytes: number;
}

export function requireInteger(what: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${what} should be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseObject(text: string | undefined, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text ?? 'null');
  if (typeof value !== 'object' || value === null) throw new Error(`${what} should be a JSON object, got ${String(text)}`);
  return value as Record<string, unknown>;
}

export function parseSimJob(text: string | undefined): SimJob {
  const raw = parseObject(text, 'sim job');
  if (raw['mode'] !== 'swarm' && raw['mode'] !== 'comparison') throw new Error(`sim job mode should be swarm or comparison, got ${JSON.stringify(raw['mode'])}`);
  return { mode: raw['mode'], clients: requireInteger('clients', raw['clients'], 1), durationMs: requireInteger('durationMs', raw['durationMs'], 1000) };
}

export function parseFakeTimersJob(text: string | undefined): FakeTimersJob {
  const raw = parseObject(text, 'fake-timers job');
  return {
    clients: requireInteger('clients', raw['clients'], 1),
    durationMs: requireInteger('durationMs', raw['durationMs'], 1000),
    wallBudgetMs: requireInteger('wallBudgetMs', raw['wallBudgetMs'], 1),
    chunkMs: requireInteger('chunkMs', raw['chunkMs'], 1),
  };
}

/** CPU ms (user + system) since `start`, a process.cpuUsage() reading. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Peak resident set size of this process so far (resourceUsage reports kilobytes). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The child's answer: one JSON line on stdout, written before the process exits. */
export function answer(measurement: object): void {
  process.stdout.write(JSON.stringify(measurement) + '\n', () => process.exit(0));
}

/** A progress line on stderr, prefixed so it reads apart from the parent's. */
export function progress(line: string): void {
  process.stderr.write(`  · ${line}\n`);
}

// Group "growth" (issue 7): cost against size — the engine draining a 10× longer queue and
// every checker over a 10× longer history — each in a fresh process (growth-child.ts).

import type { CheckGrowth, DrainGrowth, GrowthJob } from './growth-child.ts';
import { announce, runChild } from './spawn-child.ts';

export interface GrowthEntry {
  readonly drain: DrainGrowth | null;
  readonly drainError: string | null;
  readonly checks: CheckGrowth | null;
  readonly checksError: string | null;
}

async function attempt<T>(job: GrowthJob): Promise<{ value: T | null; error: string | null }> {
  try {
    return { value: await runChild<T>('growth-child.ts', job), error: null };
  } catch (failure) {
    announce(`  failed: ${String(failure)}`);
    return { value: null, error: String(failure) };
  }
}

export async function measureGrowth(): Promise<GrowthEntry> {
  announce('growth: engine drain of 10,000 and 100,000 queued items');
  const drain = await attempt<DrainGrowth>({ part: 'drain' });
  announce('growth: every checker over a short and a 10× longer history');
  const checks = await attempt<CheckGrowth>({ part: 'checks' });
  return { drain: drain.value, drainError: drain.error, checks: checks.value, checksError: checks.error };
}

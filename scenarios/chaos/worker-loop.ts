// The chaos pool's worker loop: receives seeds, runs checkSeedSafely for each with the base
// config, the named variant and the named scenario's plan, and posts every result back. A
// worker entry calls serveSeeds once: worker.ts with no hook, or an entry of a layer above
// with a SeedExtra (scripts/commands/chaos-sample-worker.ts: `chaos --samples`).

import { parentPort, workerData } from 'node:worker_threads';
import '../bugs.ts'; // registers the bug zoo's variants, so variantByName finds them
import { buildSimConfig } from '../../sim/config.ts';
import type { SimConfig } from '../../sim/types.ts';
import { variantByName } from '../../sim/variants.ts';
import type { ToMain, ToWorker, WorkerInit } from './pool.ts';
import { checkSeedSafely, type SeedExtra } from './run-seed.ts';
import { seedPlanner } from './target.ts';

export async function serveSeeds(extra?: SeedExtra): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('a chaos worker entry runs only as a worker thread (see pool.ts)');
  const init = workerData as WorkerInit;
  const base: SimConfig = init.config;
  const variant = variantByName(init.variant);
  const planFor = await seedPlanner(init.scenario);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      port.close();
      return;
    }
    const config = buildSimConfig({ ...base, seed: message.seed });
    const check = checkSeedSafely({ config, plan: planFor(config), variant }, extra);
    const reply: ToMain = { type: 'result', check };
    port.postMessage(reply);
  });
  const ready: ToMain = { type: 'ready' };
  port.postMessage(ready);
}

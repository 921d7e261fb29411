// The chaos pool's worker for `chaos --samples`: the seed loop with the sample hook
// (chaos-sample.ts), so each thread makes its seeds' samples while the runs are at hand.

import { serveSeeds } from '../../scenarios/chaos/worker-loop.ts';
import { sampleExtra } from './chaos-sample.ts';

await serveSeeds(sampleExtra);

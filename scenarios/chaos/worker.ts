// The chaos pool's default worker thread: the seed loop (worker-loop.ts) with no per-seed hook.
// Started by pool.ts bundled into one module, or through a tiny JavaScript bootstrap that
// registers tsx first (a worker does not inherit the loader).

import { serveSeeds } from './worker-loop.ts';

await serveSeeds();

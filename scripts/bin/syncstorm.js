#!/usr/bin/env -S node --max-semi-space-size=64 --heap-growing-percent=50
// The `syncstorm` executable: registers tsx's ESM loader so the TypeScript sources run as
// they are (no build step), then hands argv to scripts/cli.ts, which owns the exit code.
// The heap flags are the simulator's (SIM_NODE_FLAGS, scenarios/chaos/pool.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
await main(process.argv);

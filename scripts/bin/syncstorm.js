#!/usr/bin/env node
// The `syncstorm` executable: registers tsx's ESM loader so the TypeScript sources run as
// they are (no build step), then hands argv to scripts/cli.ts, which owns the exit code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
await main(process.argv);

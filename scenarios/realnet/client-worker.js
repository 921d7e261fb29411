// Worker-thread entry of a realnet client: registers tsx's ESM loader in this thread (as
// scripts/bin/syncstorm.js does for the CLI), then runs the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./client-worker-main.ts');

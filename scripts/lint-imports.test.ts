// The import-direction rules on small in-memory trees: one allowed and one forbidden case per rule.
import { describe, expect, it } from 'vitest';
import { checkImports, extractImports, formatViolation, type SourceFile } from './lint-imports.ts';

function lint(files: SourceFile[]): string[] {
  return checkImports(files).map(formatViolation);
}

describe('extractImports', () => {
  it('finds every import form with its line, and nothing inside comments or strings', () => {
    const source = [
      "import type { A } from './a.ts';",
      "import {",
      "  b,",
      "} from './b.ts';",
      "import './side-effect.ts';",
      "export * from './c.ts';",
      "export type { D } from './d.ts';",
      "// import x from '../sim/commented.ts';",
      "const text = \"import y from '../sim/string.ts'\";",
      "const lazy = await import('./e.ts');",
      "type F = typeof import('./f.ts');",
    ].join('\n');
    expect(extractImports(source)).toEqual([
      { specifier: './a.ts', line: 1 },
      { specifier: './b.ts', line: 4 },
      { specifier: './side-effect.ts', line: 5 },
      { specifier: './c.ts', line: 6 },
      { specifier: './d.ts', line: 7 },
      { specifier: './e.ts', line: 10 },
      { specifier: './f.ts', line: 11 },
    ]);
  });
});

describe('checkImports', () => {
  it('accepts a tree whose imports all point downward', () => {
    expect(
      lint([
        { path: 'engine/queue.ts', source: "import type { X } from './protocol.ts';" },
        { path: 'engine/adapters/lowdb-store.ts', source: "import { Low } from 'lowdb';\nimport fs from 'node:fs';" },
        { path: 'engine/queue.test.ts', source: "import { it } from 'vitest';\nimport fc from 'fast-check';" },
        { path: 'engine/adapters/storage-contract.ts', source: "import { it } from 'vitest';" },
        { path: 'engine/testing/manual-clock.ts', source: "import { vi } from 'vitest';" },
        { path: 'server-mock/core/apply.ts', source: "import type { X } from '../../engine/protocol.ts';" },
        { path: 'sim/world.ts', source: "import { core } from '../server-mock/core/index.ts';\nimport x from 'express';" },
        { path: 'scenarios/zoo.ts', source: "import { run } from '../sim/world.ts';" },
        { path: 'reports/html.ts', source: "import { zoo } from '../scenarios/zoo.ts';" },
        { path: 'scripts/cli.ts', source: "import { html } from '../reports/html.ts';\nimport pkg from '../package.json';" },
        { path: 'vitest.config.ts', source: "import { x } from './scripts/cli.ts';" },
      ]),
    ).toEqual([]);
  });

  it('rule a: engine/ imports nothing outside engine/', () => {
    expect(
      lint([
        { path: 'engine/queue.ts', source: "import { x } from '../sim/x.ts';" },
        { path: 'engine/clock.ts', source: "\nimport { y } from '../package.json';" },
        { path: 'engine/nested/deep.ts', source: "import { z } from '../../server-mock/core.ts';" },
      ]),
    ).toEqual([
      "engine/queue.ts:1: engine/ must not import '../sim/x.ts' (layer sim is above engine)",
      "engine/clock.ts:2: engine/ must not import '../package.json' (engine/ imports nothing outside engine/)",
      "engine/nested/deep.ts:1: engine/ must not import '../../server-mock/core.ts' (layer server-mock is above engine)",
    ]);
  });

  it('rule a: engine/ uses packages and node built-ins only in adapters, from the allow-list', () => {
    expect(
      lint([
        { path: 'engine/timers.ts', source: "import { setTimeout } from 'node:timers';" },
        { path: 'engine/store.ts', source: "import { Low } from 'lowdb';" },
        { path: 'engine/adapters/http.ts', source: "import express from 'express';\nimport fs from 'fs';" },
        { path: 'engine/queue.test.ts', source: "import express from 'express';" },
        { path: 'engine/queue.ts', source: "import { it } from 'vitest';" },
        { path: 'engine/testing/world.ts', source: "import { x } from '../../sim/world.ts';" },
      ]),
    ).toEqual([
      "engine/timers.ts:1: engine/ must not import 'node:timers' (node built-ins are allowed only in engine/adapters/)",
      "engine/store.ts:1: engine/ must not import 'lowdb' (packages are allowed only in engine/adapters/; the engine does I/O through ports)",
      "engine/adapters/http.ts:1: engine/ must not import 'express' (engine/adapters/ may use only node:* and lowdb, lowdb/node)",
      "engine/adapters/http.ts:2: engine/ must not import 'fs' (engine/adapters/ may use only node:* and lowdb, lowdb/node)",
      "engine/queue.test.ts:1: engine/ must not import 'express' (engine test code may use only node:* and test tooling)",
      "engine/queue.ts:1: engine/ must not import 'vitest' (packages are allowed only in engine/adapters/; the engine does I/O through ports)",
      "engine/testing/world.ts:1: engine/ must not import '../../sim/world.ts' (layer sim is above engine)",
    ]);
  });

  it('rule b: nothing outside scripts/ imports scripts/', () => {
    expect(
      lint([
        { path: 'reports/html.ts', source: "export { main } from '../scripts/cli.ts';" },
        { path: 'sim/runner.ts', source: "const m = await import('../scripts/commands/start.ts');" },
        { path: 'scripts/commands/start.ts', source: "import { main } from '../cli.ts';" },
      ]),
    ).toEqual([
      "reports/html.ts:1: reports/ must not import '../scripts/cli.ts' (nothing outside scripts/ imports scripts/)",
      "sim/runner.ts:1: sim/ must not import '../scripts/commands/start.ts' (nothing outside scripts/ imports scripts/)",
    ]);
  });

  it('rule c: layers import only their own layer or lower ones', () => {
    expect(
      lint([
        { path: 'server-mock/http.ts', source: "import type { World } from '../sim/world.ts';" },
        { path: 'sim/runner.ts', source: "import { zoo } from '../scenarios/zoo.ts';" },
        { path: 'scenarios/zoo.ts', source: "import { html } from '../reports/html.ts';" },
      ]),
    ).toEqual([
      "server-mock/http.ts:1: server-mock/ must not import '../sim/world.ts' (layer sim is above server-mock)",
      "sim/runner.ts:1: sim/ must not import '../scenarios/zoo.ts' (layer scenarios is above sim)",
      "scenarios/zoo.ts:1: scenarios/ must not import '../reports/html.ts' (layer reports is above scenarios)",
    ]);
  });

  it('flags imports that escape the repository', () => {
    expect(lint([{ path: 'sim/x.ts', source: "import y from '../../elsewhere/y.ts';" }])).toEqual([
      "sim/x.ts:1: sim/ must not import '../../elsewhere/y.ts' (it resolves outside the repository)",
    ]);
  });
});

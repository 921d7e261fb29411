// Import-direction lint (DESIGN §2, STYLE 14): dependencies point downward only.
// Owns the layer order, the engine's package allow-list and the `npm run lint:imports` entry.
// Specifiers come from TypeScript's own pre-processor (static imports, `import type`,
// export-from, dynamic import(), import types, require), so comments and strings never match.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Lowest first: a file may import from its own layer or any layer before it. */
export const layers = ['engine', 'server-mock', 'sim', 'scenarios', 'reports', 'scripts'] as const;
export type Layer = (typeof layers)[number];

/** Packages engine/adapters/ may use besides `node:*` built-ins. */
const enginePackagesForAdapters = ['lowdb', 'lowdb/node'];
/** Test tooling engine test code may use besides `node:*` built-ins. */
const enginePackagesForTests = ['vitest', 'fast-check', '@fast-check/vitest', '@sinonjs/fake-timers', 'sinon'];

/**
 * Engine test code: test files, helpers under a `testing/` folder, and port contract suites
 * (`*-contract.ts`, STYLE 2), which are test suites that adapters' test files call.
 * It may use test tooling, but is still confined to engine/ like any engine file.
 */
export function isEngineTestCode(filePath: string): boolean {
  return filePath.endsWith('.test.ts') || filePath.includes('/testing/') || filePath.endsWith('-contract.ts');
}

export interface SourceFile {
  /** Repository-relative, forward slashes: `engine/queue.ts`. */
  path: string;
  source: string;
}

export interface ImportRef {
  specifier: string;
  /** 1-based. */
  line: number;
}

export interface Violation {
  path: string;
  line: number;
  specifier: string;
  /** Why it is forbidden, without the location prefix. */
  message: string;
}

export function layerOf(filePath: string): Layer | undefined {
  const first = filePath.split('/')[0];
  return layers.find((layer) => layer === first);
}

function layerRank(layer: Layer): number {
  return layers.indexOf(layer);
}

export function extractImports(source: string): ImportRef[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((ref) => ({ specifier: ref.fileName, line: lineAt(source, ref.pos) }));
}

function lineAt(source: string, position: number): number {
  let line = 1;
  for (let index = source.indexOf('\n'); index !== -1 && index < position; index = source.indexOf('\n', index + 1)) {
    line += 1;
  }
  return line;
}

function isRelative(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/** Why `file` must not import the package `specifier`, or undefined when it may. */
function checkPackageImport(file: string, specifier: string): string | undefined {
  if (layerOf(file) !== 'engine') return undefined;
  const isBuiltin = specifier.startsWith('node:');
  if (isEngineTestCode(file)) {
    if (isBuiltin || enginePackagesForTests.includes(specifier)) return undefined;
    return 'engine test code may use only node:* and test tooling';
  }
  if (file.startsWith('engine/adapters/')) {
    if (isBuiltin || enginePackagesForAdapters.includes(specifier)) return undefined;
    return `engine/adapters/ may use only node:* and ${enginePackagesForAdapters.join(', ')}`;
  }
  if (isBuiltin) return 'node built-ins are allowed only in engine/adapters/';
  return 'packages are allowed only in engine/adapters/; the engine does I/O through ports';
}

/** Why `file` must not import the relative `specifier`, or undefined when it may. */
function checkRelativeImport(file: string, fileLayer: Layer, specifier: string): string | undefined {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (target === '..' || target.startsWith('../')) return 'it resolves outside the repository';
  const targetLayer = layerOf(target);
  if (targetLayer === 'scripts' && fileLayer !== 'scripts') return 'nothing outside scripts/ imports scripts/';
  if (targetLayer === undefined) {
    return fileLayer === 'engine' ? 'engine/ imports nothing outside engine/' : undefined;
  }
  if (layerRank(targetLayer) > layerRank(fileLayer)) {
    return `layer ${targetLayer} is above ${fileLayer}`;
  }
  return undefined;
}

/** Pure: every forbidden import in `files`. Files outside the layers are not checked. */
export function checkImports(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const fileLayer = layerOf(file.path);
    if (fileLayer === undefined) continue;
    for (const ref of extractImports(file.source)) {
      const reason = ref.specifier.startsWith('/')
        ? 'absolute import paths are not portable'
        : isRelative(ref.specifier)
          ? checkRelativeImport(file.path, fileLayer, ref.specifier)
          : checkPackageImport(file.path, ref.specifier);
      if (reason === undefined) continue;
      violations.push({
        path: file.path,
        line: ref.line,
        specifier: ref.specifier,
        message: `${fileLayer}/ must not import '${ref.specifier}' (${reason})`,
      });
    }
  }
  return violations;
}

export function formatViolation(violation: Violation): string {
  return `${violation.path}:${violation.line}: ${violation.message}`;
}

function isSourceFile(name: string): boolean {
  return /\.(ts|mts|cts|tsx)$/.test(name) && !name.endsWith('.d.ts');
}

/** Repository-relative paths of every TypeScript file under `dir`, skipping node_modules. */
function listSourceFiles(root: string, dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...listSourceFiles(root, relative));
    else if (entry.isFile() && isSourceFile(entry.name)) found.push(relative);
  }
  return found;
}

export function loadRepositoryFiles(root: string): SourceFile[] {
  return layers
    .flatMap((layer) => listSourceFiles(root, layer))
    .sort()
    .map((filePath) => ({ path: filePath, source: readFileSync(path.join(root, filePath), 'utf8') }));
}

function runCli(): number {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = loadRepositoryFiles(root);
  const violations = checkImports(files);
  for (const violation of violations) console.error(formatViolation(violation));
  const summary = `import lint: ${files.length} files, ${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  if (violations.length > 0) console.error(summary);
  else console.log(summary);
  return violations.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runCli();
}

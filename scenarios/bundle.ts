// One TypeScript entry bundled into a single plain ES module with esbuild (which tsx brings
// along), so a worker thread or a restarted server starts in milliseconds instead of paying for
// tsx's loader each time (seconds on a busy machine). null when esbuild is missing or fails:
// callers then fall back to their tsx entry, which works everywhere.

export async function bundleEntry(entry: string, outfile: string, log: (line: string) => void = () => {}): Promise<string | null> {
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      // Bundled CommonJS dependencies (express) call require(): give the module one.
      banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
    });
    return outfile;
  } catch (error) {
    log(`esbuild bundle of ${entry} unavailable (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); using tsx`);
    return null;
  }
}

/**
 * The `latchkey` CLI as it ships (the package's bin): scripts/bundle-cli.ts's esbuild chunks of
 * electron/cli/main.ts, written under .cache/bench/cli. Spawning through tsx instead measures
 * TypeScript compilation, not Latchkey.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bundleCli as bundle } from '../scripts/bundle-cli.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const CLI_SOURCE = resolve(REPO_ROOT, 'electron/cli/main.ts');

/** `bytes`: the entry chunk, what every spawn compiles (`totalBytes`: all chunks). */
export async function bundleCli(): Promise<{ path: string; bytes: number; totalBytes: number; buildMs: number }> {
  const started = performance.now();
  const outdir = resolve(REPO_ROOT, '.cache/bench/cli');
  const built = await bundle(outdir);
  // The entry is main.js by its entry point's name; a command chunk loaded on first use is an entry point in esbuild's metafile too.
  const path = resolve(outdir, 'main.js');
  return { path, bytes: (await stat(path)).size, totalBytes: built.totalBytes, buildMs: performance.now() - started };
}

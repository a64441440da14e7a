/**
 * The `latchkey` CLI as it ships (the package's bin): scripts/bundle-cli.ts's esbuild chunks of
 * electron/cli/main.ts, written under .cache/bench/cli. Spawning through tsx instead measures
 * TypeScript compilation, not Latchkey.
 */
import { resolve } from 'node:path';
import { bundleCli as bundle } from '../scripts/bundle-cli.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const CLI_SOURCE = resolve(REPO_ROOT, 'electron/cli/main.ts');

/** `bytes`: the entry chunk, what every spawn compiles (`totalBytes`: all chunks). */
export async function bundleCli(): Promise<{ path: string; bytes: number; totalBytes: number; buildMs: number }> {
  const started = performance.now();
  const built = await bundle(resolve(REPO_ROOT, '.cache/bench/cli'));
  return { path: built.entry, bytes: built.entryBytes, totalBytes: built.totalBytes, buildMs: performance.now() - started };
}

/**
 * The `latchkey` CLI as it ships (the package's bin): scripts/bundle-cli.ts's esbuild chunks of
 * electron/cli/main.ts, written to a directory of this run's own under .cache/bench (removed when the
 * run exits), so bench runs side by side never empty each other's. Spawning through tsx instead
 * measures TypeScript compilation, not Latchkey.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bundleCli as bundle } from '../scripts/bundle-cli.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const CLI_SOURCE = resolve(REPO_ROOT, 'electron/cli/main.ts');

let runDir: Promise<string> | undefined;

/** This run's directory for the CLI bundle, made on first use and removed when the process exits. */
function cliDir(): Promise<string> {
  runDir ??= (async () => {
    const parent = resolve(REPO_ROOT, '.cache/bench');
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(resolve(parent, 'cli-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return runDir;
}

/** `bytes`: the entry chunk, what every spawn compiles (`totalBytes`: all chunks). */
export async function bundleCli(): Promise<{ path: string; bytes: number; totalBytes: number; buildMs: number }> {
  const started = performance.now();
  const outdir = await cliDir();
  const built = await bundle(outdir);
  // The entry is main.js by its entry point's name; a command chunk loaded on first use is an entry point in esbuild's metafile too.
  const path = resolve(outdir, 'main.js');
  return { path, bytes: (await stat(path)).size, totalBytes: built.totalBytes, buildMs: performance.now() - started };
}

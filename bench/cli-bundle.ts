/**
 * The `latchkey` CLI as it ships (the package's bin): scripts/bundle-cli.ts's build of
 * electron/cli/main.ts, made once per bench run into a directory of the run's own (removed when the
 * run exits). Spawning through tsx instead measures TypeScript compilation, not Latchkey.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundleCli as bundle } from '../scripts/bundle-cli.js';
import { makeBenchDir, REPO_ROOT } from './bench-dirs.js';

export const CLI_SOURCE = resolve(REPO_ROOT, 'electron/cli/main.ts');

export interface BenchCli {
  path: string;
  /** The bin, main.js: the one file every spawn compiles before the compile cache is on (`totalBytes`: every output). */
  bytes: number;
  totalBytes: number;
  buildMs: number;
}

let built: Promise<BenchCli> | undefined;

/** This run's CLI bundle, built on first use. */
export function bundleCli(): Promise<BenchCli> {
  built ??= (async () => {
    const started = performance.now();
    const outdir = await makeBenchDir('.', 'cli-');
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const made = await bundle(outdir);
    return { path: made.entry, bytes: made.entryBytes, totalBytes: made.totalBytes, buildMs: performance.now() - started };
  })();
  return built;
}

/**
 * A benchmark host as the wallet ships: one esbuild bundle of the host module (the daemon is an
 * esbuild bundle too, scripts/bundle-cli.ts), run by plain node. Under tsx every module is compiled
 * at load and every closure wrapped, which a profile then shows as Latchkey's cost.
 *
 * Each bundle goes to a directory of its own under .cache/bench/hosts, so bench runs side by side
 * never delete each other's files; `remove` deletes it once the host has exited.
 */
import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, NODE_BUNDLE } from '../../scripts/bundle-cli.js';
import { makeBenchDir } from '../bench-dirs.js';

export interface BundledHost {
  /** The bundle to fork. */
  path: string;
  buildMs: number;
  remove(): Promise<void>;
}

export async function bundleHost(modulePath: string): Promise<BundledHost> {
  const started = performance.now();
  const outdir = await makeBenchDir('hosts', `${basename(modulePath, '.ts')}-`);
  const path = resolve(outdir, 'host.mjs');
  // As the shipped bundle is built (keytar loaded from node_modules at run time).
  await build({ ...NODE_BUNDLE, entryPoints: [modulePath], format: 'esm', outfile: path, banner: { js: ESM_REQUIRE_BANNER } });
  return { path, buildMs: performance.now() - started, remove: () => rm(outdir, { recursive: true, force: true }) };
}

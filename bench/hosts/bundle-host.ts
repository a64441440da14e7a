/**
 * A benchmark host as the wallet ships: one esbuild bundle of the host module (the daemon is an
 * esbuild bundle too, scripts/bundle-cli.ts), run by plain node. Under tsx every module is compiled
 * at load and every closure wrapped, which a profile then shows as Latchkey's cost.
 *
 * Each bundle goes to a directory of its own under .cache/bench/hosts, so bench runs side by side
 * never delete each other's files; `remove` deletes it once the host has exited.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../scripts/bundle-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BundledHost {
  /** The bundle to fork. */
  path: string;
  buildMs: number;
  remove(): Promise<void>;
}

export async function bundleHost(modulePath: string): Promise<BundledHost> {
  const started = performance.now();
  const parent = resolve(ROOT, '.cache/bench/hosts');
  await mkdir(parent, { recursive: true });
  const outdir = await mkdtemp(resolve(parent, `${basename(modulePath, '.ts')}-`));
  const path = resolve(outdir, 'host.mjs');
  await build({
    entryPoints: [modulePath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: path,
    // As in the shipped bundle: the native keychain module is loaded from node_modules at run time.
    external: ['keytar'],
    logLevel: 'warning',
    banner: { js: ESM_REQUIRE_BANNER },
  });
  return { path, buildMs: performance.now() - started, remove: () => rm(outdir, { recursive: true, force: true }) };
}

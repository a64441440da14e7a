/**
 * Where Latchkey's own files are: the folder of the nearest package.json above a module that is
 * Latchkey's (named "latchkey"; the CLI bundle's own `{"type": "commonjs"}` beside it is not).
 * Works from the sources (electron/…) and from the build (dist/electron/…, dist/cli/…), whose
 * renderer is dist/renderer.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: unknown;
  version?: unknown;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Latchkey's package.json at or above `dir` (the nearest one named "latchkey") and the folder holding it. */
export function findLatchkeyManifest(dir: string): { dir: string; manifest: Manifest } | undefined {
  for (;;) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === 'latchkey') return { dir, manifest };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The nearest folder holding Latchkey's package.json, walking up from `moduleUrl` (an import.meta.url). */
export function findPackageRoot(moduleUrl: string): string | undefined {
  return findLatchkeyManifest(dirname(fileURLToPath(moduleUrl)))?.dir;
}

/** The built renderer (the window's pages): <package root>/dist/renderer. */
export function rendererDir(moduleUrl: string = import.meta.url): string | undefined {
  const root = findPackageRoot(moduleUrl);
  return root === undefined ? undefined : join(root, 'dist', 'renderer');
}

/**
 * Where Latchkey's own files are: the folder of the nearest package.json above a module that is
 * Latchkey's (named "latchkey"; the CLI bundle's own `{"type": "commonjs"}` beside it is not).
 * Works from the sources (electron/…) and from the build (dist/electron/…, dist/cli/…), whose
 * renderer is dist/renderer.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isLatchkeyManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'latchkey';
  } catch {
    return false;
  }
}

/** The nearest folder holding Latchkey's package.json, walking up from `moduleUrl` (an import.meta.url). */
export function findPackageRoot(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (isLatchkeyManifest(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The built renderer (the window's pages): <package root>/dist/renderer. */
export function rendererDir(moduleUrl: string = import.meta.url): string | undefined {
  const root = findPackageRoot(moduleUrl);
  return root === undefined ? undefined : join(root, 'dist', 'renderer');
}

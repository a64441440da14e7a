/**
 * Where Latchkey's own files are: the folder of the nearest package.json above a module. Works
 * from the sources (electron/…) and from the build (dist/electron/…), whose renderer is dist/renderer.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder holding a package.json, walking up from `moduleUrl` (an import.meta.url). */
export function findPackageRoot(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
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

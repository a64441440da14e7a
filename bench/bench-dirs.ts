/**
 * Directories of one bench run's own under .cache/bench, so runs side by side never empty each
 * other's files: inside the repository, so bundles find package.json and node_modules (keytar).
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** A new directory `<prefix>XXXXXX` under .cache/bench/<under>. */
export async function makeBenchDir(under: string, prefix: string): Promise<string> {
  const parent = resolve(REPO_ROOT, '.cache/bench', under);
  await mkdir(parent, { recursive: true });
  return mkdtemp(resolve(parent, prefix));
}

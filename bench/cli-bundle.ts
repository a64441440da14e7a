/**
 * The `latchkey` CLI as it would ship in the app: one esbuild bundle of electron/cli/main.ts
 * (dependencies included, the native keytar left out), written under .cache/bench. Spawning
 * through tsx instead measures TypeScript compilation, not Latchkey.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const CLI_SOURCE = resolve(REPO_ROOT, 'electron/cli/main.ts');

export async function bundleCli(): Promise<{ path: string; bytes: number; buildMs: number }> {
  const started = performance.now();
  const dir = resolve(REPO_ROOT, '.cache/bench');
  await mkdir(dir, { recursive: true });
  const outfile = resolve(dir, 'latchkey.mjs');
  const result = await build({
    entryPoints: [CLI_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['keytar'],
    logLevel: 'error',
    metafile: true,
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: { js: "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);" },
  });
  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]?.bytes ?? 0;
  return { path: outfile, bytes, buildMs: performance.now() - started };
}

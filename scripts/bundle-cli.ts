/**
 * Bundles the `latchkey` CLI (electron/cli/main.ts) with esbuild into ESM chunks: the entry holds
 * what every command needs, and what only some need (the wallet with undici, openid-client and
 * jose; the daemon) stays in chunks loaded on first use. Compiling one 2.7 MB file, or hundreds of
 * tsc modules, on every `latchkey mcp` / `latchkey token` spawn is what this avoids (bench/).
 *
 *   node --import tsx scripts/bundle-cli.ts [outdir]     (default dist/cli; the package's bin is <outdir>/main.js)
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const CLI_ENTRY = resolve(ROOT, 'electron/cli/main.ts');

export interface BundledCli {
  /** The entry to run with node (the package's bin when outdir is dist/cli). */
  entry: string;
  entryBytes: number;
  totalBytes: number;
}

async function readPackageVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/** Builds into `outdir` (emptied first); returns the entry file and the bytes of every output. */
export async function bundleCli(outdir: string = resolve(ROOT, 'dist/cli')): Promise<BundledCli> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: CLI_ENTRY },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outdir,
    // The native keychain module is loaded from node_modules at run time.
    external: ['keytar'],
    logLevel: 'warning',
    metafile: true,
    // The version, baked in (electron/cli/version.ts): the desktop app runs this bundle where no package.json is readable above it.
    define: { LATCHKEY_BUNDLED_VERSION: JSON.stringify(await readPackageVersion()) },
    // CommonJS dependencies inside ESM chunks still call require().
    banner: { js: "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);" },
  });
  // The chunks are ES modules: say so beside them, so Node never tries them as CommonJS first where no
  // package.json above says "type": "module" (the packaged app's app.asar.unpacked/dist/cli).
  await writeFile(resolve(outdir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  const outputs = Object.entries(result.metafile.outputs);
  // The commands' modules, loaded on dispatch, are entry points too: the bin is main.ts's output.
  const entry = outputs.find(([, output]) => output.entryPoint !== undefined && resolve(output.entryPoint) === CLI_ENTRY);
  return {
    entry: resolve(ROOT, entry === undefined ? resolve(outdir, 'main.js') : entry[0]),
    entryBytes: entry?.[1].bytes ?? 0,
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await bundleCli(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(`bundled the CLI: ${Math.round(built.entryBytes / 1024)} KiB entry, ${Math.round(built.totalBytes / 1024)} KiB in all`);
}

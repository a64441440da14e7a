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
import { build, type BuildOptions } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const CLI_ENTRY = resolve(ROOT, 'electron/cli/main.ts');
const AGENT_TOKEN_ENTRY = resolve(ROOT, 'electron/cli/agent-token.ts');
/** How main.ts imports agent-token.ts: built on its own as one file of that name beside main.js. */
const AGENT_TOKEN_IMPORT = './agent-token.js';

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

/** CommonJS dependencies inside ESM bundles still call require(): each bundle defines it first. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);";

/** Builds into `outdir` (emptied first); returns the entry file and the bytes of every output. */
export async function bundleCli(outdir: string = resolve(ROOT, 'dist/cli')): Promise<BundledCli> {
  await rm(outdir, { recursive: true, force: true });
  const common = {
    bundle: true,
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
    banner: { js: ESM_REQUIRE_BANNER },
  } satisfies BuildOptions;
  const result = await build({
    ...common,
    entryPoints: { main: CLI_ENTRY },
    splitting: true,
    // main.ts's import of agent-token.ts stays an import of the file the second build writes.
    plugins: [
      {
        name: 'agent-token-apart',
        setup(plugin) {
          plugin.onResolve({ filter: /^\.\/agent-token\.js$/ }, (args) => (args.importer === CLI_ENTRY ? { path: AGENT_TOKEN_IMPORT, external: true } : undefined));
        },
      },
    ],
  });
  // An agent's `latchkey token` built on its own: what it loads comes in a file or two of its own, not
  // in the many chunks the split build shares among the verbs (its modules are copies from the same sources).
  const agentToken = await build({ ...common, entryPoints: { 'agent-token': AGENT_TOKEN_ENTRY }, splitting: true, chunkNames: 'agent-token-[name]-[hash]' });
  // The chunks are ES modules: say so beside them, so Node never tries them as CommonJS first where no
  // package.json above says "type": "module" (the packaged app's app.asar.unpacked/dist/cli).
  await writeFile(resolve(outdir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  const outputs = [...Object.entries(result.metafile.outputs), ...Object.entries(agentToken.metafile.outputs)];
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

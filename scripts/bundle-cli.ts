/**
 * Bundles the `latchkey` CLI with esbuild, in two parts:
 *  - main.js, the bin (electron/cli/main.ts), and agent-token.js, what an agent's `latchkey token`
 *    runs (a process per token: agent-token.ts with the bridge client, in one file): CommonJS, so
 *    such a spawn never starts Node's ES module loader, some 5 ms of each. main.js stays small: it
 *    is the one file compiled before the compile cache is on.
 *  - everything else as ES module chunks (*.mjs) that main.js imports on first use: launch.mjs,
 *    the whole CLI, whose entry holds what every command needs while what only some need (the
 *    wallet with undici, openid-client and jose; the daemon) stays in chunks of its own; and
 *    bridge-contract.mjs, the bridge's zod contract, which the agent's token never needs.
 * Compiling one 2.7 MB file, or hundreds of tsc modules, on every `latchkey mcp` / `latchkey token`
 * spawn is what this avoids (bench/).
 *
 *   node --import tsx scripts/bundle-cli.ts [outdir]     (default dist/cli; the package's bin is <outdir>/main.js)
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const CLI_ENTRY = resolve(ROOT, 'electron/cli/main.ts');
const AGENT_TOKEN_ENTRY = resolve(ROOT, 'electron/cli/agent-token.ts');
const LAUNCH_ENTRY = resolve(ROOT, 'electron/cli/launch.ts');
const CONTRACT_ENTRY = resolve(ROOT, 'shared/bridge.ts');
/** The ES module side: its files end in .mjs, so they load as modules beside the CommonJS bin. */
const MODULE_EXTENSION = '.mjs';

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

/** How every Latchkey Node bundle is built (the bench's hosts too): for Node 22, the native keychain module loaded from node_modules at run time. */
export const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node22', external: ['keytar'], logLevel: 'warning' } as const satisfies BuildOptions;

/** CommonJS dependencies inside ESM bundles still call require(): each bundle defines it first. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);";

/**
 * What the CommonJS side loads at run time instead of bundling: main.ts's require of
 * agent-token.ts (built beside it), its import of launch.ts, and the bridge client's import of the
 * zod contract (shared/bridge.ts), which it loads only for answers its zod-free checks do not cover.
 */
const loadedAtRunTime: Plugin = {
  name: 'loaded-at-run-time',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/agent-token\.js$/ }, (args) => (args.importer === CLI_ENTRY ? { path: './agent-token.js', external: true } : undefined));
    plugin.onResolve({ filter: /^\.\/launch\.js$/ }, (args) => (args.importer === CLI_ENTRY ? { path: `./launch${MODULE_EXTENSION}`, external: true } : undefined));
    plugin.onResolve({ filter: /\/shared\/bridge\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && resolve(args.resolveDir, args.path) === CONTRACT_ENTRY.replace(/\.ts$/u, '.js') ? { path: `./bridge-contract${MODULE_EXTENSION}`, external: true } : undefined,
    );
  },
};

/** Every file the CommonJS side loads at run time must have been written beside it. */
function checkLoadedAtRunTime(bin: Metafile, outdir: string): void {
  for (const output of Object.values(bin.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && imported.path.startsWith('./') && !existsSync(resolve(outdir, imported.path))) {
        throw new Error(`the CLI loads ${imported.path}, which no build wrote`);
      }
    }
  }
}

/** Builds into `outdir` (emptied first); returns the entry file and the bytes of every output. */
export async function bundleCli(outdir: string = resolve(ROOT, 'dist/cli')): Promise<BundledCli> {
  await rm(outdir, { recursive: true, force: true });
  const common = {
    ...NODE_BUNDLE,
    outdir,
    // Metafile paths are relative to this, whatever the current directory.
    absWorkingDir: ROOT,
    metafile: true,
    // The version, baked in (electron/cli/version.ts): the desktop app runs this bundle where no package.json is readable above it.
    define: { LATCHKEY_BUNDLED_VERSION: JSON.stringify(await readPackageVersion()) },
  } satisfies BuildOptions;
  // Two independent builds into one folder (their file names differ): at once.
  const [modules, bin] = await Promise.all([
    build({
      ...common,
      format: 'esm',
      entryPoints: { launch: LAUNCH_ENTRY, 'bridge-contract': CONTRACT_ENTRY },
      splitting: true,
      outExtension: { '.js': MODULE_EXTENSION },
      banner: { js: ESM_REQUIRE_BANNER },
    }),
    build({ ...common, format: 'cjs', entryPoints: { main: CLI_ENTRY, 'agent-token': AGENT_TOKEN_ENTRY }, plugins: [loadedAtRunTime] }),
  ]);
  checkLoadedAtRunTime(bin.metafile, outdir);
  // main.js and agent-token.js are CommonJS under a package whose package.json says "type": "module": say so beside it
  // (also in the packaged app's app.asar.unpacked/dist/cli); the .mjs files are modules by their name.
  await writeFile(resolve(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  const outputs = [...Object.entries(bin.metafile.outputs), ...Object.entries(modules.metafile.outputs)];
  const entry = resolve(outdir, 'main.js');
  return {
    entry,
    entryBytes: outputs.find(([file]) => resolve(ROOT, file) === entry)?.[1].bytes ?? 0,
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await bundleCli(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(`bundled the CLI: ${Math.round(built.entryBytes / 1024)} KiB entry, ${Math.round(built.totalBytes / 1024)} KiB in all`);
}

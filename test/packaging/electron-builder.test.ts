/**
 * E11 / T28 / T29: the packaging configuration, and a real `dir` build against a stub Electron
 * dist (the Electron download is unavailable here). The stub binary carries Electron's fuse wire
 * with Electron 45's eight fuses at Electron's defaults, so the build's flipping of every fuse is
 * checked on the packaged binary (the real Electron 25 test runtime has seven: see
 * test/desktop/packaging.test.ts). The app packed is a private copy bundled from the current
 * sources (scripts/package-electron-test.ts stageDesktopApp), not the shared dist/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageDesktopApp } from '../../scripts/package-electron-test.js';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  asarUnpack: string[];
  files: string[];
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
  publish: unknown;
  linux: { target: string[]; executableName: string };
  mac: { target: string[] };
  win: { target: string[] };
}

const HARDENED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
};

let config: BuilderConfig;
beforeAll(async () => {
  config = yaml.load(await readFile(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
});

describe('electron-builder.yml', () => {
  it('E11: the fuses are hardened, exactly', () => {
    expect(config.electronFuses).toStrictEqual(HARDENED_FUSES);
  });

  it('T28: the app is an asar archive; only the CLI bundle (the host Node runs) and keytar are unpacked', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['dist/cli/**', '**/node_modules/keytar/**']);
    expect(config.extraMetadata.main).toBe('dist/electron/main/main.cjs');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/main/main.cjs', 'dist/electron/preload/preload.cjs', 'dist/renderer/**', '!node_modules/**']));
  });

  it('T29: nothing is published and no auto-update is configured', () => {
    expect(config.publish).toBeNull();
    expect(JSON.stringify(config)).not.toMatch(/electron-updater|autoUpdate|updaterCacheDirName/i);
  });

  it('targets AppImage and deb, dmg, nsis', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('Latchkey');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });
});

describe('the dir build against a stub Electron', () => {
  let work: string;
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  // Electron's own defaults: runAsNode, NODE_OPTIONS, --inspect and file:// privileges on.
  const ELECTRON_DEFAULT_WIRE = '10110001';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'latchkey-package-'));
    // Package a private copy of the app, bundled from the current sources, so concurrent builds
    // writing dist/ cannot change files under the packer.
    const app = join(work, 'app');
    await stageDesktopApp(app);
    await cp(join(root, 'electron-builder.yml'), join(app, 'electron-builder.yml'));
    const stub = join(work, 'electron-dist');
    await mkdir(join(stub, 'resources'), { recursive: true });
    const binary = Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(ELECTRON_DEFAULT_WIRE)]);
    await writeFile(join(stub, 'electron'), binary);
    await chmod(join(stub, 'electron'), 0o755);
    await writeFile(join(stub, 'version'), '45.4.1');
    await writeFile(join(stub, 'LICENSE'), 'stub');
    const args = [
      join(root, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      '--projectDir',
      app,
      `-c.electronDist=${stub}`,
      '-c.npmRebuild=false', // no Electron headers to rebuild keytar against here
      `-c.directories.output=${join(work, 'out')}`,
    ];
    await run(process.execPath, args, { cwd: app, timeout: 180_000, env: { ...process.env, ELECTRON_BUILDER_CACHE: join(work, 'cache') } }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`electron-builder failed:\n${(error.stdout ?? '').slice(-2000)}\n${(error.stderr ?? '').slice(-2000)}`);
      },
    );
  }, 300_000);

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const appDir = (): string => join(work, 'out/linux-unpacked');
  const asarPath = (): string => join(appDir(), 'resources/app.asar');

  it('E11: the asar holds the main and preload bundles, the window and the tray icons, keytar, and no sources', () => {
    const entries = listPackage(asarPath(), { isPack: false });
    expect(entries).toEqual(expect.arrayContaining(['/dist/electron/main/main.cjs', '/dist/electron/preload/preload.cjs', '/dist/renderer/index.html', '/assets/tray.png', '/package.json']));
    expect(entries.filter((entry) => /^\/(electron|shared|test|renderer|scripts)\//.test(entry) || entry.endsWith('.map') || entry.endsWith('.ts'))).toEqual([]);
    // The bundles hold every other dependency: only keytar's loader, manifest and native module ship.
    expect(entries.filter((entry) => entry.startsWith('/node_modules/')).sort()).toEqual(
      ['', '/build', '/build/Release', '/build/Release/keytar.node', '/lib', '/lib/keytar.js', '/package.json'].map((name) => `/node_modules/keytar${name}`),
    );
    const manifest = JSON.parse(extractFile(asarPath(), 'package.json').toString('utf8')) as { main: string };
    expect(manifest.main).toBe('dist/electron/main/main.cjs');
  });

  it('E11: keytar and the CLI bundle are unpacked next to the archive', () => {
    expect(existsSync(join(appDir(), 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true);
    // The host is the CLI's daemon run by Node, which cannot read inside the archive.
    for (const file of ['main.js', 'agent-token.js', 'launch.mjs', 'bridge-contract.mjs']) expect(existsSync(join(appDir(), 'resources/app.asar.unpacked/dist/cli', file)), file).toBe(true);
    // Beside the bin, so Node loads main.js and agent-token.js as CommonJS at once (no package.json above them says so).
    expect(JSON.parse(readFileSync(join(appDir(), 'resources/app.asar.unpacked/dist/cli/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(existsSync(join(appDir(), 'resources/app.asar.unpacked/node_modules/keytar/lib/keytar.js'))).toBe(true);
  });

  it('E11: the packaged binary has its fuses flipped to the hardened values', async () => {
    const wire = await getCurrentFuseWire(join(appDir(), 'latchkey-desktop'));
    const on = 49;
    const off = 48;
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      enableCookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      enableNodeOptionsEnvironmentVariable: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      enableNodeCliInspectArguments: wire[FuseV1Options.EnableNodeCliInspectArguments],
      enableEmbeddedAsarIntegrityValidation: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyLoadAppFromAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      loadBrowserProcessSpecificV8Snapshot: wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot],
      grantFileProtocolExtraPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toStrictEqual(Object.fromEntries(Object.entries(HARDENED_FUSES).map(([name, value]) => [name, value ? on : off])));
  });

  it('T29: no update feed is shipped', () => {
    expect(existsSync(join(appDir(), 'resources/app-update.yml'))).toBe(false);
  });
});

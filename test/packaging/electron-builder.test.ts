/**
 * E11 / T28 / T29: the packaging configuration, and a real `dir` build against a stub Electron
 * dist (the Electron download is unavailable here). The stub binary carries Electron's fuse wire
 * with Electron's defaults, so the build's fuse flipping is checked on the packaged binary. The
 * app packed is a private copy compiled from the current sources, not the shared dist/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

  it('T28: the app is an asar archive with only keytar\'s native module unpacked', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['**/node_modules/keytar/**/*.node']);
    expect(config.extraMetadata.main).toBe('dist/electron/main/main.js');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/main/**/*.js', 'dist/electron/preload/preload.cjs', 'dist/renderer/**']));
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
    // Package a private copy of the app, compiled from the current sources (type-stripped like tsc
    // emits them), so concurrent builds writing dist/ cannot change files under the packer.
    const app = join(work, 'app');
    await mkdir(app);
    for (const name of ['package.json', 'package-lock.json', 'electron-builder.yml']) await cp(join(root, name), join(app, name));
    await cp(join(root, 'assets'), join(app, 'assets'), { recursive: true });
    await symlink(join(root, 'node_modules'), join(app, 'node_modules'), 'dir');
    if (existsSync(join(root, 'dist/renderer'))) await cp(join(root, 'dist/renderer'), join(app, 'dist/renderer'), { recursive: true });
    const sources = ['electron/main', 'electron/base', 'electron/agent', 'electron/wallet', 'shared'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
        .map((name) => join(root, dir, name)),
    );
    await esbuild({ entryPoints: sources, outbase: root, outdir: join(app, 'dist'), format: 'esm', platform: 'node', target: 'node22', logLevel: 'silent' });
    await esbuild({
      entryPoints: [join(root, 'electron/preload/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      external: ['electron'],
      outfile: join(app, 'dist/electron/preload/preload.cjs'),
      logLevel: 'silent',
    });
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

  it('E11: the asar holds the compiled main process, the preload and the tray icons, and no sources', () => {
    const entries = listPackage(asarPath(), { isPack: false });
    expect(entries).toEqual(expect.arrayContaining(['/dist/electron/main/main.js', '/dist/electron/main/ipc-guard.js', '/dist/electron/preload/preload.cjs', '/assets/tray.png', '/package.json']));
    expect(entries.filter((entry) => /^\/(electron|shared|test|renderer)\//.test(entry) || entry.endsWith('.map'))).toEqual([]);
    expect(entries.filter((entry) => /^\/node_modules\/(electron|electron-builder|vitest|react)\//.test(entry))).toEqual([]);
    const manifest = JSON.parse(extractFile(asarPath(), 'package.json').toString('utf8')) as { main: string };
    expect(manifest.main).toBe('dist/electron/main/main.js');
  });

  it('E11: keytar\'s native module is unpacked next to the archive', () => {
    expect(existsSync(join(appDir(), 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true);
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

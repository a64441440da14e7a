/**
 * E11 / T28 in a real Electron: the desktop app packed by electron-builder's `dir` target against
 * the Electron 25.1.1 test runtime (scripts/package-electron-test.ts: the shipped
 * electron-builder.yml with only the runtime, the rebuild, the fuses Electron 25 lacks and the
 * output replaced), then started as a user starts it. Every fuse Electron 25 has is read back from
 * the packaged binary, and those with a run-time effect here are shown to hold by running it:
 * ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect are ignored and a planted resources/app is not
 * loaded. The window is driven with Playwright's `_electron` on a copy of the binary that differs
 * in the --inspect fuse alone, since the hardened binary refuses the --inspect Playwright needs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { flipFuses, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import type { WebPreferences } from 'electron';
import { _electron } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, RENDERER_CSP } from '../../electron/main/policy.js';
import { FUSE_INDEX, packageForTestRuntime, readShippedConfig, type PackagedTestApp } from '../../scripts/package-electron-test.js';
import { startPackaged } from '../packaging/packaged-run.js';
import { startCli, stopCli, waitForOutput, type RunningCli } from '../support/run-cli.js';
import { chromiumArgs, createProfile, hostPidOf, isAlive, type Profile } from './desktop-app.js';

const runFile = promisify(execFile);

const ON = 49; // '1' on the fuse wire
const OFF = 48; // '0'

let work: string;
let packaged: PackagedTestApp;
const profiles: Profile[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'latchkey-packaged-'));
  packaged = await packageForTestRuntime(work);
}, 240_000);

afterAll(async () => {
  for (const profile of profiles) await profile.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** A data directory, runtime directory and Electron profile of its own, and no inherited injection. */
async function appEnv(profile?: Profile, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const own = profile ?? (await createProfile());
  if (profile === undefined) profiles.push(own);
  const env: NodeJS.ProcessEnv = { ...process.env, ...own.env, ...extra };
  for (const name of ['NODE_OPTIONS', 'ELECTRON_RUN_AS_NODE']) if (extra[name] === undefined) delete env[name];
  return env;
}

/** Electron 25 (the runtime here) has webContents.getLastWebPreferences; Electron 45's typings no longer declare it. */
interface WithLastPreferences {
  getLastWebPreferences(): WebPreferences | null;
}

/**
 * Playwright's _electron needs --inspect, which the hardened binary refuses (T28 below): a copy
 * beside it that differs in that one fuse, made once.
 */
let inspectable: Promise<string> | undefined;
function inspectableBinary(): Promise<string> {
  inspectable ??= (async () => {
    const copy = join(packaged.appDir, 'latchkey-desktop-inspectable');
    await copyFile(packaged.executable, copy);
    await flipFuses(copy, { version: FuseVersion.V1, [FuseV1Options.EnableNodeCliInspectArguments]: true });
    return copy;
  })();
  return inspectable;
}

/** A script that leaves a file behind if anything runs it. */
async function markerScript(name: string): Promise<{ script: string; marker: string }> {
  const marker = join(work, `${name}.ran`);
  const script = join(work, `${name}.cjs`);
  await writeFile(script, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  return { script, marker };
}

describe('the app packed against the Electron 25.1.1 test runtime', () => {
  it('E11: every fuse Electron 25 has reads back hardened from the packaged binary; the one it lacks is named, not checked', async () => {
    const shipped = (await readShippedConfig()).electronFuses ?? {};
    const wire = await getCurrentFuseWire(packaged.executable);
    const wireLength = Object.keys(wire).filter((key) => key !== 'version').length;
    expect(wireLength).toBe(7);
    const read: Record<string, boolean | 'absent'> = {};
    for (const name of Object.keys(shipped) as (keyof typeof FUSE_INDEX)[]) {
      const bit = wire[FUSE_INDEX[name]];
      read[name] = bit === undefined ? 'absent' : bit === ON;
      if (bit !== undefined) expect([ON, OFF]).toContain(bit);
    }
    const expected = Object.fromEntries(Object.entries(shipped).map(([name, value]) => [name, FUSE_INDEX[name as keyof typeof FUSE_INDEX] < wireLength ? value : 'absent']));
    expect(read).toStrictEqual(expected);
    expect(packaged.absentFuses).toEqual(['grantFileProtocolExtraPrivileges']);
  });

  it('E11: ships keytar\'s native module unpacked, and no Electron default app', () => {
    expect(existsSync(join(packaged.appDir, 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true);
    expect(existsSync(join(packaged.appDir, 'resources/default_app.asar'))).toBe(false);
    expect(existsSync(join(packaged.appDir, 'resources/app-update.yml'))).toBe(false);
  });

  it('E11: the CLI outside the asar runs on plain Node and knows its version (baked into the bundle: its package.json is inside the asar)', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const printed = await runFile(process.execPath, [join(packaged.appDir, 'resources/app.asar.unpacked/dist/cli/main.js'), '--version']);
    expect(printed.stdout.trim()).toBe(version);
  });

  describe('attached to a running wallet host', () => {
    // The app attaches to the host already serving its data directory (the CLI's daemon here).
    let profile: Profile;
    let daemon: RunningCli;

    beforeAll(async () => {
      profile = await createProfile();
      profiles.push(profile);
      daemon = startCli(['daemon', '--no-ui'], profile.env);
      await waitForOutput(daemon, 'owner socket:');
    });

    afterAll(async () => {
      await stopCli(daemon);
    });

    it('T28: the hardened binary starts and attaches to the host, ignoring --inspect and NODE_OPTIONS', async () => {
      const { script, marker } = await markerScript('node-options');
      const run = startPackaged(packaged.executable, {
        args: [...chromiumArgs(), '--inspect=0'],
        env: await appEnv(profile, { NODE_OPTIONS: `--require ${script}` }),
      });
      try {
        // By this line the main process has run its start-up: a preloaded script would have run, an inspector listened.
        await run.waitForLine(/attached to the running wallet host/);
        expect(run.stderr()).not.toMatch(/Debugger listening/);
        expect(run.stderr()).toMatch(/NODE_OPTIONS have been disabled/);
        expect(existsSync(marker)).toBe(false);
      } finally {
        await run.stop();
      }
    });

    it('E1 / E6: its window opens from app://latchkey with the hardened web preferences read back, the contract client and the CSP (Playwright, on a copy with only the --inspect fuse turned back on)', async () => {
      const app = await _electron.launch({ executablePath: await inspectableBinary(), args: chromiumArgs(), env: (await appEnv(profile)) as Record<string, string>, timeout: 60_000 });
      try {
        const window = await app.firstWindow();
        expect(window.url()).toBe(APP_ENTRY_URL);
        await window.getByRole('heading', { name: 'Approvals' }).waitFor();
        const seen = await window.evaluate(async () => ({
          node: [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process],
          client: Object.keys((globalThis as unknown as { latchkey: object }).latchkey).sort(),
          csp: (await fetch('/index.html')).headers.get('content-security-policy'),
        }));
        expect(seen).toStrictEqual({ node: ['undefined', 'undefined'], client: ['call', 'connect', 'subscribe'], csp: RENDERER_CSP });
        const preferences = await app.evaluate(({ BrowserWindow }) => {
          const contents = BrowserWindow.getAllWindows()[0]?.webContents as WithLastPreferences | undefined;
          const last = contents?.getLastWebPreferences();
          return last === undefined || last === null
            ? undefined
            : { sandbox: last.sandbox, contextIsolation: last.contextIsolation, nodeIntegration: last.nodeIntegration, webviewTag: last.webviewTag, webSecurity: last.webSecurity };
        });
        expect(preferences).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
        expect(await app.evaluate(({ app: electronApp }) => ({ packaged: electronApp.isPackaged, electron: process.versions.electron }))).toEqual({ packaged: true, electron: packaged.runtime.version });
      } finally {
        await app.close();
      }
    });
  });

  it('E11: with no host running, it starts its own from the CLI outside the asar on the project Node (LATCHKEY_NODE), the window reaches it, and quitting stops it', async () => {
    // The Electron 25 test runtime's Node 18 is below package.json's engines, so the app takes the
    // child-of-Node strategy here; a plain Node cannot read app.asar, hence app.asar.unpacked.
    const profile = await createProfile();
    profiles.push(profile);
    const app = await _electron.launch({
      executablePath: await inspectableBinary(),
      args: chromiumArgs(),
      env: (await appEnv(profile, { LATCHKEY_NODE: process.execPath, LATCHKEY_DEBUG: '1' })) as Record<string, string>,
      timeout: 60_000,
    });
    let hostPid: number | undefined;
    try {
      const window = await app.firstWindow();
      await window.getByRole('heading', { name: 'Approvals' }).waitFor();
      hostPid = await hostPidOf(app.process().pid ?? 0);
      expect(hostPid).toBeGreaterThan(0);
      const cmdline = (await readFile(`/proc/${hostPid ?? 0}/cmdline`, 'utf8')).split('\0').filter((arg) => arg !== '');
      expect(cmdline).toEqual([process.execPath, join(packaged.appDir, 'resources/app.asar.unpacked/dist/cli/main.js'), 'daemon', '--no-ui']);
      const status = await window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<{ mode: string }> } }).latchkey.call('status', {}));
      expect(status.mode).toBe('keychain');
      expect(existsSync(profile.ownerSocket)).toBe(true);
    } finally {
      await app.close();
    }
    expect(existsSync(profile.ownerSocket)).toBe(false);
    expect(isAlive(hostPid ?? 0)).toBe(false);
  });

  it('T28: ELECTRON_RUN_AS_NODE does not turn the packaged binary into Node', async () => {
    const { script, marker } = await markerScript('run-as-node');
    const run = startPackaged(packaged.executable, {
      args: [script, ...chromiumArgs(), '--remote-debugging-port=0'],
      env: await appEnv(undefined, { ELECTRON_RUN_AS_NODE: '1' }),
    });
    try {
      // As Node it would run the script and exit; as Electron it starts Chromium.
      await run.waitForLine(/DevTools listening on ws:\/\//);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await run.stop();
    }
  });

  it('T28: only app.asar is loaded: a planted resources/app does not run, and does once that one fuse is flipped back', async () => {
    // A copy of the packaged app whose archive is swapped for a folder holding someone else's code.
    const tampered = join(work, 'tampered');
    await cp(packaged.appDir, tampered, { recursive: true, filter: (source) => !source.endsWith('app.asar') });
    const binary = join(tampered, 'latchkey-desktop'); // a copy: flipping its fuse leaves the packaged one as it is
    const { marker } = await markerScript('planted');
    await mkdir(join(tampered, 'resources/app'));
    await writeFile(join(tampered, 'resources/app/package.json'), JSON.stringify({ name: 'planted', main: 'main.cjs' }));
    await writeFile(
      join(tampered, 'resources/app/main.cjs'),
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nrequire('electron').app.exit(0);\n`,
    );
    const hardened = startPackaged(binary, { args: chromiumArgs(), env: await appEnv() });
    expect(await hardened.exited).not.toBe(0);
    expect(existsSync(marker)).toBe(false);

    await flipFuses(binary, { version: FuseVersion.V1, [FuseV1Options.OnlyLoadAppFromAsar]: false });
    const opened = startPackaged(binary, { args: chromiumArgs(), env: await appEnv() });
    expect(await opened.exited).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});

/**
 * Starts the built desktop app (dist/desktop) in the real Electron test runtime with Playwright's
 * `_electron`, in a data directory and runtime directory of its own, and reads what only the
 * running app can say: its processes, its memory, its sockets.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { ensureElectronTestRuntime } from '../../scripts/electron-test-runtime.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const APP_DIR = join(ROOT, 'dist/desktop');
export const PRELOAD = join(ROOT, 'dist/electron/preload/preload.cjs');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const RESULTS_DIR = join(ROOT, 'test-results');

/** A data directory, runtime directory and Electron profile for one app (shared by launches of it). */
export interface Profile {
  base: string;
  env: Record<string, string>;
  runtimeDir: string;
  bridgeSocket: string;
  ownerSocket: string;
  remove(): Promise<void>;
}

export async function createProfile(): Promise<Profile> {
  const base = await mkdtemp('/tmp/lkdesk-'); // short: Unix socket paths are limited to 108 bytes
  const runtimeDir = join(base, 'run', 'latchkey');
  const env: Record<string, string> = {
    HOME: base,
    XDG_CONFIG_HOME: join(base, 'config'),
    XDG_RUNTIME_DIR: join(base, 'run'),
    LATCHKEY_HOME: join(base, 'home'),
  };
  return {
    base,
    env,
    runtimeDir,
    bridgeSocket: join(runtimeDir, 'bridge.sock'),
    ownerSocket: join(runtimeDir, 'owner.sock'),
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** Chromium refuses to run as root with its sandbox on (CI runs as root); the window's own sandbox option still holds. */
export function chromiumArgs(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}

export async function electronBinary(): Promise<string> {
  return (await ensureElectronTestRuntime()).executable;
}

export interface RunningApp {
  app: ElectronApplication;
  window: Page;
  /** From launch to the window shown (ready-to-show), in ms. */
  startupMs: number;
  /** Everything the main process wrote (the host's lines at debug level included). */
  output(): string;
  quit(): Promise<void>;
}

/** Launches the app and waits until its window is visible with the renderer's first screen drawn. */
export async function launchApp(profile: Profile, extraEnv: Record<string, string> = {}, extraArgs: readonly string[] = []): Promise<RunningApp> {
  const started = performance.now();
  const app = await _electron.launch({
    executablePath: await electronBinary(),
    args: [...chromiumArgs(), ...extraArgs, APP_DIR],
    env: { ...(process.env as Record<string, string>), ...profile.env, LATCHKEY_DEBUG: '1', ...extraEnv },
    timeout: 60_000,
  });
  let output = '';
  app.process().stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  app.process().stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    const window = await app.firstWindow({ timeout: 60_000 });
    await window.getByRole('heading', { name: 'Approvals' }).waitFor({ timeout: 60_000 });
    await app.evaluate(({ BrowserWindow }) => {
      const shown = BrowserWindow.getAllWindows()[0];
      if (shown === undefined || shown.isVisible()) return undefined;
      return new Promise<void>((done) => shown.once('show', () => done()));
    });
    const startupMs = Math.round(performance.now() - started);
    return { app, window, startupMs, output: () => output, quit: () => app.close() };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new Error(`the app did not show its window: ${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
}

/** Resident memory of a process, in MiB (from /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

/** The wallet host the app started: its child running the CLI's daemon. */
export async function hostPidOf(mainPid: number): Promise<number | undefined> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== mainPid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes('daemon')) return Number(name);
  }
  return undefined;
}

export function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/**
 * What the app hands Electron's Tray and Notification, recorded by a hook loaded into the main
 * process before the app (`--require=<file>`, which the test runtime's loader honours like stock
 * Electron's `-r`; NODE_OPTIONS' --require cannot reach the electron module there): it wraps
 * Tray#setContextMenu and Notification#show and keeps what they were given on the main process's
 * global `latchkeyDesktopSeen`. Returns the launch arguments.
 */
const RECORDER = `'use strict';
const electron = require('electron');
const seen = (globalThis.latchkeyDesktopSeen = { menus: [], notices: [] });
const setContextMenu = electron.Tray.prototype.setContextMenu;
electron.Tray.prototype.setContextMenu = function (menu) {
  seen.menus.push(menu);
  return setContextMenu.call(this, menu);
};
// No notification server runs under Xvfb, so Electron says notifications are unsupported; the
// app would then show none. Say they are, to observe each one the app raises.
electron.Notification.isSupported = () => true;
const show = electron.Notification.prototype.show;
electron.Notification.prototype.show = function () {
  seen.notices.push({ title: this.title, body: this.body });
  return show.call(this);
};
`;

export interface Seen {
  menus: { items: { label: string; submenu?: { items: { label: string; click: () => void }[] } }[] }[];
  notices: { title: string; body: string }[];
}


export async function recordTrayAndNotices(profile: Profile): Promise<string[]> {
  const hook = join(profile.base, 'record-tray-and-notices.cjs');
  await writeFile(hook, RECORDER);
  return [`--require=${hook}`];
}

/** Clicks the item labelled `action` in the submenu of the last tray menu's entry that mentions `entryText`; returns its label. */
export function clickTrayItem(app: ElectronApplication, entryText: string, action: string): Promise<string | undefined> {
  return app.evaluate(
    (_electron, [text, label]) => {
      const seen = (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen;
      const entry = seen.menus.at(-1)?.items.find((item) => item.submenu !== undefined && item.label.includes(text));
      const item = entry?.submenu?.items.find((candidate) => candidate.label === label);
      item?.click();
      return item?.label;
    },
    [entryText, action] as const,
  );
}

/** The labels of the last tray menu's top-level items. */
export function trayLabels(app: ElectronApplication): Promise<string[]> {
  return app.evaluate(() => (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen.menus.at(-1)?.items.map((item) => item.label) ?? []);
}

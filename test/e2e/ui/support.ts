/**
 * Shared setup of the window's end-to-end tests: the renderer built once (into test-results/, so a
 * build by someone else never races these tests), `startDaemon` in-process with a memory vault, the
 * test world's Chromium-driven opener for AS logins and the headless host on; a Playwright page
 * signed in through the daemon's one-time link (`#signin=…`: the window trades it for a session in
 * this tab's sessionStorage) in a loopback-only context of the world's Chromium; and a watch on
 * the page for dialogs, console errors, page errors and CSP violations.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createBridgeClient, type BridgeClient } from '../../../electron/agent/bridge-client/client.js';
import { startDaemon, type Daemon } from '../../../electron/wallet/host/daemon.js';
import type { Opener } from '../../../electron/base/ports.js';
import { startWorld, type World } from '../../world/index.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const RESULTS_DIR = join(ROOT, 'test-results');
export const SCREENSHOT_DIR = join(RESULTS_DIR, 'screenshots');
const RENDERER_OUT = join(RESULTS_DIR, 'ui-renderer');
const BUILD_LOCK = join(tmpdir(), 'latchkey-e2e-ui-build.lock');
const SOURCES = ['renderer', 'shared'].map((dir) => join(ROOT, dir));

export type ScreenName = 'Approvals' | 'Agents' | 'Connections' | 'Activity' | 'Policy' | 'Settings';
export type Theme = 'light' | 'dark';

/** Newest modification time under `dirs` (ms). */
async function newestMtime(dirs: string[]): Promise<number> {
  let newest = 0;
  for (const dir of dirs) {
    for (const name of await readdir(dir, { recursive: true })) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isFile() === true) newest = Math.max(newest, info.mtimeMs);
    }
  }
  return newest;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

/**
 * The built window, rebuilt when renderer/ or shared/ changed since the last build. One build at a
 * time across test workers (flock); the others wait for it and then find it fresh.
 * LATCHKEY_E2E_RENDERER_DIR points at a build to use as it is (e.g. dist/renderer).
 */
export async function ensureRenderer(): Promise<string> {
  const given = process.env['LATCHKEY_E2E_RENDERER_DIR'];
  if (given !== undefined && given !== '') return resolve(ROOT, given);
  const index = join(RENDERER_OUT, 'index.html');
  const fresh = async (): Promise<boolean> => existsSync(index) && (await stat(index)).mtimeMs >= (await newestMtime(SOURCES));
  if (await fresh()) return RENDERER_OUT;
  await mkdir(RESULTS_DIR, { recursive: true });
  const vite = join(ROOT, 'node_modules', '.bin', 'vite');
  const script = `test -f "$1/index.html" && [ -z "$(find ${SOURCES.map((s) => `"${s}"`).join(' ')} -type f -newer "$1/index.html" -print -quit)" ] || "$2" build --config renderer/vite.config.ts --outDir "$1" --emptyOutDir --logLevel warn`;
  await run('flock', [BUILD_LOCK, 'sh', '-c', script, 'build', RENDERER_OUT, vite]);
  return RENDERER_OUT;
}

/** What the page did that it must not: dialogs (alert/confirm/prompt), errors, CSP violations. */
export interface PageWatch {
  readonly dialogs: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  /** From `securitypolicyviolation` events, collected in the page. */
  cspViolations(): Promise<string[]>;
  /** Fails the test if any of the above happened. */
  expectClean(): Promise<void>;
}

/** Recorded in the page by an init script (it runs before the window's own scripts; the CSP does not apply to it). */
const CSP_RECORDER = `(() => {
  const seen = [];
  Object.defineProperty(globalThis, '__latchkeyCspViolations', { value: seen });
  document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' ' + (e.sample || '')), true);
})();`;

export async function watchPage(page: Page): Promise<PageWatch> {
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  await page.addInitScript({ content: CSP_RECORDER });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const cspViolations = (): Promise<string[]> =>
    page.evaluate(() => [...((globalThis as unknown as { __latchkeyCspViolations?: string[] }).__latchkeyCspViolations ?? [])]);
  return {
    dialogs,
    consoleErrors,
    pageErrors,
    cspViolations,
    async expectClean() {
      expect(dialogs, 'dialogs').toEqual([]);
      expect(pageErrors, 'page errors').toEqual([]);
      expect(consoleErrors, 'console errors').toEqual([]);
      expect(await cspViolations(), 'CSP violations').toEqual([]);
    },
  };
}

export interface UiFixture {
  readonly world: World;
  readonly daemon: Daemon;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly watch: PageWatch;
  /** The agent side: the real bridge client over the daemon's socket, with this secret. */
  bridge(secret: string, timeoutMs?: number): BridgeClient;
  close(): Promise<void>;
}

export interface UiOptions {
  /** How long an agent's request waits for the owner (default 60 s). */
  approvalTimeoutMs?: number;
  /** What opens pages (default: the world's opener, which signs in at the AS). */
  opener?: Opener;
  /** The bridge on 127.0.0.1 too (default false: the socket only). */
  tcp?: boolean;
}

/** The daemon in-process (memory vault, the world's opener, the window on), and a signed-in page. */
export async function startUi(world: World, options: UiOptions = {}): Promise<UiFixture> {
  const staticDir = await ensureRenderer();
  const home = await mkdtemp(join(tmpdir(), 'latchkey-ui-'));
  const runtimeDir = await mkdtemp('/tmp/lku-'); // short: Unix socket paths are limited to 108 bytes
  const daemon = await startDaemon(
    { home, allowInsecureLoopback: true, vault: { mode: 'memory' } },
    { opener: options.opener ?? world.opener },
    { runtimeDir, approvalTimeoutMs: options.approvalTimeoutMs ?? 60_000, tcp: options.tcp ?? false, ui: { staticDir } },
  );
  const bridges: BridgeClient[] = [];
  let context: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    for (const client of bridges) client.close();
    await context?.close().catch(() => undefined);
    await daemon.close();
    for (const dir of [home, runtimeDir]) await rm(dir, { recursive: true, force: true });
  };
  try {
    context = await world.chromium.newContext();
    const page = await context.newPage();
    const watch = await watchPage(page);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(daemon.ui!.oneTimeUrl());
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    if (page.url() !== `${daemon.ui!.url}/`) throw new Error('signing in left the link in the address bar');
    return {
      world,
      daemon,
      context,
      page,
      watch,
      bridge(secret, timeoutMs = 90_000) {
        const client = createBridgeClient({ socketPath: daemon.bridge.socketPath, url: daemon.bridge.url, secret, timeoutMs });
        bridges.push(client);
        return client;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A test file's world and signed-in window, there while its tests run. */
export interface UiSuite {
  readonly world: World;
  readonly ui: UiFixture;
  readonly page: Page;
}

export interface UiSuiteOptions extends UiOptions {
  /** What the file's tests start from, set up once the window is open (through the daemon or its vault). */
  prepare?: (ui: UiFixture) => Promise<void>;
}

/**
 * Starts the world and the window before the file's tests (then `prepare`) and closes both after
 * them. Read the fields inside tests and hooks: before the file's tests start they are not there yet.
 */
export function useUiSuite(options: UiSuiteOptions = {}): UiSuite {
  const { prepare, ...uiOptions } = options;
  let world: World | undefined;
  let ui: UiFixture | undefined;
  beforeAll(async () => {
    world = await startWorld();
    ui = await startUi(world, uiOptions);
    await prepare?.(ui);
  }, 60_000);
  afterAll(async () => {
    await ui?.close();
    await world?.close();
  });
  const started = (): UiFixture => {
    if (ui === undefined) throw new Error('the window is not started yet: read the suite inside a test');
    return ui;
  };
  return {
    get world() {
      return started().world;
    },
    get ui() {
      return started();
    },
    get page() {
      return started().page;
    },
  };
}

/**
 * Signs the page in again with a fresh one-time link: the window reads the wallet as it is now,
 * for state a test seeded behind the wallet's back (the vault directly: no live event).
 */
export async function reopenWindow(ui: UiFixture): Promise<void> {
  await ui.page.goto(ui.daemon.ui!.oneTimeUrl());
  await ui.page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
}

/** The section's button in the sidebar. */
export function navButton(page: Page, screen: ScreenName): Locator {
  return page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: new RegExp(`^${screen}\\b`) });
}

/** Opens a section by clicking it in the sidebar and waits for its heading. */
export async function openScreen(page: Page, screen: ScreenName): Promise<void> {
  await navButton(page, screen).click();
  await page.getByRole('heading', { level: 1, name: screen }).waitFor();
}

/** Chooses a theme with the window's own control (Settings → Appearance), then returns to `back`. */
export async function chooseTheme(page: Page, theme: Theme, back?: ScreenName): Promise<void> {
  await openScreen(page, 'Settings');
  await page.getByRole('radio', { name: theme === 'light' ? 'Light' : 'Dark' }).check();
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset['theme'])).toBe(theme);
  if (back !== undefined) await openScreen(page, back);
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** The page's visible text, for "rendered as text" checks. */
export function bodyText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

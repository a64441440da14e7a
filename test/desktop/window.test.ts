/**
 * The desktop window in a real Electron (E1, E6, E7, T19, T20 at run time): it opens from the app
 * protocol with the hardened web preferences and the CSP header, the preload exposes exactly the
 * contract's client, a page of another origin cannot call the wallet, and navigation, new
 * windows, webviews and permission requests are refused. Screenshots of every screen, light and
 * dark, go to test-results/screenshots/desktop-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, RENDERER_CSP } from '../../electron/main/policy.js';
import { chooseTheme, openScreen, saveScreenshot, type ScreenName } from '../e2e/ui/support.js';
import { createProfile, launchApp, PRELOAD, type Profile, type RunningApp } from './desktop-app.js';

const SCREENS: readonly ScreenName[] = ['Approvals', 'Agents', 'Connections', 'Activity', 'Policy', 'Settings'];

let profile: Profile;
let running: RunningApp;

beforeAll(async () => {
  profile = await createProfile();
  running = await launchApp(profile);
});

afterAll(async () => {
  await running?.quit();
  await profile?.remove();
});

/** How many web contents and windows the main process holds. */
function counts(): Promise<{ windows: number; contents: number }> {
  return running.app.evaluate(({ BrowserWindow, webContents }) => ({ windows: BrowserWindow.getAllWindows().length, contents: webContents.getAllWebContents().length }));
}

describe('the window in a real Electron', () => {
  it('E1: opens from the app protocol with sandbox, context isolation and no Node integration, read back at run time', async () => {
    expect(running.window.url()).toBe(APP_ENTRY_URL);
    const preferences = await running.app.evaluate(({ BrowserWindow }) => {
      // getLastWebPreferences is Electron 25's (the test runtime); Electron 45's typings no longer list it.
      const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null } | undefined;
      const last = contents?.getLastWebPreferences();
      return last === undefined || last === null
        ? undefined
        : { sandbox: last.sandbox, contextIsolation: last.contextIsolation, nodeIntegration: last.nodeIntegration, nodeIntegrationInSubFrames: last.nodeIntegrationInSubFrames, webviewTag: last.webviewTag, webSecurity: last.webSecurity };
    });
    expect(preferences).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webviewTag: false, webSecurity: true });
    expect(await running.window.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
  });

  it('E6: every page of the app comes with the strict CSP header', async () => {
    const csp = await running.window.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
    expect(csp).toBe(RENDERER_CSP);
  });

  it('the preload exposes exactly the contract client: call, connect, subscribe — and nothing of Electron', async () => {
    const exposed = await running.window.evaluate(() => {
      const latchkey = (globalThis as unknown as { latchkey: Record<string, unknown> }).latchkey;
      return { keys: Object.keys(latchkey).sort(), types: Object.values(latchkey).map((value) => typeof value), ipc: 'ipcRenderer' in globalThis || 'electron' in globalThis };
    });
    expect(exposed).toEqual({ keys: ['call', 'connect', 'subscribe'], types: ['function', 'function', 'function'], ipc: false });
    const agents = await running.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<unknown> } }).latchkey.call('listAgents', {}));
    expect(agents).toEqual([]);
  });

  it('T19: a page of another origin with the same preload is refused by the IPC guard', async () => {
    const before = await counts();
    const forged = running.app.waitForEvent('window');
    await running.app.evaluate(({ BrowserWindow }, preload) => {
      const other = new BrowserWindow({ show: false, webPreferences: { preload, sandbox: true, contextIsolation: true } });
      void other.loadURL('data:text/html,<title>elsewhere</title><p>another origin</p>');
    }, PRELOAD);
    const page = await forged;
    await page.waitForLoadState('domcontentloaded');
    const answer = await page.evaluate(async () => {
      const latchkey = (globalThis as unknown as { latchkey?: { call: (m: string, p: unknown) => Promise<unknown> } }).latchkey;
      if (latchkey === undefined) return 'no client';
      return latchkey.call('listAgents', {}).then(
        () => 'answered',
        (error: { code?: string }) => error.code ?? 'no code',
      );
    });
    expect(answer).toBe('bridge.forbidden_origin');
    await page.close();
    expect(await counts()).toEqual(before);
  });

  it('T20: navigation away, window.open and target=_blank links open nothing', async () => {
    const before = await counts();
    // Every navigation the window starts is recorded in the main process, from before the attempts.
    await running.app.evaluate(({ BrowserWindow }) => {
      const started: string[] = [];
      BrowserWindow.getAllWindows()[0]?.webContents.on('did-start-navigation', (_event, url) => started.push(url));
      (globalThis as unknown as { startedNavigations: string[] }).startedNavigations = started;
    });
    await running.window.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/elsewhere';
    });
    const opened = await running.window.evaluate(() => {
      const open = (globalThis as unknown as { open: (url: string) => unknown }).open;
      return open('https://example.com/popup') === null;
    });
    expect(opened).toBe(true);
    await running.window.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement: (tag: string) => { href: string; target: string; click: () => void; remove: () => void }; body: { append: (node: unknown) => void } } }).document;
      const link = doc.createElement('a');
      link.href = 'https://example.com/blank';
      link.target = '_blank';
      doc.body.append(link);
      link.click();
      link.remove();
    });
    // A same-document marker after the attempts: once the main process has seen it, it has seen whatever came before.
    await running.window.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#after-the-attempts';
    });
    await expect.poll(() => running.app.evaluate(() => (globalThis as unknown as { startedNavigations: string[] }).startedNavigations)).toEqual([`${APP_ENTRY_URL}#after-the-attempts`]);
    expect(await counts()).toEqual(before);
    expect(await running.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.webContents.getURL())).toBe(`${APP_ENTRY_URL}#after-the-attempts`);
  });

  it('T20: a webview is inert and every permission request is denied', async () => {
    const before = await counts();
    await running.window.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement: (tag: string) => { setAttribute: (k: string, v: string) => void; remove: () => void }; body: { append: (node: unknown) => void } } }).document;
      const view = doc.createElement('webview');
      view.setAttribute('src', 'https://example.com/');
      doc.body.append(view);
      view.remove();
    });
    const permissions = await running.window.evaluate(async () => {
      const nav = (globalThis as unknown as { navigator: { permissions: { query: (q: { name: string }) => Promise<{ state: string }> } } }).navigator;
      const notification = (globalThis as unknown as { Notification: { requestPermission: () => Promise<string> } }).Notification;
      return {
        notifications: await notification.requestPermission(),
        geolocation: (await nav.permissions.query({ name: 'geolocation' })).state,
      };
    });
    expect(permissions).toEqual({ notifications: 'denied', geolocation: 'denied' });
    expect(await counts()).toEqual(before);
  });

  it('screenshots of every screen, light and dark, from the real window', async () => {
    const page = running.window;
    const saved: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      await chooseTheme(page, theme);
      for (const screen of SCREENS) {
        await openScreen(page, screen);
        await page.getByText('Loading…').waitFor({ state: 'detached' });
        saved.push(await saveScreenshot(page, `desktop-${screen.toLowerCase()}-${theme}`));
      }
    }
    expect(saved).toHaveLength(12);
  });
});

/**
 * Static checks of the window's security settings (threats T18, T20, T22): every window's
 * preferences, the CSP, the deny-everything handlers and the absence of embedded web content.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, RENDERER_CSP, SECURE_WEB_PREFERENCES } from '../../../electron/main/policy.js';
import { rendererHeaders } from '../../../electron/main/renderer-files.js';
import { calls, listenersFor, literalOf, news, property, readSources, unwrapExpression, type Source } from './source-ast.js';

const main = readSources('electron/main');
const preload = readSources('electron/preload');
const shell = [...main, ...preload];
const source = (name: string): Source => {
  const found = main.find((s) => s.path === `electron/main/${name}`);
  if (found === undefined) throw new Error(`electron/main/${name} is missing`);
  return found;
};
const textOf = (node: ts.Node): string => node.getText();

describe('E1: every BrowserWindow has the secure webPreferences', () => {
  it('E1: the secure preferences constant has exactly the required values', () => {
    expect(SECURE_WEB_PREFERENCES).toStrictEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });

  it('E1: each `new BrowserWindow(…)` spells out exactly those preferences plus a preload path', () => {
    const windows = main.flatMap((s) => news(s, 'BrowserWindow').map((node) => ({ s, node })));
    expect(windows.length).toBeGreaterThan(0);
    for (const { s, node } of windows) {
      const options = node.arguments?.[0];
      expect(options !== undefined && ts.isObjectLiteralExpression(options), `${s.path}: options must be an object literal`).toBe(true);
      const prefs = property(options as ts.ObjectLiteralExpression, 'webPreferences');
      expect(prefs !== undefined && ts.isPropertyAssignment(prefs), `${s.path}: webPreferences must be set`).toBe(true);
      const literal = unwrapExpression((prefs as ts.PropertyAssignment).initializer);
      expect(ts.isObjectLiteralExpression(literal), `${s.path}: webPreferences must be a literal`).toBe(true);
      const values: Record<string, unknown> = {};
      for (const element of (literal as ts.ObjectLiteralExpression).properties) {
        expect(ts.isSpreadAssignment(element), `${s.path}: no spreads in webPreferences`).toBe(false);
        const name = element.name !== undefined && ts.isIdentifier(element.name) ? element.name.text : textOf(element);
        if (name === 'preload') continue;
        expect(ts.isPropertyAssignment(element), `${s.path}: ${name} must be a literal value`).toBe(true);
        values[name] = literalOf((element as ts.PropertyAssignment).initializer);
      }
      expect(values).toStrictEqual(SECURE_WEB_PREFERENCES);
      expect(property(literal as ts.ObjectLiteralExpression, 'preload')).toBeDefined();
    }
  });

  it('E1: nothing else in the shell turns a preference back on', () => {
    for (const s of shell) {
      expect(s.text, s.path).not.toMatch(/(nodeIntegration\w*|webviewTag|allowRunningInsecureContent|experimentalFeatures)\s*:\s*true/);
      expect(s.text, s.path).not.toMatch(/(contextIsolation|sandbox|webSecurity)\s*:\s*false/);
    }
  });
});

describe('E6: the renderer is served with the strict CSP', () => {
  it('E6: the CSP constant is the strict policy', () => {
    expect(RENDERER_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    expect(RENDERER_CSP).not.toMatch(/unsafe-|\*|https?:/);
  });

  it('E6: every renderer response carries it, and the protocol handler uses those headers', () => {
    expect(rendererHeaders('/x/index.html')['Content-Security-Policy']).toBe(RENDERER_CSP);
    expect(rendererHeaders('/x/app.js')['X-Content-Type-Options']).toBe('nosniff');
    const protocol = source('protocol.ts');
    const handlers = calls(protocol, 'handle');
    expect(handlers).toHaveLength(1);
    const handler = textOf(handlers[0]!);
    expect(handler).toContain('resolveRendererFile(request.url, root)');
    expect(handler).toContain('headers: rendererHeaders(file)');
    expect(handler.match(/status: 200/g)).toHaveLength(1);
  });

  it('E6: the app scheme is standard and secure and bypasses nothing', () => {
    const register = calls(source('protocol.ts'), 'registerSchemesAsPrivileged');
    expect(register).toHaveLength(1);
    const text = textOf(register[0]!);
    expect(text).toMatch(/standard: true/);
    expect(text).toMatch(/secure: true/);
    expect(text).not.toMatch(/bypassCSP|allowServiceWorkers|corsEnabled/);
  });
});

describe('E7: navigation, new windows, webviews, permissions and downloads are denied', () => {
  const window = source('window.ts');
  const preventsDefault = (call: ts.CallExpression): boolean => /^\(event\) => event\.preventDefault\(\)$/.test(textOf(call.arguments[1]!));

  it.each(['will-navigate', 'will-redirect', 'will-attach-webview', 'will-download'])('E7: %s is refused', (event) => {
    const listeners = listenersFor(window, event);
    expect(listeners).toHaveLength(1);
    expect(preventsDefault(listeners[0]!)).toBe(true);
  });

  it('E7: window.open and target=_blank are denied', () => {
    const handlers = calls(window, 'setWindowOpenHandler');
    expect(handlers).toHaveLength(1);
    expect(textOf(handlers[0]!.arguments[0]!)).toBe("() => ({ action: 'deny' })");
  });

  it('E7: every permission request, check and device request is refused', () => {
    const request = calls(window, 'setPermissionRequestHandler');
    expect(request).toHaveLength(1);
    expect(textOf(request[0]!.arguments[0]!)).toMatch(/^\(_contents, _permission, callback\) => callback\(false\)$/);
    for (const name of ['setPermissionCheckHandler', 'setDevicePermissionHandler']) {
      const handlers = calls(window, name);
      expect(handlers, name).toHaveLength(1);
      expect(textOf(handlers[0]!.arguments[0]!), name).toBe('() => false');
    }
  });

  it('E7: the hardening applies to every web contents and to the session the window uses', () => {
    const entry = source('main.ts');
    const created = listenersFor(entry, 'web-contents-created');
    expect(created).toHaveLength(1);
    expect(textOf(created[0]!.arguments[1]!)).toContain('hardenContents(contents)');
    expect(calls(entry, 'hardenSession').map((c) => textOf(c))).toEqual(['hardenSession(session.defaultSession)']);
    expect(textOf(news(window, 'BrowserWindow')[0]!.arguments![0]!)).not.toMatch(/partition|session:/);
    // hardenContents also runs on the window itself, before it loads anything.
    const create = textOf(window.tree.statements.find((st) => ts.isFunctionDeclaration(st) && st.name?.text === 'createMainWindow')!);
    expect(create.indexOf('hardenContents(window.webContents)')).toBeGreaterThan(-1);
    expect(create.indexOf('hardenContents(window.webContents)')).toBeLessThan(create.indexOf('loadURL('));
  });
});

describe('E10: no embedded web content; logins only through the Opener', () => {
  it('E10: no BrowserView, WebContentsView or webview anywhere in the shell', () => {
    for (const s of shell) {
      expect(s.text, s.path).not.toMatch(/\bBrowserView\b|\bWebContentsView\b|<webview|createElement\(\s*['\"]webview/i);
    }
  });

  it('E10: the only page ever loaded is the app entry on app://latchkey', () => {
    expect(APP_ENTRY_URL).toBe('app://latchkey/index.html');
    const loads = main.flatMap((s) => [...calls(s, 'loadURL'), ...calls(s, 'loadFile')]);
    expect(loads.map((c) => textOf(c))).toEqual(['window.loadURL(APP_ENTRY_URL)']);
    for (const s of shell) expect(s.text, s.path).not.toMatch(/loadURL\(\s*['"`]|https?:\/\/(?!localhost)/);
  });

  it('E10: URLs leave the app only through shell.openExternal after validateOpenUrl, never a shell', () => {
    const opens = main.flatMap((s) => calls(s, 'openExternal').map((c) => textOf(c)));
    expect(opens).toEqual(['shell.openExternal(validateOpenUrl(url, policy).href)']);
    for (const s of main) {
      if (s.path === 'electron/main/host-spawner.ts') continue;
      expect(s.text, s.path).not.toMatch(/child_process|\bexec(File)?\(|\bspawn\(|openPath\(/);
    }
    // The one process the shell starts is the wallet host: the CLI's daemon, no shell, no URL; on the
    // project's Node as a child, or on Electron's own Node as a utilityProcess (main.ts hands in fork).
    const hostLaunch = main.find((s) => s.path === 'electron/main/host-spawner.ts')!;
    expect(calls(hostLaunch, 'spawn').map((c) => textOf(c))).toEqual(["spawn(node, [cliEntry, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })"]);
    expect(calls(hostLaunch, 'fork').map((c) => textOf(c))).toEqual(["fork(cliEntry, [...args], { serviceName: HOST_SERVICE_NAME, stdio: ['ignore', 'ignore', 'pipe'], env })"]);
    expect(hostLaunch.text).not.toMatch(/shell:|\bexec(File)?\(|openPath\(/);
    expect(calls(main.find((s) => s.path === 'electron/main/main.ts')!, 'fork').map((c) => textOf(c))).toEqual(['utilityProcess.fork(modulePath, args, options)']);
  });

  it('E10: the preload exposes exactly one key, `latchkey`', () => {
    const exposes = preload.flatMap((s) => calls(s, 'exposeInMainWorld'));
    expect(exposes).toHaveLength(1);
    expect(literalOf(exposes[0]!.arguments[0]!)).toBe('latchkey');
    expect(preload.flatMap((s) => calls(s, 'exposeInIsolatedWorld'))).toHaveLength(0);
  });
});

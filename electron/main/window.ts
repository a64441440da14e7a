/**
 * The one window and the hardening every web contents and the session get: navigation, new
 * windows, webviews, permissions and downloads are all refused (threat T20, test E7).
 */
import { BrowserWindow, type Session, type WebContents } from 'electron';
import { APP_ENTRY_URL, type SECURE_WEB_PREFERENCES } from './policy.js';

/** Refuses every permission request and check, and every download, in `session`. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}

/** Applied to every web contents the app creates (app 'web-contents-created'). */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createMainWindow(preload: string, icon?: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Latchkey',
    autoHideMenuBar: true,
    ...(icon === undefined ? {} : { icon }),
    // Spelled out (not spread) so scanners such as Electronegativity see them; a test checks
    // that they equal SECURE_WEB_PREFERENCES exactly.
    webPreferences: {
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
      preload,
    } satisfies typeof SECURE_WEB_PREFERENCES & { preload: string },
  });
  hardenContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  // A failed load leaves an empty window; the tray still works and reopening retries.
  window.loadURL(APP_ENTRY_URL).catch(() => undefined);
  return window;
}

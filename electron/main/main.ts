/**
 * The Electron entry: one instance per user, the wallet host (vault, agent bridge, owner socket)
 * in this process, the window, the tray and a notification for each new approval. Quitting
 * closes the host, which removes the bridge socket and its discovery file.
 */
import { join } from 'node:path';
import { app, dialog, session, shell, type BrowserWindow } from 'electron';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { defaultRuntimeDir } from '../base/runtime/discovery.js';
import { startDaemon, type Daemon } from '../wallet/host/daemon.js';
import { findOwnerEndpoint } from '../wallet/host/owner-client.js';
import { createLogger } from '../base/log/logger.js';
import { removeSecretsFromEnv } from '../base/process/scrub-env.js';
import { validateOpenUrl } from '../base/opener/validate.js';
import type { Opener } from '../base/ports.js';
import { registerWalletIpc } from './ipc.js';
import { desktopConfig } from './desktop-config.js';
import { createDesktopNotifier } from './notifier.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { createTray, type LatchkeyTray } from './tray.js';
import { createMainWindow, hardenContents, hardenSession } from './window.js';

const here = import.meta.dirname;
const paths = {
  renderer: join(here, '../../renderer'),
  preload: join(here, '../preload/preload.cjs'),
  trayIcon: join(here, '../../../assets', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  appIcon: join(here, '../../../assets/icon.png'),
};

const logger = createLogger({ level: process.env['LATCHKEY_DEBUG'] === '1' ? 'debug' : 'info' });
let daemon: Daemon | undefined;
let window: BrowserWindow | undefined;
let tray: LatchkeyTray | undefined;
let quitting = false;

function openWindow(): void {
  if (window === undefined || window.isDestroyed()) {
    window = createMainWindow(paths.preload, paths.appIcon);
    window.on('closed', () => (window = undefined));
  } else {
    if (window.isMinimized()) window.restore();
    window.show();
  }
  window.focus();
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession);
  serveRenderer(paths.renderer);
  const config = desktopConfig(process.env);
  // T34: read once; from here on nothing this process starts (xdg-open, through shell.openExternal) inherits a Latchkey secret.
  removeSecretsFromEnv(process.env);
  const policy = { allowInsecureLoopback: config.allowInsecureLoopback };
  // Logins happen in the system browser only (T22), after the A7 checks; never through a shell.
  const opener: Opener = { open: (url) => shell.openExternal(validateOpenUrl(url, policy).href) };
  // A notice for each approval (E9); the wallet decides what it says and what its buttons do.
  const notifier = createDesktopNotifier({ openWindow, logger, platform: process.platform });
  const runtimeDir = defaultRuntimeDir({ ...process.env, LATCHKEY_HOME: config.home });
  if ((await findOwnerEndpoint(runtimeDir).catch(() => undefined)) !== undefined) {
    throw new LatchkeyError(ErrorCode.VaultInUse, 'A Latchkey daemon is already running for this data directory.', {
      hint: 'Stop `latchkey daemon` first, then start the app again.',
    });
  }
  daemon = await startDaemon(config, { opener, notifier, logger, env: process.env }, { runtimeDir });
  const wallet = daemon.wallet;
  registerWalletIpc(wallet);
  const decide = (id: string, decision: 'approve' | 'deny'): void => {
    wallet.decideApproval({ id, decision }).catch((error: unknown) => {
      logger.warn('deciding from the tray failed', { approval: id, reason: error instanceof LatchkeyError ? error.code : 'unknown' });
      openWindow();
    });
  };
  tray = createTray({ icon: paths.trayIcon, openWindow, decide, quit: () => app.quit() });
  const refreshTray = (): void => {
    wallet.listApprovals({ status: 'pending' }).then((pending) => tray?.showPending(pending), () => undefined);
  };
  wallet.subscribe((event) => {
    if (event.type === 'approval.raised' || event.type === 'approval.decided') refreshTray();
  });
  refreshTray();
  openWindow();
}

function fail(error: unknown): void {
  const message = error instanceof LatchkeyError ? `${error.message}${error.hint === undefined ? '' : `\n\n${error.hint}`}` : 'Latchkey could not start.';
  logger.error('startup failed', { reason: error instanceof Error ? error.message : 'unknown' });
  dialog.showErrorBox('Latchkey', message);
  quitting = true;
  app.exit(1);
}

registerAppScheme();
if (!app.requestSingleInstanceLock()) {
  app.quit(); // the first instance shows its window (second-instance below)
} else {
  app.on('second-instance', () => openWindow());
  app.on('activate', () => openWindow());
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => undefined); // stay in the tray
  app.on('before-quit', (event) => {
    if (quitting || daemon === undefined) return;
    event.preventDefault();
    quitting = true;
    tray?.destroy();
    daemon.close().then(
      () => app.quit(),
      () => app.exit(1),
    );
  });
  start().catch(fail);
}

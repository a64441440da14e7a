/**
 * The Electron entry: one instance per user, the window, the tray and a notification for each
 * new approval, over a wallet host in another process (host-process.ts): the one already running
 * for the data directory, or one this app starts and, on quit, stops (which removes the bridge
 * socket and its discovery file). Closing the window leaves the host and the tray.
 */
import { join } from 'node:path';
import { app, dialog, session, shell, utilityProcess, type BrowserWindow } from 'electron';
import { LatchkeyError } from '../../shared/errors.js';
import { defaultRuntimeDir } from '../base/runtime/discovery.js';
import { createLogger } from '../base/log/logger.js';
import { removeSecretsFromEnv } from '../base/process/scrub-env.js';
import { validateOpenUrl } from '../base/opener/validate.js';
import { systemClock, type Opener } from '../base/ports.js';
import { attachApprovalNotices } from '../wallet/approvals/approval-notices.js';
import { registerWalletIpc } from './ipc.js';
import { desktopConfig } from './desktop-config.js';
import { attachOrStartHost } from './host-process.js';
import { keepHost, type KeptHost, type OpenedHost } from './host-keeper.js';
import { chooseHostSpawner, readEnginesRange, unpackedPath } from './host-runtime.js';
import { nodeSpawner, utilityProcessSpawner } from './host-spawner.js';
import { approvalsOf, openHostWallet } from './host-wallet.js';
import { createDesktopNotifier } from './notifier.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { createTray, type LatchkeyTray } from './tray.js';
import { createMainWindow, hardenContents, hardenSession } from './window.js';

const here = import.meta.dirname;
const paths = {
  renderer: join(here, '../../renderer'),
  preload: join(here, '../preload/preload.cjs'),
  // Outside app.asar in a packaged app: the project's Node cannot read inside the archive.
  cli: unpackedPath(join(here, '../../cli/main.js')),
  trayIcon: join(here, '../../../assets', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  appIcon: join(here, '../../../assets/icon.png'),
};

const logger = createLogger({ level: process.env['LATCHKEY_DEBUG'] === '1' ? 'debug' : 'info' });
let host: KeptHost | undefined;
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

/** The host's environment: ours as started, less what only Electron reads. */
function hostEnv(env: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, LATCHKEY_HOME: home };
  for (const name of Object.keys(out)) if (name.startsWith('ELECTRON_') || name === 'NODE_OPTIONS') delete out[name];
  return out;
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession);
  serveRenderer(paths.renderer);
  const config = desktopConfig(process.env);
  const childEnv = hostEnv(process.env, config.home);
  // T34: read once; from here on nothing else this process starts (xdg-open, through shell.openExternal) inherits a Latchkey secret.
  removeSecretsFromEnv(process.env);
  const policy = { allowInsecureLoopback: config.allowInsecureLoopback };
  // Logins happen in the system browser only (T22), after the A7 checks; never through a shell.
  const opener: Opener = { open: (url) => shell.openExternal(validateOpenUrl(url, policy).href) };
  const runtimeDir = defaultRuntimeDir({ ...childEnv, LATCHKEY_HOME: config.home });
  const spawner = chooseHostSpawner({
    electronNode: process.versions.node,
    enginesRange: readEnginesRange(app.getAppPath()),
    utilityProcess: () => utilityProcessSpawner((modulePath, args, options) => utilityProcess.fork(modulePath, args, options)),
    projectNode: () => nodeSpawner(childEnv['LATCHKEY_NODE'] ?? 'node'),
  });
  const openHost = async (onGone: () => void): Promise<OpenedHost> => {
    const started = await attachOrStartHost({ runtimeDir, spawner, cliEntry: paths.cli, env: childEnv, logger });
    logger.info(started.startedHere ? 'started the wallet host' : 'attached to the running wallet host', { pid: started.pid ?? 0, ...(started.startedHere ? { runtime: spawner.kind } : {}) });
    try {
      const opened = await openHostWallet(started.endpoint, { opener, allowInsecureLoopback: config.allowInsecureLoopback }, onGone);
      return { wallet: opened.wallet, startedHere: started.startedHere, ...(started.pid === undefined ? {} : { pid: started.pid }), close: opened.close, stop: started.stop };
    } catch (error) {
      await started.stop();
      throw error;
    }
  };
  // A host that goes away is found or started again (host-keeper.ts); the app quits only if none can be kept.
  host = await keepHost({
    open: openHost,
    logger,
    clock: systemClock,
    onReopened: () => refreshTray(),
    onGiveUp: (error) => {
      if (!quitting) fail(error);
    },
  });
  const wallet = host.wallet;
  registerWalletIpc(wallet);
  // A notice for each approval (E9); the wallet's words (noticeFor), decided on the host.
  const notifier = createDesktopNotifier({ openWindow, logger, platform: process.platform });
  attachApprovalNotices({ approvals: approvalsOf(wallet, logger, openWindow), notifier, logger, openWindow });
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
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    tray?.destroy();
    // Only a host this app started is stopped; one found running keeps serving its agents.
    (host?.stop() ?? Promise.resolve()).then(
      () => app.quit(),
      () => app.exit(1),
    );
  });
  start().catch(fail);
}

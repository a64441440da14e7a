/**
 * The window's security policy in one place, free of Electron runtime imports so tests read the
 * very values the shell uses (threats T18–T20, tests E1 and E6). The CSP is the headless host's.
 */
import type { WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../wallet/host/http-host.js';

/** The renderer is served from `app://latchkey/` (a standard, secure custom scheme). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'latchkey';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The Content-Security-Policy header of every renderer response: the headless host's own (E6). */
export const RENDERER_CSP: string = CONTENT_SECURITY_POLICY;

/** Every BrowserWindow uses exactly these, plus its preload path (E1). */
export const SECURE_WEB_PREFERENCES = {
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
} as const satisfies WebPreferences;

/** The IPC channels; the preload spells the same strings (a test compares them). */
export const IPC_CHANNELS = {
  call: 'latchkey:call',
  connect: 'latchkey:connect',
  connectProgress: 'latchkey:connect-progress',
  subscribe: 'latchkey:subscribe',
  event: 'latchkey:event',
} as const;

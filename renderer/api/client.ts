/**
 * Which WalletClient the window talks to: the Electron preload's (exposed as `window.latchkey`,
 * exactly a WalletClient) when the window runs in the desktop app, else the headless host's HTTP
 * client for this page's origin (given this tab's session: owner-session.ts).
 */
import type { WalletClient } from '../../shared/api.js';
import { createHttpWalletClient, type HttpWalletClientOptions } from './http-client.js';

declare global {
  interface Window {
    /** Set by electron/preload through contextBridge; absent in a plain browser. */
    latchkey?: WalletClient;
  }
}

export function pickWalletClient(scope: { latchkey?: WalletClient } = globalThis as { latchkey?: WalletClient }, options: HttpWalletClientOptions = {}): WalletClient {
  return desktopClient(scope) ?? createHttpWalletClient(options);
}

/** The Electron preload's client, or undefined in a plain browser (then the window signs in to the headless host first). */
export function desktopClient(scope: { latchkey?: WalletClient } = globalThis as { latchkey?: WalletClient }): WalletClient | undefined {
  const preload = scope.latchkey;
  return isWalletClient(preload) ? preload : undefined;
}

function isWalletClient(value: unknown): value is WalletClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof WalletClient, unknown>>;
  return typeof candidate.call === 'function' && typeof candidate.connect === 'function' && typeof candidate.subscribe === 'function';
}

/**
 * Which WalletClient the window talks to: the Electron preload's (exposed as `window.latchkey`,
 * exactly a WalletClient) when the window runs in the desktop app, else the headless host's HTTP
 * client for this page's origin.
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
  const preload = scope.latchkey;
  if (isWalletClient(preload)) return preload;
  return createHttpWalletClient(options);
}

function isWalletClient(value: unknown): value is WalletClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof WalletClient, unknown>>;
  return typeof candidate.call === 'function' && typeof candidate.connect === 'function' && typeof candidate.subscribe === 'function';
}

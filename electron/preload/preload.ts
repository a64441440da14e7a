/**
 * The preload: exposes exactly one object, `window.latchkey`, a WalletClient over IPC. Nothing
 * else crosses into the page: no ipcRenderer, no generic send. Runs sandboxed and is bundled into
 * one CommonJS file; only type imports from shared/ (no packages here).
 *
 * Failures reject with a plain `{ code, message, hint? }` object: the context bridge copies plain
 * objects whole, whereas an Error would arrive with its message only.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConnectParams, OwnerMethodName, OwnerParams, OwnerResult, WalletClient, WalletEvent } from '../../shared/api.js';
import type { ConnectionSummary, ConnectProgress } from '../../shared/connections.js';

/** The same strings as IPC_CHANNELS in electron/main/policy.ts (a test compares them). */
const CHANNELS = {
  call: 'latchkey:call',
  connect: 'latchkey:connect',
  connectProgress: 'latchkey:connect-progress',
  subscribe: 'latchkey:subscribe',
  event: 'latchkey:event',
} as const;

export interface WalletCallError {
  code: string;
  message: string;
  hint?: string;
}

function unwrap(reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null) {
    if ('result' in reply) return reply.result;
    if ('error' in reply && typeof reply.error === 'object' && reply.error !== null) {
      const { code, message, hint } = reply.error as Partial<WalletCallError>;
      const failure: WalletCallError = { code: String(code ?? 'internal'), message: String(message ?? 'The wallet failed.'), ...(typeof hint === 'string' ? { hint } : {}) };
      throw failure;
    }
  }
  throw { code: 'internal', message: 'The wallet answered in an unexpected way.' } satisfies WalletCallError;
}

const listeners = new Set<(event: WalletEvent) => void>();
let subscribed: Promise<void> | undefined;
let nextConnectId = 0;

ipcRenderer.on(CHANNELS.event, (_event: IpcRendererEvent, walletEvent: WalletEvent) => {
  for (const listener of listeners) {
    try {
      listener(walletEvent);
    } catch {
      // one failing listener never stops the others
    }
  }
});

const latchkey: WalletClient = {
  async call<M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> {
    const reply: unknown = await ipcRenderer.invoke(CHANNELS.call, method, params);
    return unwrap(reply) as OwnerResult<M>;
  },

  async connect(params: ConnectParams, onProgress: (progress: ConnectProgress) => void): Promise<ConnectionSummary> {
    const id = `connect-${++nextConnectId}`;
    const onMessage = (_event: IpcRendererEvent, forId: unknown, progress: ConnectProgress): void => {
      if (forId === id) onProgress(progress);
    };
    ipcRenderer.on(CHANNELS.connectProgress, onMessage);
    try {
      const reply: unknown = await ipcRenderer.invoke(CHANNELS.connect, id, params);
      return unwrap(reply) as ConnectionSummary;
    } finally {
      ipcRenderer.removeListener(CHANNELS.connectProgress, onMessage);
    }
  },

  subscribe(listener: (event: WalletEvent) => void): () => void {
    listeners.add(listener);
    subscribed ??= ipcRenderer
      .invoke(CHANNELS.subscribe)
      .then((reply: unknown) => {
        unwrap(reply);
      })
      .catch(() => {
        subscribed = undefined; // the next subscribe asks again
      });
    return () => void listeners.delete(listener);
  },
};

contextBridge.exposeInMainWorld('latchkey', latchkey);

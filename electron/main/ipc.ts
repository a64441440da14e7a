/**
 * The wallet API over IPC. Every handler goes through `guardedReply` with the facts of
 * `event.senderFrame` (exact origin, top frame), validates its payload against shared/api.ts and
 * calls the wallet through the one validated call every transport shares. Replies are `{result}` or `{error}`.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Wallet } from '../wallet/wallet-api.js';
import { dispatchCall, guardedReply, parseConnect, type SenderFacts } from './ipc-guard.js';
import { IPC_CHANNELS } from './policy.js';

/** The sending frame's facts; undefined when it is gone (reading a disposed frame throws; Electron 25 has no isDestroyed). */
function senderOf(event: IpcMainInvokeEvent): SenderFacts | undefined {
  try {
    const frame = event.senderFrame;
    if (frame === null) return undefined;
    return { url: frame.url, isTop: frame.parent === null && frame.top === frame };
  } catch {
    return undefined;
  }
}

/** Registers the handlers; returns a function that removes them and ends live subscriptions. */
export function registerWalletIpc(wallet: Wallet): () => void {
  const subscriptions = new Map<number, () => void>();

  ipcMain.handle(IPC_CHANNELS.call, (event, method: unknown, params: unknown) =>
    guardedReply(senderOf(event), () => dispatchCall(wallet, method, params)),
  );

  ipcMain.handle(IPC_CHANNELS.connect, (event, id: unknown, params: unknown) =>
    guardedReply(senderOf(event), () => connect(event.sender, id, params)),
  );

  ipcMain.handle(IPC_CHANNELS.subscribe, (event) =>
    guardedReply(senderOf(event), async () => {
      subscribe(event.sender);
      return null;
    }),
  );

  async function connect(sender: WebContents, rawId: unknown, rawParams: unknown): Promise<unknown> {
    const { id, params } = parseConnect(rawId, rawParams);
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    sender.once('destroyed', abort);
    try {
      return await wallet.connect(params, {
        signal: controller.signal,
        onProgress: (progress) => {
          if (!sender.isDestroyed()) sender.send(IPC_CHANNELS.connectProgress, id, progress);
        },
      });
    } finally {
      sender.off('destroyed', abort);
    }
  }

  function subscribe(sender: WebContents): void {
    if (subscriptions.has(sender.id)) return;
    const contentsId = sender.id;
    const unsubscribe = wallet.subscribe((walletEvent) => {
      if (!sender.isDestroyed()) sender.send(IPC_CHANNELS.event, walletEvent);
    });
    subscriptions.set(contentsId, unsubscribe);
    sender.once('destroyed', () => {
      unsubscribe();
      subscriptions.delete(contentsId);
    });
  }

  return () => {
    for (const channel of [IPC_CHANNELS.call, IPC_CHANNELS.connect, IPC_CHANNELS.subscribe]) ipcMain.removeHandler(channel);
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  };
}

/**
 * Live wallet events over the owner socket, for a window whose wallet runs in another process
 * (the desktop app over a host it started or found): the host writes each WalletEvent as one
 * JSON line on a long POST to /owner/v1/events; the client parses and validates each line. The
 * same owner token guards it as every other owner call. A reader that stops reading is dropped
 * rather than buffered without end. The client is owner-event-client.ts.
 */
import type { ServerResponse } from 'node:http';
import type { Wallet } from '../wallet-api.js';

export const OWNER_EVENTS_PATH = '/owner/v1/events';
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Host side: streams the wallet's events to `res` until the client goes away. */
export function streamOwnerEvents(wallet: Wallet, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  res.socket?.setNoDelay(true);
  // Headers now: the client knows it is subscribed before the first event.
  res.flushHeaders();
  const unsubscribe = wallet.subscribe((event) => {
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(`${JSON.stringify(event)}\n`);
  });
  res.on('close', unsubscribe);
}

/**
 * Live wallet events as Server-Sent Events: each WalletEvent as one `data: <json>` message, a
 * comment every `keepAliveMs` so proxies and the browser keep the stream open, unsubscribed when
 * the client goes away. A client that stops reading is dropped rather than buffered without end.
 */
import type { ServerResponse } from 'node:http';
import type { WalletEvent } from '../../../shared/api.js';
import type { Wallet } from '../wallet-api.js';

export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** How long the browser waits before reconnecting after the stream drops. */
const RETRY_MS = 2_000;
/** Unsent bytes allowed to pile up for one slow client before it is dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function streamEvents(wallet: Wallet, res: ServerResponse, headers: Record<string, string>, keepAliveMs: number = DEFAULT_KEEP_ALIVE_MS): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  const write = (chunk: string): void => {
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(chunk);
  };
  write(`retry: ${RETRY_MS}\n: connected\n\n`);
  const unsubscribe = wallet.subscribe((event: WalletEvent) => write(`data: ${JSON.stringify(event)}\n\n`));
  const timer = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
  timer.unref();
  res.on('close', () => {
    clearInterval(timer);
    unsubscribe();
  });
}

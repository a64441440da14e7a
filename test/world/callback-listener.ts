/**
 * A one-shot loopback redirect_uri listener for world tests that drive OAuth without Latchkey
 * code: `http://127.0.0.1:<port>/callback`, answers the browser with a small page and resolves
 * with the full callback URL.
 */
import { listenOnLoopback } from './http.js';

export interface CallbackListener {
  /** `http://127.0.0.1:<port>/callback`. */
  readonly redirectUri: string;
  /** The first request to /callback (its full URL, with code/state/iss or error). */
  readonly received: Promise<URL>;
  close(): Promise<void>;
}

export const CALLBACK_PAGE_TEXT = 'Authorization finished. You can close this window.';

export async function startCallbackListener(): Promise<CallbackListener> {
  let deliver!: (url: URL) => void;
  const received = new Promise<URL>((resolve) => {
    deliver = resolve;
  });
  const listener = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1`);
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const full = new URL(`${listener.origin}${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!DOCTYPE html><html><head><title>Done</title></head><body><p>${CALLBACK_PAGE_TEXT}</p></body></html>`);
    deliver(full);
  });
  return { redirectUri: `${listener.origin}/callback`, received, close: () => listener.close() };
}

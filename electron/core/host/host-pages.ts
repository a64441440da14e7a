/**
 * The few pages the headless host writes itself (not signed in, link spent, nothing built yet).
 * Constant text only, escaped anyway, no script and no inline style: they pass the host's CSP.
 */
import type { ServerResponse } from 'node:http';

export function sendPage(res: ServerResponse, status: number, title: string, paragraphs: string[], headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>` +
    paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('') +
    '</main></body></html>';
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export const PAGES = {
  signIn: {
    title: 'Latchkey: sign in first',
    text: [
      'This page needs the one-time link that `latchkey daemon` (or `latchkey start`) printed when it started: open that link in this browser.',
      'If you just opened it and still see this page, reload.',
    ],
  },
  linkSpent: {
    title: 'Latchkey: this link was already used',
    text: ['Each sign-in link works once. Ask the running daemon for a new one, or restart it to print one.'],
  },
  notBuilt: {
    title: 'Latchkey is running, but its window is not built',
    text: ['The wallet and the API are up; the pages of the window are missing. Run `npm run build` in the Latchkey folder, then reload.'],
  },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

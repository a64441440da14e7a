/**
 * The few pages the headless host writes itself (a refusal, nothing built yet). Signing in is the
 * window's own screen: the link's token is in the fragment, which never reaches the host (T31).
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
  notBuilt: {
    title: 'Latchkey is running, but its window is not built',
    text: ['The wallet and the API are up; the pages of the window are missing. Run `npm run build` in the Latchkey folder, then reload.'],
  },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Which file under the renderer folder an `app://latchkey/…` request names. Pure: no Electron,
 * no file system. Anything that is not a plain path inside the folder resolves to nothing.
 */
import { extname, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, RENDERER_CSP } from './policy.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The absolute path of the requested file inside `root`, or undefined when the request is refused. */
export function resolveRendererFile(requestUrl: string, root: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '.')) return undefined;
  const relativePath = path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '');
  const base = resolve(root);
  const file = resolve(base, relativePath);
  if (!file.startsWith(base + sep)) return undefined;
  return CONTENT_TYPES[extname(file).toLowerCase()] === undefined ? undefined : file;
}

/** The response headers of a renderer file: its type, the strict CSP, no sniffing. */
export function rendererHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The built renderer (dist/renderer) served read-only. A request path is decoded segment by
 * segment; `.`/`..`, encoded slashes, backslashes, NUL and `%` after decoding are refused (404),
 * the resolved file must stay under the root both before and after following symlinks, and it
 * must be a regular file. Paths that look like client-side routes fall back to index.html.
 */
import type { ServerResponse } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { PAGES, sendPage } from './host-pages.js';

const MAX_FILE_BYTES = 32 * 1024 * 1024;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** The decoded path segments, or undefined for anything that could climb out or confuse. */
export function safeSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/') || rawPath.includes('\\')) return undefined;
  const parts = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === '') {
      if (i === parts.length - 1) continue; // a trailing slash (or the root)
      return undefined;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..' || /[/\\%\0]/.test(decoded) || /[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}

export class StaticSite {
  constructor(private readonly root: string | undefined) {}

  /** Answers GET/HEAD for `rawPath` (no query). `headers` go on every answer. */
  async serve(rawPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const segments = safeSegments(rawPath);
    if (segments === undefined) return notFound(res, headers);
    const root = this.root === undefined ? undefined : await realpath(resolve(this.root)).catch(() => undefined);
    const index = root === undefined ? undefined : await this.resolveFile(root, ['index.html']);
    const isRoute = segments.length === 0 || !extname(segments[segments.length - 1] ?? '').length;
    if (root === undefined || index === undefined) {
      if (isRoute) return sendPage(res, 200, PAGES.notBuilt.title, [...PAGES.notBuilt.text], headers);
      return notFound(res, headers);
    }
    const file = segments.length === 0 ? index : await this.resolveFile(root, segments);
    if (file !== undefined) return sendFile(res, file, headers);
    if (isRoute) return sendFile(res, index, headers);
    return notFound(res, headers);
  }

  /** The real path of a regular file under `root`, or undefined. */
  private async resolveFile(root: string, segments: string[]): Promise<string | undefined> {
    const candidate = resolve(root, join(...segments));
    if (!isInside(root, candidate)) return undefined;
    const real = await realpath(candidate).catch(() => undefined);
    if (real === undefined || !isInside(root, real)) return undefined;
    const info = await stat(real).catch(() => undefined);
    if (info === undefined || !info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
    return real;
  }
}

function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): Promise<void> {
  const body = await readFile(file);
  if (res.headersSent || res.destroyed) return;
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(body.length),
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const body = 'Not found.\n';
  res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

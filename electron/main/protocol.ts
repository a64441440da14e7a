/**
 * The renderer's origin: `app://latchkey/` serves files from the built renderer folder, each with
 * the strict CSP header (E6). Nothing else is reachable through the scheme.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_SCHEME } from './policy.js';
import { rendererHeaders, resolveRendererFile } from './renderer-files.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `root` (dist/renderer) on the app scheme. Call once the app is ready. */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? resolveRendererFile(request.url, root) : undefined;
    if (file === undefined) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    try {
      const body = await readFile(file);
      return new Response(new Uint8Array(body), { status: 200, headers: rendererHeaders(file) });
    } catch {
      return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    }
  });
}

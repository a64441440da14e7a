/**
 * The headless host (architecture.md "Hosts"): the built renderer and the owner API over HTTP +
 * Server-Sent Events on 127.0.0.1, for SSH boxes, devcontainers and browser tests.
 *
 * Who may talk to it (threat T10 and the owner's consent):
 * - the owner: a one-time URL `/auth/<256-bit token>` sets an HttpOnly, SameSite=Strict session
 *   cookie and is then spent; every other request needs that cookie;
 * - the bridge's checks: Host must be `127.0.0.1:<port>` or `localhost:<port>` (DNS rebinding),
 *   an Origin other than our own is refused, never a CORS header; API calls need the custom
 *   `x-latchkey-ui: 1` header (a page elsewhere cannot add it without a preflight nobody
 *   answers) and a JSON body; `Sec-Fetch-Site`, when the browser sends it, must be same-origin.
 * Residual risk (documented): loopback cookies are not isolated by port, so a server another
 * user runs on 127.0.0.1 receives the cookie if the owner's browser visits it; the cookie dies
 * with the browser session and after 12 idle hours, and only this process knows it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { checkFraming, checkHost, checkJsonContentType } from '../bridge/checks.js';
import { systemClock, type Clock, type Logger } from '../ports.js';
import type { Wallet } from '../wallet-api.js';
import { DEFAULT_KEEP_ALIVE_MS, streamEvents } from './event-stream.js';
import { PAGES, sendPage } from './host-pages.js';
import { OwnerSessions, type OwnerSessionLimits } from './owner-sessions.js';
import { StaticSite } from './static-files.js';
import { callOwnerMethod, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, sendWireError, statusOf, streamConnect, toWireError, type WireError } from './wire.js';

export const UI_HEADER = 'x-latchkey-ui';
export const UI_HEADER_VALUE = '1';
export const API_PREFIX = '/api/v1/';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** On every answer. No Access-Control-* header is ever among them. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface HttpHostOptions {
  wallet: Wallet;
  /** The built renderer (dist/renderer). Without it (or without its index.html) a page says to build. */
  staticDir?: string;
  /** Default 0: an ephemeral port. Always on 127.0.0.1. */
  port?: number;
  logger: Logger;
  clock?: Clock;
  /** SSE keep-alive comment interval (default 15 s). */
  keepAliveMs?: number;
  sessionLimits?: Partial<OwnerSessionLimits>;
}

export interface HttpHost {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** A new one-time sign-in URL (each works once). */
  oneTimeUrl(): string;
  close(): Promise<void>;
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const sessions = new OwnerSessions(options.clock ?? systemClock, options.sessionLimits);
  const site = new StaticSite(options.staticDir);
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const server = createServer({
    maxHeaderSize: 16 * 1024,
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requireHostHeader: false,
    joinDuplicateHeaders: false,
  });
  server.maxConnections = 256;
  let port = 0;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((error: unknown) => {
      options.logger.error('ui request failed', { reason: error instanceof Error ? error.message : 'unknown' });
      if (!res.headersSent) sendWireError(res, statusOf(error), toWireError(error), { Connection: 'close' });
      else res.destroy();
    });
  });
  server.on('clientError', (_error: Error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (_req: unknown, socket: Socket) => socket.destroy());
  server.on('connect', (_req: unknown, socket: Socket) => socket.destroy());

  const cookieName = (): string => `latchkey_ui_${port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const api = path.startsWith('/api/');
    const refuse = (status: number, error: WireError): void => {
      options.logger.debug('ui request refused', { code: error.code, status });
      if (api) sendWireError(res, status, error, { Connection: 'close' });
      else sendPage(res, status, 'Latchkey: request refused', [error.message], { Connection: 'close' });
    };

    const framing = checkFraming(req, DEFAULT_MAX_BODY_BYTES);
    if (framing !== undefined) return refuse(framing === ErrorCode.PayloadTooLarge ? 413 : 400, { code: framing, message: 'The request is malformed or too large.' });
    if (checkHost(req, { transport: 'tcp', port }) !== undefined) {
      return refuse(421, { code: ErrorCode.BadHost, message: `Open Latchkey at http://127.0.0.1:${port}/ (this request named another host).` });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host?.toLowerCase() ?? ''}`) {
      return refuse(403, { code: ErrorCode.ForbiddenOrigin, message: 'Other web pages may not call Latchkey.' });
    }

    if (path.startsWith('/auth/')) return signIn(req, res, path.slice('/auth/'.length));
    if (!sessions.checkSession(readCookie(req, cookieName()))) {
      if (api) return refuse(401, { code: ErrorCode.Unauthenticated, message: 'Not signed in to Latchkey.', hint: 'Open the one-time link the daemon printed.' });
      return sendPage(res, 401, PAGES.signIn.title, [...PAGES.signIn.text]);
    }
    if (!api) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, { code: ErrorCode.MethodNotAllowed, message: 'Pages are read with GET.' });
      return site.serve(path, res, {});
    }

    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin') {
      return refuse(403, { code: ErrorCode.ForbiddenOrigin, message: 'Other web pages may not call Latchkey.' });
    }
    if (path === `${API_PREFIX}events`) {
      // EventSource cannot add headers: the cookie, Host, Origin and Sec-Fetch-Site checks hold, and the stream only reads.
      if (req.method !== 'GET') return refuse(405, { code: ErrorCode.MethodNotAllowed, message: 'Events are read with GET.' });
      return streamEvents(options.wallet, res, {}, keepAliveMs);
    }
    if (req.headers[UI_HEADER] !== UI_HEADER_VALUE) {
      return refuse(403, { code: ErrorCode.MissingBridgeHeader, message: `API calls carry the ${UI_HEADER} header.` });
    }
    if (req.method !== 'POST') return refuse(405, { code: ErrorCode.MethodNotAllowed, message: 'API calls use POST.' });
    const contentType = checkJsonContentType(req);
    if (contentType !== undefined) return refuse(415, { code: contentType, message: 'API calls send JSON.' });
    let body: unknown;
    try {
      body = await readJsonBody(req, DEFAULT_MAX_BODY_BYTES);
    } catch (error) {
      return refuse(statusOf(error), toWireError(error));
    }
    if (path === `${API_PREFIX}connect`) return streamConnect(options.wallet, res, body);
    if (path.startsWith(`${API_PREFIX}call/`)) {
      const answer = await callOwnerMethod(options.wallet, path.slice(`${API_PREFIX}call/`.length), body);
      return sendJson(res, answer.status, answer.body);
    }
    return refuse(404, { code: ErrorCode.NotFound, message: 'No such API.' });
  }

  function signIn(req: IncomingMessage, res: ServerResponse, token: string): void {
    if (req.method !== 'GET') {
      sendPage(res, 405, 'Latchkey: open the link in a browser', ['Sign-in links are opened with GET.']);
      return;
    }
    const session = sessions.redeemToken(token);
    if (session === undefined) {
      options.logger.info('ui sign-in refused: the link was unknown or already used');
      sendPage(res, 403, PAGES.linkSpent.title, [...PAGES.linkSpent.text]);
      return;
    }
    options.logger.info('ui signed in');
    res.writeHead(303, {
      'Set-Cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      Location: '/',
      'Cache-Control': 'no-store',
      'Content-Length': '0',
    });
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void =>
      reject(
        error.code === 'EADDRINUSE'
          ? new LatchkeyError(ErrorCode.BridgeInUse, `Port ${options.port ?? 0} on 127.0.0.1 is taken.`, { hint: 'Choose another port or stop what uses it.' })
          : error,
      );
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  options.logger.info('ui host listening', { url });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    oneTimeUrl: () => `${url}/auth/${sessions.mintToken()}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** The value of cookie `name` (the first one), or undefined. */
function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

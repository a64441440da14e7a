/**
 * The headless host (docs/architecture.md "Hosts"): the built renderer and the owner API over HTTP +
 * Server-Sent Events on 127.0.0.1, for SSH boxes, devcontainers and browser tests.
 *
 * Who may talk to it (threats T10, T31 and the owner's consent):
 * - the owner: the link the daemon prints, `http://127.0.0.1:<port>/#signin=<256-bit token>`,
 *   carries its secret in the fragment, which browsers never send to a server. The window takes
 *   it out of the address bar at once and trades it, once, at `POST /api/v1/session` for a session
 *   credential it keeps in sessionStorage (this origin, this tab) and sends as the
 *   `x-latchkey-session` header on every API call and on the event stream. No cookie is set or
 *   read: nothing a browser sends by itself to another loopback port (cookies are not scoped by
 *   port) opens the API (T31);
 * - the bridge's checks: Host must be `127.0.0.1:<port>` or `localhost:<port>` (DNS rebinding),
 *   an Origin other than our own is refused, never a CORS header; API calls need the custom
 *   `x-latchkey-ui: 1` header (a page elsewhere cannot add it without a preflight nobody
 *   answers) and a JSON body; `Sec-Fetch-Site`, when the browser sends it, must be same-origin.
 * The built renderer's files hold no secret and are served without a session.
 * The window's pages (T20): a CSP sandbox without popups or modals, no workers, and a
 * Permissions-Policy that turns off every device and prompt; the window itself cancels the
 * navigations it starts to other origins (renderer/app/window-guard.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeHttp } from '../../base/net/node-http.js';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { checkFraming, checkHost, checkJsonContentType } from '../bridge/checks.js';
import { guardTcpServer, type ConnectionGuard } from '../../base/net/connection-guard.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import type { Wallet } from '../wallet-api.js';
import { DEFAULT_KEEP_ALIVE_MS, streamEvents } from './event-stream.js';
import { sendPage } from './host-pages.js';
import { OwnerSessions, type OwnerSessionLimits } from './owner-sessions.js';
import { StaticSite } from './static-files.js';
import { answerOwnerCall, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, sendWireError, statusOf, streamConnect, toWireError, type WireError } from './wire.js';

export const UI_HEADER = 'x-latchkey-ui';
export const UI_HEADER_VALUE = '1';
/** The session credential the window got for its one-time link (never a cookie: T31). */
export const SESSION_HEADER = 'x-latchkey-session';
export const API_PREFIX = '/api/v1/';
/** Where the window trades the link's one-time token for a session. */
export const SIGN_IN_PATH = `${API_PREFIX}session`;
/** The fragment parameter of the sign-in link: `#signin=<token>`. */
export const SIGN_IN_FRAGMENT = 'signin';
/** What to do without a session: the daemon prints a link when it starts. */
export const SIGN_IN_HINT = 'Get a new sign-in link: run `latchkey ui` in a terminal (add --open to open it).';

const SignInBody = z.object({ token: z.string().min(1).max(128) }).strict();

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * The headless host's CSP: the window's own (shared with the desktop app) plus what a plain browser
 * tab needs that Electron enforces elsewhere (T20): no workers (no service worker, so no push), and
 * a sandbox without `allow-popups` (window.open and target=_blank open nothing), `allow-modals` or
 * `allow-top-navigation`; scripts, same-origin storage, the forms the window handles itself and
 * the audit export's download stay allowed.
 */
export const HOST_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; worker-src 'none'; sandbox allow-scripts allow-same-origin allow-forms allow-downloads`;

/** Every device, sensor and permission prompt off (T20); clipboard-write stays (copying a URL). Features Chromium knows. */
export const PERMISSIONS_POLICY = [
  'accelerometer', 'autoplay', 'browsing-topics', 'camera', 'captured-surface-control', 'clipboard-read', 'compute-pressure',
  'digital-credentials-get', 'display-capture', 'encrypted-media', 'fullscreen', 'gamepad', 'geolocation', 'gyroscope', 'hid',
  'identity-credentials-get', 'idle-detection', 'keyboard-map', 'local-fonts', 'magnetometer', 'microphone', 'midi', 'otp-credentials',
  'payment', 'picture-in-picture', 'publickey-credentials-create', 'publickey-credentials-get', 'screen-wake-lock', 'serial',
  'speaker-selection', 'storage-access', 'usb', 'window-management', 'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/** On every answer. No Access-Control-* header is ever among them. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': HOST_CONTENT_SECURITY_POLICY,
  'Permissions-Policy': PERMISSIONS_POLICY,
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
  /** Connections of other local users reset on arrival (T35). Undefined where peers cannot be attributed. */
  readonly connectionGuard: ConnectionGuard | undefined;
  /** A new one-time sign-in link, `<url>/#signin=<token>` (each works once). */
  oneTimeUrl(): string;
  close(): Promise<void>;
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const sessions = new OwnerSessions(options.clock ?? systemClock, options.sessionLimits);
  const site = new StaticSite(options.staticDir);
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const server = nodeHttp.createServer({
    maxHeaderSize: 16 * 1024,
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requireHostHeader: false,
    joinDuplicateHeaders: false,
  });
  server.maxConnections = 256;
  // Only the owner's processes (the browser, an SSH forward) and root may connect (T35): others are
  // reset on arrival, so they cannot fill the 4,096 this allows. Off Linux: the 256 above for all.
  const connectionGuard = guardTcpServer(server, { name: 'ui host', perForeignUser: 0, attributeAbove: 0, maxConnections: 4_096, logger: options.logger, clock: options.clock ?? systemClock });
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

    if (!api) {
      // The window's files hold no secret: no session needed (the link's token is in the fragment).
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, { code: ErrorCode.MethodNotAllowed, message: 'Pages are read with GET.' });
      return site.serve(path, res, {});
    }

    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin') {
      return refuse(403, { code: ErrorCode.ForbiddenOrigin, message: 'Other web pages may not call Latchkey.' });
    }
    if (req.headers[UI_HEADER] !== UI_HEADER_VALUE) {
      return refuse(403, { code: ErrorCode.MissingBridgeHeader, message: `API calls carry the ${UI_HEADER} header.` });
    }
    if (path !== SIGN_IN_PATH && !sessions.checkSession(sessionOf(req))) {
      return refuse(401, { code: ErrorCode.Unauthenticated, message: 'This window is not signed in to Latchkey.', hint: SIGN_IN_HINT });
    }
    if (path === `${API_PREFIX}events`) {
      if (req.method !== 'GET') return refuse(405, { code: ErrorCode.MethodNotAllowed, message: 'Events are read with GET.' });
      return streamEvents(options.wallet, res, {}, keepAliveMs);
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
    if (path === SIGN_IN_PATH) return signIn(res, body, refuse);
    if (path === `${API_PREFIX}connect`) return streamConnect(options.wallet, res, body);
    if (path.startsWith(`${API_PREFIX}call/`)) {
      const answer = await answerOwnerCall(options.wallet, path.slice(`${API_PREFIX}call/`.length), body);
      return sendJson(res, answer.status, answer.body);
    }
    return refuse(404, { code: ErrorCode.NotFound, message: 'No such API.' });
  }

  /** Spends the link's one-time token: `{ result: { session } }`, or 403 when it is unknown, spent or expired. */
  function signIn(res: ServerResponse, body: unknown, refuse: (status: number, error: WireError) => void): void {
    const parsed = SignInBody.safeParse(body);
    const session = parsed.success ? sessions.redeemToken(parsed.data.token) : undefined;
    if (session === undefined) {
      options.logger.info('ui sign-in refused: the link was unknown, already used or expired');
      return refuse(403, { code: ErrorCode.Unauthenticated, message: 'This sign-in link was already used, or is not one this Latchkey printed.', hint: SIGN_IN_HINT });
    }
    options.logger.info('ui signed in');
    sendJson(res, 200, { result: { session } });
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
    connectionGuard,
    oneTimeUrl: () => `${url}/#${SIGN_IN_FRAGMENT}=${sessions.mintToken()}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** The session header, when there is exactly one (cookies are never read: T31). */
function sessionOf(req: IncomingMessage): string | undefined {
  const values = req.headersDistinct[SESSION_HEADER];
  return values?.length === 1 ? values[0] : undefined;
}

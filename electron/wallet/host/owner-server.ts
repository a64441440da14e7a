/**
 * The owner socket: how the `latchkey` CLI reaches a running daemon's wallet. HTTP over a Unix
 * socket inside the 0700 runtime directory (socket 0600), plus a random owner token from a 0600
 * file, compared in constant time. No TCP here: the window's TCP
 * listener is the headless host's (http-host.ts), with its own sign-in. Every payload is validated against the contract in shared/api.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeHttp } from '../../base/net/node-http.js';
import { chmod, lstat, rm } from 'node:fs/promises';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode } from '../../../shared/errors.js';
import { createPeerIdentifier } from '../bridge/linux-peer.js';
import type { PeerIdentifier } from '../bridge/peer.js';
import { assertPrivateDirectory, writePrivateFile } from '../../base/runtime/runtime-dir.js';
import type { Logger } from '../../base/ports.js';
import type { Wallet } from '../wallet-api.js';
import { OWNER_EVENTS_PATH, streamOwnerEvents } from './owner-events.js';
import { answerOwnerCall, readJsonBody, sendJson, sendWireError, statusOf, streamConnect, toWireError } from './wire.js';

export { toWireError, type WireError } from './wire.js';

export const OWNER_SOCKET = 'owner.sock';
export const OWNER_TOKEN_FILE = 'owner.token';
export const OWNER_HEADER = 'latchkey-owner';
const MAX_BODY = 64 * 1024;

export interface OwnerServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export interface OwnerServerOptions {
  wallet: Wallet;
  runtimeDir: string;
  logger: Logger;
  /** Who is at the other end of a connection (T36: the process a session is bound to). Default: the platform's. */
  peers?: PeerIdentifier;
  /**
   * A new one-time sign-in link to the window the daemon serves, undefined when it serves none.
   * Served on this socket only (`latchkey ui`), never through the window's own API: it is not
   * an owner method of shared/api.ts, so no other transport can mint links.
   */
  signInLink?: () => string | undefined;
}

export const SIGN_IN_LINK_PATH = '/owner/v1/sign-in-link';

export async function startOwnerServer(options: OwnerServerOptions): Promise<OwnerServer> {
  const peers = options.peers ?? createPeerIdentifier(process.platform, { logger: options.logger });
  const socketPath = join(options.runtimeDir, OWNER_SOCKET);
  const tokenPath = join(options.runtimeDir, OWNER_TOKEN_FILE);
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  // The CLI trusts the token only from a private dir and file (T39): check the dir, never follow a link.
  assertPrivateDirectory(await lstat(options.runtimeDir), options.runtimeDir);
  await writePrivateFile(tokenPath, `${token}\n`);
  await rm(socketPath, { force: true });

  const server = nodeHttp.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error('owner request failed', { reason: error instanceof Error ? error.message : 'unknown' });
      if (!res.headersSent) sendWireError(res, statusOf(error), toWireError(error));
      else res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // no cap on receiving the request: a CLI on a 0600 socket

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.origin !== undefined) return sendWireError(res, 403, { code: ErrorCode.ForbiddenOrigin, message: 'Browsers may not call the owner API.' });
    if (req.headers[OWNER_HEADER] !== '1') return sendWireError(res, 400, { code: ErrorCode.MissingBridgeHeader, message: 'Missing the owner header.' });
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      return sendWireError(res, 401, { code: ErrorCode.Unauthenticated, message: 'The owner token is wrong.' });
    }
    if (req.method !== 'POST') return sendWireError(res, 405, { code: ErrorCode.NotFound, message: 'Use POST.' });
    const url = new URL(req.url ?? '/', 'http://owner');
    const body = await readJsonBody(req, MAX_BODY);
    if (url.pathname === '/owner/v1/connect') return streamConnect(options.wallet, res, body);
    if (url.pathname === OWNER_EVENTS_PATH) return streamOwnerEvents(options.wallet, res);
    if (url.pathname === SIGN_IN_LINK_PATH) return sendSignInLink(res, options.signInLink?.());
    const method = url.pathname.startsWith('/owner/v1/call/') ? url.pathname.slice('/owner/v1/call/'.length) : '';
    const params = method === 'startSession' ? await bindToCaller(peers, req, body) : body;
    const answer = await answerOwnerCall(options.wallet, method, params);
    sendJson(res, answer.status, answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(socketPath, { force: true });
        await rm(tokenPath, { force: true });
      })()),
  };
}

function sendSignInLink(res: ServerResponse, link: string | undefined): void {
  if (link !== undefined) return sendJson(res, 200, { result: { url: link } });
  sendWireError(res, 409, {
    code: ErrorCode.DaemonHasNoWindow,
    message: 'The running daemon serves no window (it was started with --no-ui).',
    hint: 'Restart it without --no-ui: latchkey daemon',
  });
}

/**
 * T36: a session asked for with a pid (`latchkey run` binds its session to itself) is bound to the
 * process the operating system says is calling, when it can say (Linux); the pid the caller
 * states is used only where it cannot, and the wallet checks it is a live process of ours.
 */
async function bindToCaller(peers: PeerIdentifier, req: IncomingMessage, body: unknown): Promise<unknown> {
  if (typeof body !== 'object' || body === null || !('pid' in body)) return body;
  const peer = await peers.identify(req.socket);
  return peer === undefined ? body : { ...body, pid: peer.pid };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

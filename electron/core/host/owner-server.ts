/**
 * The owner socket: how the `latchkey` CLI reaches a running daemon's wallet. HTTP over a Unix
 * socket inside the 0700 runtime directory (socket 0600), plus a random owner token from a 0600
 * file, compared in constant time. No TCP: the headless host (issue 4) adds that with its own
 * cookie. Every payload is validated against the contract in shared/api.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { join } from 'node:path';
import { ConnectParams, OwnerMethods, type OwnerMethodName } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Logger } from '../ports.js';
import type { Wallet } from '../wallet-api.js';
import { ownerDispatch } from './owner-dispatch.js';

export const OWNER_SOCKET = 'owner.sock';
export const OWNER_TOKEN_FILE = 'owner.token';
export const OWNER_HEADER = 'latchkey-owner';
const MAX_BODY = 64 * 1024;

export interface OwnerServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export async function startOwnerServer(options: { wallet: Wallet; runtimeDir: string; logger: Logger }): Promise<OwnerServer> {
  const socketPath = join(options.runtimeDir, OWNER_SOCKET);
  const tokenPath = join(options.runtimeDir, OWNER_TOKEN_FILE);
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  await writeFile(tokenPath, `${token}\n`, { mode: 0o600, flag: 'w' });
  await chmod(tokenPath, 0o600);
  await rm(socketPath, { force: true });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error('owner request failed', { reason: error instanceof Error ? error.message : 'unknown' });
      if (!res.headersSent) sendError(res, 500, toWireError(error));
      else res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // connect and approvals may legitimately wait minutes

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.origin !== undefined) return sendError(res, 403, { code: ErrorCode.ForbiddenOrigin, message: 'Browsers may not call the owner API.' });
    if (req.headers[OWNER_HEADER] !== '1') return sendError(res, 400, { code: ErrorCode.MissingBridgeHeader, message: 'Missing the owner header.' });
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      return sendError(res, 401, { code: ErrorCode.Unauthenticated, message: 'The owner token is wrong.' });
    }
    if (req.method !== 'POST') return sendError(res, 405, { code: ErrorCode.NotFound, message: 'Use POST.' });
    const url = new URL(req.url ?? '/', 'http://owner');
    const body = await readJson(req);
    if (url.pathname === '/owner/v1/connect') return connect(req, res, body);
    const method = url.pathname.startsWith('/owner/v1/call/') ? url.pathname.slice('/owner/v1/call/'.length) : '';
    if (!Object.hasOwn(OwnerMethods, method)) return sendError(res, 404, { code: ErrorCode.NotFound, message: `Unknown method ${method.slice(0, 60)}.` });
    const name = method as OwnerMethodName;
    const params = OwnerMethods[name].params.safeParse(body);
    if (!params.success) return sendError(res, 400, { code: ErrorCode.InvalidInput, message: `Invalid parameters for ${name}.` });
    const call = ownerDispatch[name] as (wallet: Wallet, params: unknown) => Promise<unknown>;
    try {
      const result = await call(options.wallet, params.data);
      send(res, 200, { result });
    } catch (error) {
      sendError(res, statusOf(error), toWireError(error));
    }
  }

  async function connect(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const params = ConnectParams.safeParse(body);
    if (!params.success) return sendError(res, 400, { code: ErrorCode.InvalidInput, message: 'Invalid parameters for connect.' });
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    const line = (value: unknown): void => void res.write(`${JSON.stringify(value)}\n`);
    try {
      const connection = await options.wallet.connect(params.data.url, {
        signal: controller.signal,
        onProgress: (progress) => line({ progress }),
        ...(params.data.scopes === undefined ? {} : { scopes: params.data.scopes }),
        ...(params.data.timeoutMs === undefined ? {} : { timeoutMs: params.data.timeoutMs }),
      });
      line({ result: connection });
    } catch (error) {
      line({ error: toWireError(error) });
    }
    res.end();
    void req;
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

export interface WireError {
  code: string;
  message: string;
  hint?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof LatchkeyError) return { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  return { code: ErrorCode.Internal, message: 'The daemon hit an unexpected error; see its log.' };
}

function statusOf(error: unknown): number {
  if (!(error instanceof LatchkeyError)) return 500;
  if (error.code === ErrorCode.InvalidInput) return 400;
  if (error.code.endsWith('not_found')) return 404;
  return 409;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, error: WireError): void {
  send(res, status, { error });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new LatchkeyError(ErrorCode.PayloadTooLarge, 'The request is too large.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'The request body is not JSON.');
  }
}

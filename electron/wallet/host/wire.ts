/**
 * What every owner transport (the owner socket, the headless host) shares on the wire: JSON
 * bodies read under a size cap, errors as `{ code, message, hint }` (never a stack trace), one
 * owner method validated against the contract and dispatched, and `connect` streamed as NDJSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectParams, OwnerMethods, type OwnerMethodName } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Wallet } from '../wallet-api.js';
import { ownerDispatch } from './owner-dispatch.js';

export interface WireError {
  code: string;
  message: string;
  hint?: string;
}

/** A status and a JSON body: `{ result }` or `{ error }`. */
export interface WireAnswer {
  status: number;
  body: { result: unknown } | { error: WireError };
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export function toWireError(error: unknown): WireError {
  if (error instanceof LatchkeyError) return { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  return { code: ErrorCode.Internal, message: 'The daemon hit an unexpected error; see its log.' };
}

/** The HTTP status for an error a wallet method threw. */
export function statusOf(error: unknown): number {
  if (!(error instanceof LatchkeyError)) return 500;
  if (error.code === ErrorCode.InvalidInput) return 400;
  if (error.code === ErrorCode.PayloadTooLarge) return 413;
  if (error.code.endsWith('not_found')) return 404;
  return 409;
}

/** Reads a JSON body (empty → `{}`); larger than `maxBytes` → PayloadTooLarge, not JSON → InvalidInput. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) throw new LatchkeyError(ErrorCode.PayloadTooLarge, 'The request is too large.');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new LatchkeyError(ErrorCode.PayloadTooLarge, 'The request is too large.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'The request body is not JSON.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(payload)),
    'Cache-Control': 'no-store',
  });
  res.end(payload);
}

export function sendWireError(res: ServerResponse, status: number, error: WireError, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error }, headers);
}

/** Validates `body` against the method's params, runs it on the wallet, and says what to answer. */
export async function callOwnerMethod(wallet: Wallet, method: string, body: unknown): Promise<WireAnswer> {
  if (!Object.hasOwn(OwnerMethods, method)) {
    return { status: 404, body: { error: { code: ErrorCode.NotFound, message: `Unknown method ${method.slice(0, 60)}.` } } };
  }
  const name = method as OwnerMethodName;
  const params = OwnerMethods[name].params.safeParse(body);
  if (!params.success) {
    return { status: 400, body: { error: { code: ErrorCode.InvalidInput, message: `Invalid parameters for ${name}: ${describeIssue(params.error.issues[0])}` } } };
  }
  const call = ownerDispatch[name] as (wallet: Wallet, params: unknown) => Promise<unknown>;
  try {
    return { status: 200, body: { result: await call(wallet, params.data) } };
  } catch (error) {
    return { status: statusOf(error), body: { error: toWireError(error) } };
  }
}

/** Which field is wrong and why, without echoing the value. */
function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (issue === undefined) return 'not accepted.';
  const where = issue.path.length === 0 ? 'the body' : issue.path.map((part) => String(part).slice(0, 40)).join('.');
  return `${where}: ${issue.message.slice(0, 200)}`;
}

/**
 * `connect` as NDJSON: `{ progress }` lines while it runs, then `{ result }` or `{ error }`. The
 * connect is aborted when the client goes away (the browser step stops waiting).
 */
export async function streamConnect(wallet: Wallet, res: ServerResponse, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const params = ConnectParams.safeParse(body);
  if (!params.success) {
    sendWireError(res, 400, { code: ErrorCode.InvalidInput, message: `Invalid parameters for connect: ${describeIssue(params.error.issues[0])}` }, headers);
    return;
  }
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  res.writeHead(200, { ...headers, 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
  const line = (value: unknown): void => {
    if (!res.destroyed) res.write(`${JSON.stringify(value)}\n`);
  };
  try {
    const connection = await wallet.connect(params.data.url, {
      signal: controller.signal,
      onProgress: (progress) => line({ progress }),
      ...(params.data.scopes === undefined ? {} : { scopes: params.data.scopes }),
      ...(params.data.timeoutMs === undefined ? {} : { timeoutMs: params.data.timeoutMs }),
      ...(params.data.openBrowser === undefined ? {} : { openBrowser: params.data.openBrowser }),
      ...(params.data.allowInsecureLoopback === undefined ? {} : { allowInsecureLoopback: params.data.allowInsecureLoopback }),
    });
    line({ result: connection });
  } catch (error) {
    line({ error: toWireError(error) });
  }
  res.end();
}

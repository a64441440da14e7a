/**
 * What every owner transport (the owner socket, the headless host) shares on the wire: JSON
 * bodies read under a size cap, errors as `{ code, message, hint }` (never a stack trace), one
 * owner method validated against the contract and dispatched, and `connect` streamed as NDJSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectParams, OwnerMethods, type OwnerMethodName } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { readJsonBody as readJson, sendJson } from '../../base/net/http-json.js';
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

export { sendJson } from '../../base/net/http-json.js';

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

/** Reads an owner call's JSON body (empty → `{}`); larger than `maxBytes` → PayloadTooLarge, not JSON → InvalidInput. */
export function readJsonBody(req: IncomingMessage, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  return readJson(req, { maxBytes, empty: {} });
}

export function sendWireError(res: ServerResponse, status: number, error: WireError, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error }, { headers });
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

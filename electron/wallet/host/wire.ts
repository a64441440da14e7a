/**
 * What every owner transport (the owner socket, the headless host) shares on the wire: JSON
 * bodies read under a size cap, errors as `{ code, message, hint }` (never a stack trace), one
 * owner method answered through the validated call (owner-call.ts), and `connect` streamed as NDJSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectParams } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { readJsonBody as readJson, sendJson } from '../../base/net/http-json.js';
import type { Wallet } from '../wallet-api.js';
import { callOwnerMethod, parseConnectParams } from './owner-call.js';

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

/** Runs one owner call through the validated call and says what to answer. */
export async function answerOwnerCall(wallet: Wallet, method: string, body: unknown): Promise<WireAnswer> {
  try {
    return { status: 200, body: { result: await callOwnerMethod(wallet, method, body) } };
  } catch (error) {
    return { status: statusOf(error), body: { error: toWireError(error) } };
  }
}

/**
 * `connect` as NDJSON: `{ progress }` lines while it runs, then `{ result }` or `{ error }`. The
 * connect is aborted when the client goes away (the browser step stops waiting).
 */
export async function streamConnect(wallet: Wallet, res: ServerResponse, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  let params: ConnectParams;
  try {
    params = parseConnectParams(body);
  } catch (error) {
    sendWireError(res, statusOf(error), toWireError(error), headers);
    return;
  }
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  res.writeHead(200, { ...headers, 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
  const line = (value: unknown): void => {
    if (!res.destroyed) res.write(`${JSON.stringify(value)}\n`);
  };
  try {
    const connection = await wallet.connect(params, { signal: controller.signal, onProgress: (progress) => line({ progress }) });
    line({ result: connection });
  } catch (error) {
    line({ error: toWireError(error) });
  }
  res.end();
}

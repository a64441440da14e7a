/**
 * The header checks every bridge request passes before anything else looks at it (threats
 * T10, T11, T15). Each returns the refusal's error code, or undefined when the request may go on.
 * They read only headers: no body, no handler.
 */
import type { IncomingMessage } from 'node:http';
import { BRIDGE_HEADER, BRIDGE_HEADER_VALUE } from '../../../shared/bridge.js';
import { ErrorCode } from '../../../shared/errors.js';

export type Transport = 'unix' | 'tcp';

/** Which listener a request arrived on: the Host check depends on it. */
export interface Listener {
  transport: Transport;
  /** The TCP port (TCP only). */
  port?: number | undefined;
}

/** Headers that must appear at most once: a second copy is how parsers get confused (T14). One bit each. */
const SINGLE_HEADERS: ReadonlyMap<string, number> = new Map(
  ['host', 'authorization', 'content-type', 'content-length', 'transfer-encoding', BRIDGE_HEADER].map((name, i) => [name, 1 << i]),
);

/** Request framing and size, from the head alone. */
export function checkFraming(req: IncomingMessage, maxBodyBytes: number): ErrorCode | undefined {
  if (repeatsSingleHeader(req.rawHeaders)) return ErrorCode.MalformedRequest;
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length !== undefined && chunked) return ErrorCode.MalformedRequest;
  if (length !== undefined) {
    if (!/^\d{1,15}$/.test(length)) return ErrorCode.MalformedRequest;
    if (Number(length) > maxBodyBytes) return ErrorCode.PayloadTooLarge;
  }
  return undefined;
}

/** Whether the head names one of the single headers twice (names are case-insensitive), read from the raw head as sent. */
function repeatsSingleHeader(raw: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const bit = SINGLE_HEADERS.get((raw[i] ?? '').toLowerCase());
    if (bit === undefined) continue;
    if ((seen & bit) !== 0) return true;
    seen |= bit;
  }
  return false;
}

/** Host must name this very listener on a loopback name (DNS rebinding, T10). */
export function checkHost(req: IncomingMessage, listener: Listener): ErrorCode | undefined {
  const host = req.headers.host?.toLowerCase();
  if (listener.transport === 'unix') return host === undefined || host === 'localhost' ? undefined : ErrorCode.BadHost;
  if (host === undefined || listener.port === undefined) return ErrorCode.BadHost;
  return host === `127.0.0.1:${listener.port}` || host === `localhost:${listener.port}` ? undefined : ErrorCode.BadHost;
}

/** Any Origin header, `null` included, means a web page sent this: refused (T10). */
export function checkOrigin(req: IncomingMessage): ErrorCode | undefined {
  return req.headers.origin === undefined ? undefined : ErrorCode.ForbiddenOrigin;
}

/** A page cannot add a custom header without a preflight, which is never answered. */
export function checkBridgeHeader(req: IncomingMessage): ErrorCode | undefined {
  return req.headers[BRIDGE_HEADER] === BRIDGE_HEADER_VALUE ? undefined : ErrorCode.MissingBridgeHeader;
}

/** POST bodies are JSON (a form or text/plain body is what a page could send). */
export function checkJsonContentType(req: IncomingMessage): ErrorCode | undefined {
  const value = req.headers['content-type'];
  if (value === undefined) return ErrorCode.UnsupportedMediaType;
  if (value === 'application/json') return undefined;
  const [type, ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return ErrorCode.UnsupportedMediaType;
  for (const param of params) {
    if (param !== 'charset=utf-8' && param !== 'charset="utf-8"') return ErrorCode.UnsupportedMediaType;
  }
  return undefined;
}

/** A request without a body: GET carries neither Content-Length > 0 nor chunks. */
export function checkNoBody(req: IncomingMessage): ErrorCode | undefined {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)) {
    return ErrorCode.MalformedRequest;
  }
  return undefined;
}

/**
 * The bearer secret, or undefined when the header is missing or not `Bearer <value>`. The value
 * is passed on as is, whatever its length or shape: the handler's constant-time lookup is the
 * only thing that tells one wrong secret from another (T11).
 */
export function readBearer(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  if (value === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(value);
  return match?.[1];
}

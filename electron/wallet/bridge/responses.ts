/**
 * How the bridge writes answers: JSON or problem+json, never cached, never a CORS header, and the
 * same raw form for errors the HTTP parser raises before a request object exists.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Problem, TokenResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { COMMON_HEADERS, sendJson, type SendJsonOptions } from '../../base/net/http-json.js';

export type SendOptions = Omit<SendJsonOptions, 'contentType'>;

export function sendProblem(res: ServerResponse, problem: Problem, options: SendOptions = {}): void {
  const headers = { ...options.headers };
  if (problem.retry_after !== undefined) headers['retry-after'] = String(Math.ceil(problem.retry_after));
  sendJson(res, problem.status, problem, { ...options, headers, contentType: 'application/problem+json' });
}

/**
 * The token answer as it is sent: exactly its four fields, whatever else the handler's object
 * carries (a refresh token never leaves), each checked as the TokenResponse schema would. The hot
 * path's own answer needs no schema walk for that: the type already says what the fields are; this
 * copies them out and refuses a value no type check can rule out (a fractional expiry, say).
 */
export function tokenAnswer(token: TokenResponse): TokenResponse {
  const { access_token, token_type, expires_at, scope } = token;
  if (typeof access_token !== 'string' || typeof scope !== 'string' || !Number.isSafeInteger(expires_at) || (token_type !== 'Bearer' && token_type !== 'DPoP')) {
    throw new LatchkeyError(ErrorCode.Internal, 'The wallet built a token answer it cannot send.');
  }
  return { access_token, token_type, expires_at, scope };
}

const RAW_LINGER_MS = 500;

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** Answers on a bare socket (the parser failed, so there is no response object) and closes it. */
export function writeRawProblem(socket: Socket, problem: Problem): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const payload = JSON.stringify(problem);
  const head = [
    `HTTP/1.1 ${problem.status} ${REASONS[problem.status] ?? 'Error'}`,
    ...Object.entries(COMMON_HEADERS).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/problem+json',
    `content-length: ${Buffer.byteLength(payload)}`,
    'connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${payload}`);
  // The client may keep sending (a slowloris never stops): give the answer a moment to arrive, then drop it.
  const timer = setTimeout(() => socket.destroy(), RAW_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

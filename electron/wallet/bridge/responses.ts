/**
 * How the bridge writes answers: JSON or problem+json, never cached, never a CORS header, and the
 * same raw form for errors the HTTP parser raises before a request object exists.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Problem } from '../../../shared/bridge.js';

/** Sent with every answer. No Access-Control-* header is ever among them (T10). */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export interface SendOptions {
  /** Extra headers (Allow, WWW-Authenticate, Retry-After). */
  headers?: Record<string, string>;
  /** Close the connection after the answer: the request body may be unread. */
  close?: boolean;
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown, options: SendOptions): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...options.headers,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(payload)),
    ...(options.close === true ? { connection: 'close' } : {}),
  });
  res.end(payload);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, options: SendOptions = {}): void {
  send(res, status, 'application/json; charset=utf-8', body, options);
}

export function sendProblem(res: ServerResponse, problem: Problem, options: SendOptions = {}): void {
  const headers = { ...options.headers };
  if (problem.retry_after !== undefined) headers['retry-after'] = String(Math.ceil(problem.retry_after));
  send(res, problem.status, 'application/problem+json', problem, { ...options, headers });
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

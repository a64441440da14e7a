/**
 * JSON over Node's HTTP server, as every Latchkey server speaks it (the agents' bridge, the
 * headless host, the owner socket): request bodies read under a size cap as strict UTF-8 JSON,
 * answers written once with their length, never cached and never sniffed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export interface ReadJsonBodyOptions {
  /** Larger bodies are PayloadTooLarge (by Content-Length before reading, or once read past it). */
  maxBytes: number;
  /** What an empty body reads as; without it an empty body is not JSON (InvalidInput). */
  empty?: unknown;
}

function tooLarge(): LatchkeyError {
  return new LatchkeyError(ErrorCode.PayloadTooLarge, 'The request is too large.');
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the request body as JSON. PayloadTooLarge past `maxBytes` (the rest is left unread: close
 * the connection with the answer), MalformedRequest when the request breaks off, InvalidInput
 * when the body is not UTF-8 JSON.
 */
export function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > options.maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    new JsonBodyReader(req, options, resolve, reject).listen();
  });
}

function parseJson(bytes: Buffer, options: ReadJsonBodyOptions): unknown {
  if (bytes.length === 0 && options.empty !== undefined) return options.empty;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'The request body is not JSON.');
  }
}

/**
 * One body being read, then parsed: its listeners are bound methods of one object rather than
 * closures made per request, added with `on` (no once-wrappers), and all of them come off together
 * once the body is settled. One promise per body: the reader settles it with the parsed value.
 */
class JsonBodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData = this.data.bind(this);
  private readonly onEnd = this.end.bind(this);
  private readonly onError = this.brokeOff.bind(this);

  constructor(
    private readonly req: IncomingMessage,
    private readonly options: ReadJsonBodyOptions,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: LatchkeyError) => void,
  ) {}

  listen(): void {
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
    this.req.on('error', this.onError);
    this.req.on('aborted', this.onError);
  }

  private data(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) {
      this.stop();
      this.req.pause();
      this.reject(tooLarge());
      return;
    }
    this.chunks.push(chunk);
  }

  private end(): void {
    this.stop();
    const [only] = this.chunks;
    const bytes = this.chunks.length === 1 && only !== undefined ? only : Buffer.concat(this.chunks, this.size);
    let value: unknown;
    try {
      value = parseJson(bytes, this.options);
    } catch (error) {
      this.reject(error as LatchkeyError);
      return;
    }
    this.resolve(value);
  }

  private brokeOff(): void {
    this.stop();
    this.reject(new LatchkeyError(ErrorCode.MalformedRequest, 'The request broke off before its body was read.'));
  }

  private stop(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
    this.req.off('aborted', this.onError);
  }
}

/** Sent with every answer. No Access-Control-* header is ever among them. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export interface SendJsonOptions {
  /** Extra headers (Allow, WWW-Authenticate, Retry-After); names are case-insensitive. */
  headers?: Record<string, string>;
  /** Close the connection after the answer: the request body may be unread. */
  close?: boolean;
  /** Default `application/json; charset=utf-8`. */
  contentType?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** COMMON_HEADERS and the JSON content type as name, value, name, value (writeHead's flat form). */
const JSON_HEADER_LINES: readonly string[] = [...Object.entries(COMMON_HEADERS).flat(), 'content-type', JSON_TYPE];

/** Writes `body` as the whole answer; does nothing once an answer has started or the socket is gone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, options: SendJsonOptions = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  if (options.headers === undefined && options.close !== true && options.contentType === undefined) {
    // The usual answer: its header lines as one flat list, with no object to build and walk.
    res.writeHead(status, [...JSON_HEADER_LINES, 'content-length', String(Buffer.byteLength(payload))]);
    res.end(payload);
    return;
  }
  const headers: Record<string, string> = { ...COMMON_HEADERS };
  if (options.headers !== undefined) for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = options.contentType ?? JSON_TYPE;
  headers['content-length'] = String(Buffer.byteLength(payload));
  if (options.close === true) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(payload);
}

/**
 * How the proxy reaches the remote MCP server: a fetch-shaped port (RemoteFetch) and its
 * implementation on node:http / node:https with keep-alive connections. It is what `fetch` does
 * for this one client, without loading undici and WHATWG streams in every `latchkey mcp` and
 * paying for them on every message: redirects are never followed here (the transport decides),
 * bodies are strings, nothing is decompressed (no Accept-Encoding is sent). A global `fetch`
 * satisfies the same port (tests inject one).
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type * as Https from 'node:https';
import { builtinModule } from '../../base/builtin-module.js';
import { nodeHttp } from '../../base/net/node-http.js';

/** What the transport and the authorizing fetch read of an answer; a fetch Response has it all. */
export interface RemoteResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  /** The body as it arrives (read it, or call text(), so the connection can be used again). */
  readonly body: AsyncIterable<Uint8Array> | null;
  text(): Promise<string>;
}

/** fetch's shape, answering with what the proxy reads. */
export type RemoteFetch<R extends RemoteResponse = RemoteResponse> = (url: string | URL, init?: RequestInit) => Promise<R>;

export interface HttpFetch {
  fetch: RemoteFetch;
  /** Ends the kept-alive connections. */
  close(): void;
}

export function createHttpFetch(): HttpFetch {
  // node:http from node-http.ts (process.getBuiltinModule: an ESM import of it loads undici).
  const httpAgent = new nodeHttp.Agent({ keepAlive: true });
  let https: { module: typeof Https; agent: Agent } | undefined;
  // node:https (and TLS with it) is loaded for an https server only.
  const loadHttps = (): { module: typeof Https; agent: Agent } => {
    if (https !== undefined) return https;
    const module = builtinModule<typeof Https>('node:https');
    https = { module, agent: new module.Agent({ keepAlive: true }) };
    return https;
  };

  const fetch: RemoteFetch = async (input, init) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const secure = url.protocol === 'https:';
    const tls = secure ? loadHttps() : undefined;
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const body = bodyOf(init?.body);
    const options: RequestOptions = {
      method: init?.method ?? 'GET',
      headers: { ...headerRecord(init?.headers), ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
      agent: tls?.agent ?? httpAgent,
    };
    const request = tls === undefined ? nodeHttp.request(url, options) : tls.module.request(url, options);
    return new Promise<RemoteResponse>((resolve, reject) => {
      const onAbort = (): void => void request.destroy(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      request.once('response', (message) => {
        // An abort after the answer started ends its body (a stream the transport reads).
        message.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(answerOf(url, message, request));
      });
      request.end(body);
    });
  };

  return {
    fetch,
    close() {
      httpAgent.destroy();
      https?.agent.destroy();
    },
  };
}

/** Reads an answer to its end and drops it (its connection goes back to the pool). */
export async function discard(response: RemoteResponse): Promise<void> {
  await response.text().catch(() => undefined);
}

/** A request's headers as a plain record: from a record, pairs, or a Headers object (read through forEach, so undici is not loaded for it). */
export function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers === undefined || headers === null) return record;
  if (Array.isArray(headers)) {
    for (const [name, value] of headers as Array<[string, string]>) record[name.toLowerCase()] = value;
  } else if (typeof (headers as { forEach?: unknown }).forEach === 'function') {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => {
      record[name.toLowerCase()] = value;
    });
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string>)) record[name.toLowerCase()] = value;
  }
  return record;
}

function bodyOf(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'string') throw new TypeError('The proxy sends string bodies only.');
  return Buffer.from(body, 'utf8');
}

function answerOf(url: URL, message: IncomingMessage, request: ClientRequest): RemoteResponse {
  const status = message.statusCode ?? 0;
  let stream: AsyncGenerator<Uint8Array> | undefined;
  const body = (): AsyncGenerator<Uint8Array> => (stream ??= chunksOf(message, request));
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: message.statusMessage ?? '',
    url: url.href,
    headers: {
      get(name) {
        const value = message.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    get body() {
      return body();
    },
    async text() {
      const chunks: Uint8Array[] = [];
      for await (const chunk of body()) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** The body as Uint8Array chunks; leaving the loop early ends the request (its connection is not reused). */
async function* chunksOf(message: IncomingMessage, request: ClientRequest): AsyncGenerator<Uint8Array> {
  let complete = false;
  try {
    for await (const chunk of message) yield chunk as Buffer;
    complete = true;
  } finally {
    if (!complete) request.destroy();
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

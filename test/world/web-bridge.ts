/**
 * A small bridge from node:http to web-standard handlers (`(Request) => Promise<Response>`), for
 * the world's servers built on fetch-shaped APIs (MCP SDK v2 `createMcpHandler`). No extra
 * packages: the body is read whole (these are test servers with small JSON bodies) and the
 * response body is streamed back, so SSE answers keep flowing.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

export type WebHandler = (request: Request) => Promise<Response>;

/** A node:http listener that serves `handler`; `origin` becomes the request URLs' origin. */
export function toNodeListener(origin: () => string, handler: WebHandler): RequestListener {
  return (req, res) => {
    serveWebRequest(origin(), req, res, handler).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error', error_description: error instanceof Error ? error.message : String(error) }));
    });
  };
}

async function serveWebRequest(origin: string, req: IncomingMessage, res: ServerResponse, handler: WebHandler): Promise<void> {
  const request = await readWebRequest(origin, req, res);
  const response = await handler(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  res.on('close', () => body.destroy());
  body.pipe(res);
}

async function readWebRequest(origin: string, req: IncomingMessage, res: ServerResponse): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const method = req.method ?? 'GET';
  const chunks: Buffer[] = [];
  if (method !== 'GET' && method !== 'HEAD') {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  }
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    signal: aborted.signal,
    ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) }),
  });
}

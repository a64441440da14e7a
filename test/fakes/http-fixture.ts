/**
 * A tiny real HTTP server on 127.0.0.1 for tests (reusable by anyone):
 *
 *   const fx = await startHttpFixture();
 *   fx.route('/.well-known/x', (req, res) => sendJson(res, 200, { ok: true }));
 *   await fetch(`${fx.origin}/.well-known/x`);
 *   fx.requests      // every request seen, in order: method, path (with query), headers, body
 *   fx.connections   // TCP connections accepted: proves "no connection was made"
 *   await fx.close();
 *
 * Unrouted paths answer 404 (and are still recorded). Routes can be replaced at any time.
 * `fx.waitForRequests(n)` resolves once n requests have arrived (event-based, no sleeps).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. "/mcp?x=1". */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FixtureHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface HttpFixture {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly connections: number;
  /** Serve `handler` for this exact pathname (query ignored). */
  route(pathname: string, handler: FixtureHandler): void;
  /** Resolves when at least `count` requests have been recorded. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpFixture(): Promise<HttpFixture> {
  const routes = new Map<string, FixtureHandler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let connections = 0;

  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const pathname = new URL(recorded.path, 'http://fixture').pathname;
      const handler = routes.get(pathname);
      try {
        if (handler) await handler(recorded, res);
        else sendJson(res, 404, { error: 'not_found' });
      } catch {
        if (!res.headersSent) sendJson(res, 500, { error: 'fixture_handler_failed' });
        else res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    route(pathname, handler) {
      routes.set(pathname, handler);
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

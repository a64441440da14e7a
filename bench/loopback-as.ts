/**
 * A token endpoint on 127.0.0.1 for benchmarks that spawn the real CLI or daemon: the fake AS of
 * test/fakes/fake-token-endpoint.ts served over node:http, so a process of its own can refresh
 * against it (with LATCHKEY_ALLOW_INSECURE_LOOPBACK). It counts every request it answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeTokenEndpoint } from '../test/fakes/fake-token-endpoint.js';

export interface LoopbackAs {
  issuer: string;
  endpoint: FakeTokenEndpoint;
  /** Requests to its token endpoint so far. */
  tokenRequests(): number;
  close(): Promise<void>;
}

export async function startLoopbackAs(): Promise<LoopbackAs> {
  // The fake needs its issuer, which is known once the server listens.
  const holder: { endpoint?: FakeTokenEndpoint } = {};
  const server = createServer((req, res) => {
    answer(holder.endpoint, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ready = new FakeTokenEndpoint(issuer);
  ready.expiresIn = 3600;
  holder.endpoint = ready;
  return {
    issuer,
    endpoint: ready,
    tokenRequests: () => ready.requestsTo('/token').length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(endpoint: FakeTokenEndpoint | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (endpoint === undefined) {
    res.writeHead(503).end();
    return;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const reply = await endpoint.fetch(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  });
  res.writeHead(reply.status, Object.fromEntries(reply.headers.entries()));
  res.end(Buffer.from(await reply.arrayBuffer()));
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { createHttpFetch, headerRecord, type HttpFetch } from '../../../../electron/agent/proxy/remote-fetch.js';
import { describeRemoteFailure } from '../../../../electron/agent/proxy/remote-errors.js';

const opened: Array<{ server: Server; network: HttpFetch }> = [];

/** A real node:http server on loopback; `connections` counts the TCP connections it accepted. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: URL; network: HttpFetch; connections: () => number }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => void (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const network = createHttpFetch();
  opened.push({ server, network });
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), network, connections: () => connections };
}

afterEach(async () => {
  for (const { server, network } of opened.splice(0)) {
    network.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('the proxy fetch on node:http', () => {
  it('sends method, headers and body, reads status, headers and text, and keeps one connection for sequential requests', async () => {
    const seen: Array<{ method: string | undefined; auth: string | undefined; body: string }> = [];
    const { url, network, connections } = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ method: request.method, auth: request.headers.authorization, body });
        response.writeHead(201, 'Made', { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        response.end('{"ok":true}');
      });
    });
    for (let i = 0; i < 3; i += 1) {
      const answer = await network.fetch(url, { method: 'POST', headers: { Authorization: 'Bearer t', 'content-type': 'application/json' }, body: 'é' });
      expect([answer.status, answer.ok, answer.statusText, answer.headers.get('Content-Type'), answer.headers.get('set-cookie')]).toEqual([
        201,
        true,
        'Made',
        'application/json',
        'a=1, b=2',
      ]);
      expect(await answer.text()).toBe('{"ok":true}');
    }
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ method: 'POST', auth: 'Bearer t', body: 'é' })));
    expect(connections()).toBe(1);
  });

  it('streams a body as it comes, and an abort ends it', async () => {
    const { url, network } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
    });
    const controller = new AbortController();
    const answer = await network.fetch(url, { signal: controller.signal });
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of answer.body ?? []) {
        chunks.push(Buffer.from(chunk).toString('utf8'));
        controller.abort();
      }
    })();
    await expect(read).rejects.toThrow();
    expect(chunks).toEqual(['data: first\n\n']);
  });

  it('fails as a network failure when nothing listens, which the proxy reports as unreachable', async () => {
    const { url, network } = await serve(() => undefined);
    const closed = opened.pop();
    closed?.server.close();
    await new Promise<void>((resolve) => closed?.server.once('close', () => resolve()));
    const error = await network.fetch(url).catch((e: unknown) => e);
    network.close();
    expect((error as { code?: unknown }).code).toBe('ECONNREFUSED');
    expect(describeRemoteFailure(error, url.origin, false)).toMatchObject({ fatal: true, error: { code: ErrorCode.Unreachable } });
  });

  it('reads request headers given as a record, pairs, or a Headers object', () => {
    expect(headerRecord({ 'X-A': '1' })).toEqual({ 'x-a': '1' });
    expect(headerRecord([['X-B', '2']])).toEqual({ 'x-b': '2' });
    expect(headerRecord(new Headers({ 'X-C': '3' }))).toEqual({ 'x-c': '3' });
    expect(headerRecord(undefined)).toEqual({});
  });
});

import {
  CLIENT_CAPABILITIES_META_KEY as SDK_CLIENT_CAPABILITIES,
  CLIENT_INFO_META_KEY as SDK_CLIENT_INFO,
  PROTOCOL_VERSION_META_KEY as SDK_PROTOCOL_VERSION,
  SERVER_INFO_META_KEY as SDK_SERVER_INFO,
} from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
} from '../../../../electron/agent/proxy/era-wire.js';
import { createStreamableHttpTransport, encodeHeaderValue, RemoteHttpError } from '../../../../electron/agent/proxy/streamable-http.js';

const URL_ = new URL('https://mcp.example.test/mcp');

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A stand-in server: answers each request with what `answer` returns, and records what it was sent. */
function stubFetch(answer: (seen: Seen, index: number) => Response) {
  const seen: Seen[] = [];
  const fetch = (url: string | URL, init?: RequestInit): Promise<Response> => {
    const request: Seen = {
      url: String(url),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    seen.push(request);
    return Promise.resolve(answer(request, seen.length - 1));
  };
  return { fetch, seen };
}

function sse(...events: string[]): Response {
  return new Response(events.join(''), { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function collect(transport: { onmessage?: ((message: JSONRPCMessage) => void) | undefined }) {
  const received: JSONRPCMessage[] = [];
  let wake: () => void = () => undefined;
  transport.onmessage = (message) => {
    received.push(message);
    wake();
  };
  const until = async (count: number): Promise<JSONRPCMessage[]> => {
    while (received.length < count) await new Promise<void>((resolve) => (wake = resolve));
    return received;
  };
  return { received, until };
}

describe('the proxy Streamable HTTP transport', () => {
  it("uses the MCP SDK's envelope keys", () => {
    expect([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY, SERVER_INFO_META_KEY]).toEqual([
      SDK_PROTOCOL_VERSION,
      SDK_CLIENT_INFO,
      SDK_CLIENT_CAPABILITIES,
      SDK_SERVER_INFO,
    ]);
  });

  it('keeps the session id from initialize, sends it and the negotiated revision after, never on a new initialize', async () => {
    const server = stubFetch((request) => {
      const body = JSON.parse(request.body ?? '{}') as { id?: number; method?: string };
      if (body.id === undefined) return new Response(null, { status: 202 });
      return json({ jsonrpc: '2.0', id: body.id, result: {} }, 200, { 'mcp-session-id': 'session-1' });
    });
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    const { until } = collect(transport);
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    transport.setProtocolVersion?.('2025-11-25');
    await transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await transport.send({ jsonrpc: '2.0', id: 3, method: 'initialize', params: {} });
    await until(3);
    expect(transport.sessionId).toBe('session-1');
    expect(server.seen.map((s) => [s.headers['mcp-session-id'], s.headers['mcp-protocol-version']])).toEqual([
      [undefined, undefined],
      ['session-1', '2025-11-25'],
      [undefined, '2025-11-25'],
    ]);
    expect(server.seen[0]?.headers['accept']).toBe('application/json, text/event-stream');
    await transport.close();
  });

  it("sends a 2026-07-28 request's revision, method and name from its envelope, encoding a name that is not plain ASCII", async () => {
    const server = stubFetch((request) => json({ jsonrpc: '2.0', id: (JSON.parse(request.body ?? '{}') as { id: number }).id, result: {} }));
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    const { until } = collect(transport);
    await transport.start();
    const envelope = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' };
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'météo', _meta: envelope } });
    await transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'plain' } });
    await until(2);
    expect(server.seen[0]?.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': encodeHeaderValue('météo') });
    expect(encodeHeaderValue('météo')).toBe(`=?base64?${Buffer.from('météo').toString('base64')}?=`);
    expect(encodeHeaderValue(' padded')).toMatch(/^=\?base64\?/);
    expect(server.seen[1]?.headers['mcp-method']).toBeUndefined();
    await transport.close();
  });

  it('passes progress sent with its result in one SSE chunk in order, each on a turn of its own', async () => {
    const server = stubFetch(() =>
      sse(
        'id: e1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}\n\n',
        'id: e2\ndata: {"jsonrpc":"2.0","id":1,"result":{"done":true}}\n\n',
      ),
    );
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    const turns: string[] = [];
    transport.onmessage = (message) => {
      turns.push('method' in message ? message.method : 'result');
      queueMicrotask(() => turns.push('microtask'));
    };
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'count' } });
    while (turns.length < 4) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(turns).toEqual(['notifications/progress', 'microtask', 'result', 'microtask']);
    await transport.close();
  });

  it("delivers a 2026-07-28 server's HTTP 400 JSON-RPC error as the answer; any other refusal is a RemoteHttpError with its status", async () => {
    const refusal = { jsonrpc: '2.0', id: 1, error: { code: -32020, message: 'unsupported' } };
    const server = stubFetch((_request, index) => (index === 0 ? json(refusal, 400) : new Response('gone', { status: 404 })));
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    const { until } = collect(transport);
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' } } });
    expect(await until(1)).toEqual([refusal]);
    const error = await transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteHttpError);
    expect((error as RemoteHttpError).status).toBe(404);
    await transport.close();
  });

  it('follows a redirect within the origin and refuses one to another origin without naming its query', async () => {
    const server = stubFetch((request) => {
      if (request.url === URL_.href) return new Response(null, { status: 307, headers: { location: '/mcp/' } });
      if (request.url === 'https://mcp.example.test/mcp/') return new Response(null, { status: 308, headers: { location: 'https://elsewhere.test/mcp?secret=1' } });
      return json({ jsonrpc: '2.0', id: 1, result: {} });
    });
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    await transport.start();
    const error = await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' }).catch((e: unknown) => e);
    expect(server.seen.map((s) => s.url)).toEqual([URL_.href, 'https://mcp.example.test/mcp/']);
    expect((error as RemoteHttpError).status).toBe(308);
    expect((error as Error).message).toContain('https://elsewhere.test/mcp');
    expect((error as Error).message).not.toContain('secret');
    await transport.close();
  });

  it('opens the GET stream after notifications/initialized, and a 405 there is no error', async () => {
    const errors: Error[] = [];
    let opened: () => void = () => undefined;
    const get = new Promise<void>((resolve) => (opened = resolve));
    const server = stubFetch((request) => {
      if (request.method === 'GET') {
        opened();
        return new Response(null, { status: 405 });
      }
      return new Response(null, { status: 202 });
    });
    const transport = createStreamableHttpTransport(URL_, { fetch: server.fetch });
    transport.onerror = (error) => void errors.push(error);
    await transport.start();
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await get;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(server.seen.map((s) => [s.method, s.headers['accept']])).toEqual([
      ['POST', 'application/json, text/event-stream'],
      ['GET', 'text/event-stream'],
    ]);
    expect(errors).toEqual([]);
    await transport.close();
  });
});

/**
 * The `latchkey mcp` proxy in-process: an MCP SDK client on one side (in-memory transport), the
 * real Streamable HTTP client transport on the other, against the real test world (AS-issued JWTs
 * verified by the world's MCP server) and a stateful SSE server for server-initiated traffic.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { startMcpProxy, type MessageProxy, type TokenSource } from '../../../../electron/agent/proxy/index.js';
import { startWorld, type World } from '../../../world/index.js';
import { SSE_SERVER_TOKEN, startSseMcpServer } from './sse-server.js';
import { worldTokens, type WorldTokens } from './world-tokens.js';

interface CountingSource extends TokenSource {
  calls: Array<readonly string[] | undefined>;
}

function scriptedSource(answer: (scopes: readonly string[] | undefined, call: number) => Promise<unknown>): CountingSource {
  const calls: Array<readonly string[] | undefined> = [];
  return {
    calls,
    fetchToken: (scopes) => {
      calls.push(scopes);
      return answer(scopes, calls.length);
    },
  };
}

function garbage(): TokenResponse {
  return { access_token: 'not-a-real-token', token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 600, scope: 'mcp:read' };
}

interface Connected {
  client: Client;
  proxy: MessageProxy;
  reports: LatchkeyError[];
}

async function connectThroughProxy(url: string, tokens: TokenSource, setup?: (client: Client) => void): Promise<Connected> {
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const reports: LatchkeyError[] = [];
  const proxy = await startMcpProxy({ url: new URL(url), tokens, local: proxySide, report: (error) => reports.push(error) });
  const client = new Client({ name: 'proxy-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  setup?.(client);
  await client.connect(clientSide);
  return { client, proxy, reports };
}

let world: World;
let minter: WorldTokens;

beforeAll(async () => {
  world = await startWorld();
  minter = await worldTokens(world);
});
afterAll(async () => {
  await world?.close();
});

describe('latchkey mcp against the real test world', () => {
  it('initializes, lists tools and calls echo with a bridge token in the Authorization header', async () => {
    const source = scriptedSource((scopes) => minter.mint(scopes ?? ['mcp:read']));
    const { client, proxy, reports } = await connectThroughProxy(world.mcpUrl, source);
    expect(client.getServerVersion()?.name).toBe('latchkey-test-world');
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'whoami', 'write_note']));
    const result = await client.callTool({ name: 'echo', arguments: { text: 'through the proxy' } });
    expect(result.content).toEqual([{ type: 'text', text: 'through the proxy' }]);
    // The grant's scopes only; the token is cached, and re-asked at most once a second (the B16
    // re-check), so a slow machine may see more than one ask, never another scope.
    expect(source.calls.length).toBeGreaterThanOrEqual(1);
    expect(new Set(source.calls)).toEqual(new Set([undefined]));
    expect(reports).toEqual([]);
    await client.close();
    expect(await proxy.done).toEqual({ reason: 'local-closed' });
  });

  it('concurrent first requests share one token fetch', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const source = scriptedSource(async (scopes) => {
      await gate;
      return minter.mint(scopes ?? ['mcp:read']);
    });
    const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
    const proxy = await startMcpProxy({ url: new URL(world.mcpUrl), tokens: source, local: proxySide, report: () => undefined });
    const client = new Client({ name: 'proxy-test', version: '1.0.0' });
    const connecting = client.connect(clientSide);
    release();
    await connecting;
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.callTool({ name: 'echo', arguments: { text: `n${i}` } })));
    expect(source.calls).toHaveLength(1);
    await client.close();
    await proxy.done;
  });

  it('a 401 drops the cached token, gets a fresh one and retries once', async () => {
    const source = scriptedSource((scopes, call) => (call === 1 ? Promise.resolve(garbage()) : minter.mint(scopes ?? ['mcp:read'])));
    const before = world.mcp.counters.unauthorized;
    const { client, proxy, reports } = await connectThroughProxy(world.mcpUrl, source);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'after a 401' } });
    expect(result.content).toEqual([{ type: 'text', text: 'after a 401' }]);
    expect(source.calls).toHaveLength(2);
    expect(world.mcp.counters.unauthorized - before).toBe(1);
    expect(reports).toEqual([]);
    await client.close();
    await proxy.done;
  });

  it('a second 401 is not retried again: the client gets a JSON-RPC error with a code, stderr one report', async () => {
    const source = scriptedSource(() => Promise.resolve(garbage()));
    const before = world.mcp.counters.unauthorized;
    const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
    const reports: LatchkeyError[] = [];
    const proxy = await startMcpProxy({ url: new URL(world.mcpUrl), tokens: source, local: proxySide, report: (e) => reports.push(e) });
    const client = new Client({ name: 'proxy-test', version: '1.0.0' });
    await expect(client.connect(clientSide)).rejects.toThrow(/HTTP 401/);
    expect(world.mcp.counters.unauthorized - before).toBe(2);
    expect(source.calls).toHaveLength(2);
    expect(reports.map((r) => r.code)).toEqual([ErrorCode.RemoteRejected]);
    await client.close();
    await proxy.done;
  });

  it('B15: 403 insufficient_scope asks the bridge for the union of scopes (step-up) and retries once', async () => {
    const source = scriptedSource((scopes) => minter.mint(scopes ?? ['mcp:read']));
    const notesBefore = world.mcp.notes.length;
    const { client, proxy, reports } = await connectThroughProxy(world.mcpUrl, source);
    const result = await client.callTool({ name: 'write_note', arguments: { text: 'stepped up' } });
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^stored note/) }]);
    expect(world.mcp.notes.slice(notesBefore)).toEqual(['stepped up']);
    expect(source.calls).toHaveLength(2);
    expect([...(source.calls[1] ?? [])].sort()).toEqual(['mcp:read', 'mcp:write']);
    // The wider token is kept: the next read call needs no new token.
    await client.callTool({ name: 'echo', arguments: { text: 'still wide' } });
    expect(source.calls).toHaveLength(2);
    expect(reports).toEqual([]);
    await client.close();
    await proxy.done;
  });

  it('a refused step-up (the owner denies) becomes a JSON-RPC error carrying the bridge code; other calls keep working', async () => {
    const source = scriptedSource((scopes) =>
      scopes === undefined ? minter.mint(['mcp:read']) : Promise.reject(new LatchkeyError(ErrorCode.GrantDenied, 'The owner denied the request.')),
    );
    const { client, proxy, reports } = await connectThroughProxy(world.mcpUrl, source);
    const error = await client.callTool({ name: 'write_note', arguments: { text: 'nope' } }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data?: { latchkey_code?: string } },
    );
    expect(error?.code).toBe(-32000);
    expect(error?.data?.latchkey_code).toBe(ErrorCode.GrantDenied);
    expect(reports.map((r) => r.code)).toEqual([ErrorCode.GrantDenied]);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'still fine' } });
    expect(result.content).toEqual([{ type: 'text', text: 'still fine' }]);
    await client.close();
    await proxy.done;
  });

  it('closes with an unreachable error when the remote goes away; pending requests are answered', async () => {
    const server = await startSseMcpServer();
    const source = scriptedSource(async () => ({ ...garbage(), access_token: SSE_SERVER_TOKEN }));
    const { client, proxy, reports } = await connectThroughProxy(server.url, source);
    await server.close();
    await expect(client.listTools()).rejects.toThrow(/cannot be reached/);
    const exit = await proxy.done;
    expect(exit.reason).toBe('remote-gone');
    expect(reports.map((r) => r.code)).toEqual([ErrorCode.Unreachable]);
    await client.close();
  });
});

describe('server-initiated messages pass through both ways', () => {
  it('session id and protocol version headers, notifications inside a call, an elicitation round trip, the GET stream, DELETE on close', async () => {
    const server = await startSseMcpServer();
    try {
      const source = scriptedSource(async () => ({ ...garbage(), access_token: SSE_SERVER_TOKEN }));
      const logs: string[] = [];
      let toolListChanged: () => void = () => undefined;
      const listChanged = new Promise<void>((resolve) => (toolListChanged = resolve));
      const { client, proxy, reports } = await connectThroughProxy(server.url, source, (c) => {
        c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
        c.setNotificationHandler(ToolListChangedNotificationSchema, () => toolListChanged());
        c.setRequestHandler(ElicitRequestSchema, (request) => {
          expect(request.params.message).toBe('your name?');
          return { action: 'accept', content: { name: 'Ada' } };
        });
      });
      const result = await client.callTool({ name: 'ask_user', arguments: { question: 'your name?' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hello Ada' }]);
      expect(logs).toEqual(['asking: your name?']);

      await server.waitForGetStream();
      server.announceToolListChanged();
      await listChanged;

      const afterInit = server.requests.filter((r) => r.sessionId !== undefined);
      expect(afterInit.length).toBeGreaterThan(2);
      expect(new Set(afterInit.map((r) => r.sessionId)).size).toBe(1);
      // The version the server chose in its initialize answer goes on every later request.
      const versions = new Set(afterInit.map((r) => r.protocolVersion));
      expect(versions.size).toBe(1);
      expect([...versions][0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(server.requests.every((r) => r.authorized)).toBe(true);

      await client.close();
      expect(await proxy.done).toEqual({ reason: 'local-closed' });
      expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
      expect(reports).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

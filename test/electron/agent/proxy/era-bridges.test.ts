/**
 * The `latchkey mcp` proxy in-process across protocol eras (protocol.md, "MCP revisions"): real MCP SDK
 * clients (v1 for a 2025 agent, v2 pinned to 2026-07-28) over an in-memory pair (one test writes
 * JSON-RPC lines through the real stdio line transport instead), the real v2
 * Streamable HTTP transport, and real servers of the other era (a stateful v1 SDK server with SSE
 * answers, a 2026-07-28-only v2 SDK server). No wallet: URL elicitation is covered end to end.
 */
import { PassThrough } from 'node:stream';
import { Client as ModernClient, InMemoryTransport as ModernMemory } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatchkeyError } from '../../../../shared/errors.js';
import { startMcpProxy, type MessageProxy, type ProtocolChoice, type TokenSource } from '../../../../electron/agent/proxy/index.js';
import { startModernTestServer, type ModernTestServer } from './modern-server.js';
import { SSE_SERVER_TOKEN, startSseMcpServer, type SseMcpServer } from './sse-server.js';

const tokens: TokenSource = {
  fetchToken: () => Promise.resolve({ access_token: SSE_SERVER_TOKEN, token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 600, scope: '' }),
};

let legacy: SseMcpServer;
let modern: ModernTestServer;
const proxies: MessageProxy[] = [];

beforeAll(async () => {
  legacy = await startSseMcpServer();
  modern = await startModernTestServer();
});
afterAll(async () => {
  await Promise.allSettled(proxies.map((proxy) => proxy.close()));
  await legacy?.close();
  await modern?.close();
});

async function startProxy(url: string, local: Transport, protocol?: ProtocolChoice): Promise<LatchkeyError[]> {
  const reports: LatchkeyError[] = [];
  const proxy = await startMcpProxy({ url: new URL(url), tokens, local, report: (error) => reports.push(error), ...(protocol === undefined ? {} : { protocol }) });
  proxies.push(proxy);
  return reports;
}

/** A v2 client pinned to 2026-07-28, connected through the proxy. */
async function modernAgent(url: string, protocol?: ProtocolChoice): Promise<ModernClient> {
  const [clientSide, proxySide] = ModernMemory.createLinkedPair();
  await startProxy(url, proxySide as unknown as Transport, protocol);
  const client = new ModernClient(
    { name: 'modern-agent', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: { name: 'Ada' } }));
  await client.connect(clientSide);
  return client;
}

/** A v1 (2025) client, connected through the proxy. */
async function legacyAgent(url: string, capabilities: Record<string, object>, protocol?: ProtocolChoice): Promise<Client> {
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  await startProxy(url, proxySide, protocol);
  const client = new Client({ name: 'legacy-agent', version: '1.0.0' }, { capabilities });
  await client.connect(clientSide);
  return client;
}

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ text?: string }> }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

describe('2026-07-28 agent, 2025 server', () => {
  it('server/discover is answered from a 2025 initialize; tools list and call with the 2026 result shape', async () => {
    const client = await modernAgent(legacy.url);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(client.getServerVersion()?.name).toBe('sse-test-server');
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'down an era' } }))).toBe('down an era');
    // The server saw a 2025 session: a session id and its negotiated revision on every request after initialize.
    const posts = legacy.requests.filter((request) => request.method === 'POST' && request.sessionId !== undefined);
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(posts.map((request) => request.protocolVersion))).toEqual(new Set(['2025-11-25']));
    await client.close();
  });

  it("the server's form elicitation becomes input_required; the agent's retry answers it and gets the call's result", async () => {
    const client = await modernAgent(legacy.url);
    expect(textOf(await client.callTool({ name: 'ask_user', arguments: { question: 'name?' } }))).toBe('hello Ada');
    await client.close();
  });

  it('progress reaches the agent under its own progressToken', async () => {
    const client = await modernAgent(legacy.url);
    const seen: number[] = [];
    const result = await client.callTool({ name: 'count', arguments: { to: 3 } }, { onprogress: (progress) => void seen.push(progress.progress) });
    expect(textOf(result)).toBe('counted 3');
    expect(seen).toEqual([1, 2, 3]);
    await client.close();
  });

  it('--protocol 2025-11-25 skips the discover probe', async () => {
    const before = legacy.requests.length;
    const client = await modernAgent(legacy.url, '2025-11-25');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'pinned' } }))).toBe('pinned');
    // initialize, notifications/initialized, tools/call (plus the GET stream): no refused discover first.
    const refused = legacy.requests.slice(before).filter((request) => request.method === 'POST' && request.sessionId === undefined);
    expect(refused).toHaveLength(1);
    await client.close();
  });
});

describe('2025 agent, 2026-07-28 server', () => {
  it('form elicitation in input_required becomes an elicitation/create to the agent; the retry carries its answer', async () => {
    const client = await legacyAgent(modern.url, { elicitation: { form: {} } });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Grace' } }));
    expect(textOf(await client.callTool({ name: 'ask_name', arguments: {} }))).toBe('hello Grace');
    await client.close();
  });

  it('sampling goes to an agent that declared it; one that did not gets a clear error', async () => {
    const sampler = await legacyAgent(modern.url, { sampling: {} });
    sampler.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'pong' }, model: 'test' }));
    expect(textOf(await sampler.callTool({ name: 'sample', arguments: {} }))).toBe('model said pong');
    await sampler.close();

    // The SDK server checks the envelope's capabilities itself (the adapter's own check is in era-adapter.test.ts).
    const plain = await legacyAgent(modern.url, {});
    await expect(plain.callTool({ name: 'ask_name', arguments: {} })).rejects.toThrow(/capabilit/);
    await plain.close();
  });

  it('progress passes; cancelling a call closes its stream upstream', async () => {
    const client = await legacyAgent(modern.url, {});
    const seen: number[] = [];
    const result = await client.callTool({ name: 'count', arguments: { to: 2 } }, undefined, { onprogress: (progress) => void seen.push(progress.progress) });
    expect(textOf(result)).toBe('counted 2');
    expect(seen).toEqual([1, 2]);

    const controller = new AbortController();
    const waiting = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: controller.signal });
    await modern.waitStarted();
    controller.abort('changed my mind');
    await expect(waiting).rejects.toThrow();
    await expect.poll(() => modern.cancelled()).toBe(1);
    await client.close();
  });

  it("through the stdio writer the call's progress lines come before its result line, in order", async () => {
    // A v1 agent dispatches a notification a microtask after reading it and a response at once, so
    // this order on its stdin is all the proxy can give (a chunk holding both still loses progress).
    const toProxy = new PassThrough();
    const toAgent = new PassThrough();
    const proxy = await startMcpProxy({ url: new URL(modern.url), tokens, input: toProxy, output: toAgent, report: () => undefined });
    proxies.push(proxy);
    const lines: Array<Record<string, unknown>> = [];
    const waiters = new Map<number, () => void>();
    let buffer = '';
    toAgent.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const complete = buffer.split('\n');
      buffer = complete.pop() ?? '';
      for (const line of complete) {
        const message = JSON.parse(line) as Record<string, unknown>;
        lines.push(message);
        if (typeof message['id'] === 'number' && message['method'] === undefined) waiters.get(message['id'])?.();
      }
    });
    /** Writes one request line and resolves when its answer line was read. */
    const ask = (id: number, method: string, params: object): Promise<void> =>
      new Promise<void>((resolve) => {
        waiters.set(id, resolve);
        toProxy.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    await ask(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'stdio-agent', version: '1.0.0' } });
    toProxy.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    await ask(2, 'tools/call', { name: 'count', arguments: { to: 3 }, _meta: { progressToken: 'p' } });
    const call = lines.filter((line) => line['id'] === 2 || line['method'] === 'notifications/progress');
    const described = call.map((line) => (line['id'] === 2 ? 'result' : JSON.stringify(line['params'])));
    expect(described).toEqual([1, 2, 3].map((progress) => JSON.stringify({ progressToken: 'p', progress, total: 3 })).concat('result'));
  });

  it('connect → first call in-process: auto and --protocol 2026-07-28 (5 each, alternating; printed)', async () => {
    const timeFirstCall = async (protocol?: ProtocolChoice): Promise<number> => {
      const started = performance.now();
      const client = await legacyAgent(modern.url, {}, protocol);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'timed' } }))).toBe('timed');
      const ms = performance.now() - started;
      await client.close();
      return ms;
    };
    const auto: number[] = [];
    const pinned: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      auto.push(await timeFirstCall());
      pinned.push(await timeFirstCall('2026-07-28'));
    }
    const median = (values: number[]): string => ([...values].sort((a, b) => a - b)[2] ?? 0).toFixed(1);
    console.info(`[era] connect → first call, 2025 agent → 2026-07-28 server, in-process: auto median ${median(auto)} ms, pinned median ${median(pinned)} ms`);
  });

  it('--protocol 2026-07-28 skips the refused initialize', async () => {
    const before = modern.refusals();
    const client = await legacyAgent(modern.url, {}, '2026-07-28');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'pinned' } }))).toBe('pinned');
    expect(modern.refusals()).toBe(before);
    await client.close();
  });
});

describe('2026-07-28 agent, 2025 server: cancellation', () => {
  it("the agent's notifications/cancelled reaches the server", async () => {
    const client = await modernAgent(legacy.url);
    // The v1 SDK server ignores a cancellation of request id 0: the call to cancel is not the first.
    await client.callTool({ name: 'echo', arguments: { text: 'first' } });
    const controller = new AbortController();
    const waiting = client.callTool({ name: 'wait', arguments: {} }, { signal: controller.signal });
    await expect.poll(() => legacy.waiting()).toBe(1);
    controller.abort('changed my mind');
    await expect(waiting).rejects.toThrow();
    await expect.poll(() => legacy.cancelled()).toBe(1);
    await client.close();
  });
});

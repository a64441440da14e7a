/**
 * URL elicitation through `latchkey mcp` (protocol.md E1–E3), in-process: a real MCP SDK
 * client as the agent, the proxy with a port double for the wallet's bridge call, and real MCP
 * SDK servers that ask for URLs (test/world/elicitation-servers.ts). Every message the agent
 * receives is kept and scanned: no elicitation URL may reach it.
 */
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../../../../shared/errors.js';
import { MAX_ROUNDS, startMcpProxy, type MessageProxy, type TokenSource } from '../../../../electron/agent/proxy/index.js';
import { startElicitationServer, type ElicitationServer, type ElicitationServerOptions } from '../../../world/elicitation-servers.js';
import { answering, WalletDouble } from './wallet-double.js';

const tokens: TokenSource = {
  fetchToken: () => Promise.resolve({ access_token: 'unused', token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 600, scope: '' }),
};

interface Agent {
  client: Client;
  proxy: MessageProxy;
  /** Every message the agent received. */
  received: JSONRPCMessage[];
  debug: string[];
  server: ElicitationServer;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A transport that records what the agent receives. */
function recording(inner: Transport, received: JSONRPCMessage[]): Transport {
  const outer: Transport = {
    start: () => inner.start(),
    send: (message, options) => inner.send(message, options),
    close: () => inner.close(),
  };
  inner.onmessage = (message, extra) => {
    received.push(message);
    outer.onmessage?.(message, extra);
  };
  inner.onclose = () => outer.onclose?.();
  inner.onerror = (error) => outer.onerror?.(error);
  return outer;
}

async function connectAgent(
  wallet: WalletDouble,
  serverOptions: ElicitationServerOptions = {},
  capabilities: ClientOptions['capabilities'] = { elicitation: { form: {} } },
  setup?: (client: Client) => void,
): Promise<Agent> {
  const server = await startElicitationServer(serverOptions);
  cleanups.push(() => server.close());
  const [agentSide, proxySide] = InMemoryTransport.createLinkedPair();
  const debug: string[] = [];
  const proxy = await startMcpProxy({
    url: new URL(server.url),
    tokens,
    elicitations: wallet,
    local: proxySide,
    report: () => undefined,
    debug: (line) => debug.push(line),
  });
  const received: JSONRPCMessage[] = [];
  const client = new Client({ name: 'agent', version: '1.0.0' }, { capabilities });
  setup?.(client);
  await client.connect(recording(agentSide, received));
  cleanups.push(async () => {
    await client.close();
    await proxy.done;
  });
  return { client, proxy, received, debug, server };
}

function expectNoUrl(agent: Agent): void {
  const seen = JSON.stringify(agent.received);
  expect(seen).not.toContain('/page/');
  expect(seen).not.toContain('elicitation/complete');
}

async function rejection(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: { latchkey_code?: string } }> {
  return promise.then(
    () => {
      throw new Error('expected a JSON-RPC error');
    },
    (error: unknown) => error as { code: number; message: string; data?: { latchkey_code?: string } },
  );
}

const LooseResult = z.looseObject({});

describe('E3: latchkey mcp declares URL elicitation and keeps the agent\'s form mode as declared', () => {
  it.each([
    ['no elicitation', {}, { url: {} }],
    ['elicitation: {} (form in 2025-11-25)', { elicitation: {} }, { form: {}, url: {} }],
    ['form with options', { elicitation: { form: { applyDefaults: true } } }, { form: { applyDefaults: true }, url: {} }],
  ])('E3 %s', async (_name, capabilities, expected) => {
    const agent = await connectAgent(new WalletDouble(answering('decline')), {}, capabilities);
    await expect.poll(() => agent.server.counts.clientCapabilities.length).toBe(1);
    expect(agent.server.counts.clientCapabilities).toEqual([expect.objectContaining({ elicitation: expected })]);
  });
});

describe('E1: elicitation/create mode url goes to the wallet, never to the agent', () => {
  it.each(['accept', 'decline', 'cancel'] as const)('E1 %s reaches the server; the agent sees no URL', async (action) => {
    const wallet = new WalletDouble(answering(action), true);
    let agentAsked = false;
    const agent = await connectAgent(wallet, {}, { elicitation: { form: {} } }, (client) => {
      client.setRequestHandler(ElicitRequestSchema, () => {
        agentAsked = true;
        return { action: 'decline' };
      });
    });
    const result = await agent.client.callTool({ name: 'open_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: `action: ${action}` }]);
    expect(agent.server.counts.actions).toEqual([action]);
    expect(agentAsked).toBe(false);
    expect(wallet.calls).toHaveLength(1);
    expect(wallet.calls[0]?.request).toMatchObject({ server: agent.server.url, stage: 'open', message: 'Sign in to the example service to continue.' });
    expect(wallet.calls[0]?.request.url.startsWith(`${agent.server.origin}/page/`)).toBe(true);
    // The wallet opens the page only on accept (E9: nothing fetches it otherwise).
    expect(agent.server.counts.totalPageVisits).toBe(action === 'accept' ? 1 : 0);
    expectNoUrl(agent);
    expect(agent.debug.join('\n')).not.toContain('/page/');
  });

  it('E1 a wallet that cannot be reached answers cancel', async () => {
    const wallet = new WalletDouble(() => Promise.reject(new Error('connect ECONNREFUSED')));
    const agent = await connectAgent(wallet);
    const result = await agent.client.callTool({ name: 'open_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'action: cancel' }]);
    expectNoUrl(agent);
  });
});

describe('E1: -32042 URL elicitation required', () => {
  it('E1 the wallet opens the page, the completion releases the request, the retry (same id) gets the tool result', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'), true);
    const agent = await connectAgent(wallet);
    await agent.server.waitForGetStream();
    const result = await agent.client.callTool({ name: 'guarded_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'guarded: done' }]);
    expect(agent.server.counts.toolCalls['guarded_page']).toBe(2);
    expect(agent.server.counts.totalPageVisits).toBe(1);
    expect(agent.server.counts.completionsSent).toHaveLength(1);
    // The completion may arrive while the wallet is still answering 'open': then no wait is raised;
    // otherwise the wait was withdrawn (its request aborted) when the completion came.
    expect(wallet.stages()[0]).toBe('open');
    for (const call of wallet.calls.filter((c) => c.request.stage === 'wait')) expect(call.signal?.aborted).toBe(true);
    expectNoUrl(agent);
  });

  it('E1 without a completion notification, the user\'s retry (wait accept) resends the request', async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'), true);
    const agent = await connectAgent(wallet, { notifyCompletion: false });
    const result = await agent.client.callTool({ name: 'guarded_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'guarded: done' }]);
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expect(wallet.calls[1]?.request).toMatchObject({ server: agent.server.url, stage: 'wait', message: 'Link your account first.' });
    expect(agent.server.counts.completionsSent).toEqual([]);
    expect(agent.server.counts.toolCalls['guarded_page']).toBe(2);
    expectNoUrl(agent);
  });

  it('E1 a declined page answers the agent ElicitationDeclined, without the URL', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const agent = await connectAgent(wallet);
    const error = await rejection(agent.client.callTool({ name: 'guarded_page', arguments: {} }));
    expect(error.data?.latchkey_code).toBe(ErrorCode.ElicitationDeclined);
    expect(JSON.stringify(error)).not.toContain('/page/');
    expect(agent.server.counts.toolCalls['guarded_page']).toBe(1);
    expect(agent.server.counts.totalPageVisits).toBe(0);
    expectNoUrl(agent);
  });

  it(`E1 rounds are bounded: after ${MAX_ROUNDS} retries the agent gets ElicitationLimit`, async () => {
    // The user presses retry without finishing the page: the server keeps answering -32042.
    const wallet = new WalletDouble(answering('accept', 'accept'));
    const agent = await connectAgent(wallet, { notifyCompletion: false });
    const error = await rejection(agent.client.callTool({ name: 'guarded_page', arguments: {} }));
    expect(error.data?.latchkey_code).toBe(ErrorCode.ElicitationLimit);
    expect(agent.server.counts.toolCalls['guarded_page']).toBe(MAX_ROUNDS + 1);
    // The server names the same page each round: the owner let it open once and is not asked again (T15).
    expect(wallet.stages()).toEqual(['open', ...Array.from({ length: MAX_ROUNDS }, () => 'wait')]);
    expectNoUrl(agent);
  });

  it('B14 a completion for an unknown id is not forwarded and releases nothing', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'));
    const agent = await connectAgent(wallet, { notifyCompletion: false });
    await agent.server.waitForGetStream();
    const call = agent.client.callTool({ name: 'guarded_page', arguments: {} });
    await wallet.waitForCalls(2);
    await agent.server.sendCompletion('never-issued');
    await expect.poll(() => agent.debug.some((line) => line.includes('unknown id ignored'))).toBe(true);
    expect(wallet.calls[1]?.signal?.aborted).toBe(false);
    expect(agent.server.counts.toolCalls['guarded_page']).toBe(1);
    // The real id (in the page the wallet was asked to open) does release it.
    const guardedId = decodeURIComponent(wallet.calls[0]?.request.url.split('/page/')[1] ?? '');
    await fetch(wallet.calls[0]?.request.url ?? '');
    await agent.server.sendCompletion(guardedId);
    const result = await call;
    expect(result.content).toEqual([{ type: 'text', text: 'guarded: done' }]);
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
    expectNoUrl(agent);
  });
});

describe('E2: 2026-07-28 input_required with URL input requests', () => {
  it('E2 the wallet answers the URL entry, the proxy retries with inputResponses and the echoed requestState', async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'), true);
    const agent = await connectAgent(wallet);
    const result = await agent.client.callTool({ name: 'input_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'input: accept' }]);
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expect(agent.server.counts.inputRetries).toEqual([{ inputResponses: { page: { action: 'accept' } }, requestState: expect.any(String) }]);
    expect(agent.server.counts.totalPageVisits).toBe(1);
    expectNoUrl(agent);
  });

  it('E2 a declined page is the server\'s to judge: the retry carries decline, no wait', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const agent = await connectAgent(wallet);
    const result = await agent.client.callTool({ name: 'input_page', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'input: decline' }]);
    expect(wallet.stages()).toEqual(['open']);
    expectNoUrl(agent);
  });

  it('E2 mixed input requests: the agent gets only the form entry, its retry gets the wallet\'s answer merged in', async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'), true);
    const agent = await connectAgent(wallet);
    const first = await agent.client.request(
      { method: 'tools/call', params: { name: 'input_page', arguments: { form: true } } },
      LooseResult,
    );
    expect(first['resultType']).toBe('input_required');
    expect(Object.keys(first['inputRequests'] as object)).toEqual(['name']);
    const requestState = first['requestState'];
    expect(typeof requestState).toBe('string');
    const second = await agent.client.request(
      {
        method: 'tools/call',
        params: { name: 'input_page', arguments: { form: true }, inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } }, requestState },
      },
      LooseResult,
    );
    expect(second['content']).toEqual([{ type: 'text', text: 'input: accept, name: Ada' }]);
    expect(agent.server.counts.inputRetries.at(-1)?.inputResponses).toEqual({ name: { action: 'accept', content: { name: 'Ada' } }, page: { action: 'accept' } });
    expectNoUrl(agent);
  });
});

import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createEraAdapter, type EraAdapterOptions } from '../../../../electron/agent/proxy/era-adapter.js';
import { ErrorCode } from '../../../../shared/errors.js';
import type { RemoteTransport } from '../../../../electron/agent/proxy/message-proxy.js';

type Json = Record<string, unknown>;
type Answer = (message: Json) => Json | Error | undefined;

/** A remote transport double: `answer` decides, per message sent, the server's reply or a refusal. */
function remoteDouble(answer: Answer) {
  const sent: Json[] = [];
  const versions: string[] = [];
  const remote: RemoteTransport = {
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
    send(message) {
      const record = message as unknown as Json;
      sent.push(record);
      const reply = answer(record);
      if (reply instanceof Error) return Promise.reject(reply);
      if (reply !== undefined) remote.onmessage?.(reply as unknown as JSONRPCMessage);
      return Promise.resolve();
    },
    setProtocolVersion: (version) => void versions.push(version),
  };
  return { remote, sent, versions };
}

function refusal(status: number): SdkHttpError {
  return new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing to endpoint', { status, text: '' });
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'agent', version: '1.0.0' } },
};
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'agent', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

function modernServer(message: Json): Json | Error | undefined {
  if (message['method'] === 'initialize') return refusal(400);
  if (message['method'] === 'server/discover') {
    return {
      jsonrpc: '2.0',
      id: message['id'],
      result: {
        supportedVersions: ['2026-07-28'],
        capabilities: { tools: {} },
        resultType: 'complete',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern', version: '2.0.0' } },
      },
    };
  }
  if (message['method'] === 'tools/call') return { jsonrpc: '2.0', id: message['id'], result: { content: [], resultType: 'complete' } };
  return undefined;
}

async function start(answer: Answer, options: EraAdapterOptions = {}) {
  const double = remoteDouble(answer);
  const adapter = createEraAdapter(double.remote, options);
  const received: Json[] = [];
  adapter.onmessage = (message) => void received.push(message as unknown as Json);
  await adapter.start();
  return { ...double, adapter, received };
}

describe('era adapter (latchkey mcp across protocol revisions)', () => {
  it('same era: initialize and everything after pass as they are, with no discover probe', async () => {
    const t = await start((message) =>
      message['method'] === 'initialize' ? { jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } } } : undefined,
    );
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } };
    await t.adapter.send(call as JSONRPCMessage);
    t.adapter.setProtocolVersion?.('2025-06-18');
    expect(t.adapter.era).toBe('legacy');
    expect(t.sent).toEqual([INITIALIZE, call]);
    expect(t.versions).toEqual(['2025-06-18']);
    expect(t.received.map((m) => m['id'])).toEqual([0]);
  });

  it('2026-only server: initialize is answered from server/discover and every request carries the envelope', async () => {
    const t = await start(modernServer);
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    expect(t.adapter.era).toBe('modern');
    expect(t.sent[1]).toMatchObject({ method: 'server/discover', params: { _meta: ENVELOPE } });
    expect(t.received).toEqual([
      { jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'modern', version: '2.0.0' } } },
    ]);

    await t.adapter.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    t.adapter.setProtocolVersion?.('2025-06-18');
    await t.adapter.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {}, _meta: { progressToken: 7 } } });
    expect(t.sent.map((m) => m['method'])).toEqual(['initialize', 'server/discover', 'tools/call']);
    expect(t.sent[2]).toMatchObject({ params: { name: 'echo', _meta: { progressToken: 7, ...ENVELOPE } } });
    expect(t.versions).toEqual([]);
    expect(t.received[1]).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [] } });
  });

  it('an auth refusal of initialize is not a reason to probe: the refusal goes back as it came', async () => {
    const refused = refusal(401);
    const t = await start(() => refused);
    await expect(t.adapter.send(INITIALIZE as JSONRPCMessage)).rejects.toBe(refused);
    expect(t.sent.map((m) => m['method'])).toEqual(['initialize']);
  });

  it('a 400 from a server that does not answer server/discover either: the initialize refusal goes back', async () => {
    const refused = refusal(400);
    const t = await start((message) =>
      message['method'] === 'initialize' ? refused : { jsonrpc: '2.0', id: message['id'], error: { code: -32601, message: 'Method not found' } },
    );
    await expect(t.adapter.send(INITIALIZE as JSONRPCMessage)).rejects.toBe(refused);
    expect(t.adapter.era).toBe('unknown');
    expect(t.received).toEqual([]);
  });
});

const DISCOVER = { jsonrpc: '2.0', id: 0, method: 'server/discover', params: { _meta: ENVELOPE } };
const INIT_RESULT = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'old', version: '1.0.0' }, instructions: 'be kind' };

/** A 2025 server: a 2026-07-28 request (envelope in _meta) is refused with HTTP 400. */
function legacyServer(message: Json): Json | Error | undefined {
  const meta = (message['params'] as Json | undefined)?.['_meta'] as Json | undefined;
  if (meta?.['io.modelcontextprotocol/protocolVersion'] !== undefined) return refusal(400);
  if (message['method'] === 'initialize') return { jsonrpc: '2.0', id: message['id'], result: INIT_RESULT };
  if (message['method'] === 'tools/list') return { jsonrpc: '2.0', id: message['id'], result: { tools: [] } };
  return undefined;
}

function call(id: number, extra: Json = {}): JSONRPCMessage {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ask', arguments: {}, _meta: ENVELOPE, ...extra } } as JSONRPCMessage;
}

describe('era adapter: a 2026-07-28 agent and a 2025 server', () => {
  it('server/discover is answered from an initialize run upstream with the envelope; the envelope leaves later requests; results get the 2026 shape', async () => {
    const t = await start(legacyServer);
    await t.adapter.send(DISCOVER as JSONRPCMessage);
    expect(t.adapter.era).toBe('legacy');
    expect(t.adapter.bridged).toBe(true);
    expect(t.sent.map((m) => m['method'])).toEqual(['server/discover', 'initialize', 'notifications/initialized']);
    expect(t.sent[1]).toMatchObject({ params: { protocolVersion: '2025-11-25', clientInfo: { name: 'agent' }, capabilities: { elicitation: {} } } });
    expect(t.versions).toEqual(['2025-11-25']);
    expect(t.received).toEqual([
      {
        jsonrpc: '2.0',
        id: 0,
        result: {
          resultType: 'complete',
          supportedVersions: ['2026-07-28'],
          capabilities: { tools: {} },
          ttlMs: 0,
          cacheScope: 'private',
          instructions: 'be kind',
          _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'old', version: '1.0.0' } },
        },
      },
    ]);
    await t.adapter.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { ...ENVELOPE, progressToken: 3 } } } as JSONRPCMessage);
    expect(t.sent[3]).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 3 } } });
    expect(t.received[1]).toEqual({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete', ttlMs: 0, cacheScope: 'private', tools: [] } });
  });

  it('an agent that skips discover: its first request, refused, brings the initialize, then goes again without the envelope', async () => {
    const t = await start(legacyServer);
    await t.adapter.send({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: ENVELOPE } } as JSONRPCMessage);
    expect(t.sent.map((m) => m['method'])).toEqual(['tools/list', 'initialize', 'notifications/initialized', 'tools/list']);
    expect(t.sent[3]).toEqual({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: {} });
    expect(t.received).toEqual([{ jsonrpc: '2.0', id: 4, result: { resultType: 'complete', ttlMs: 0, cacheScope: 'private', tools: [] } }]);
  });

  it("the server's elicitation during one call becomes input_required; the retry answers the server and gets the result under its own id", async () => {
    const t = await start(legacyServer);
    await t.adapter.send(DISCOVER as JSONRPCMessage);
    await t.adapter.send(call(1));
    const form = { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: {} } };
    t.remote.onmessage?.({ jsonrpc: '2.0', id: 'srv-1', method: 'elicitation/create', params: form } as JSONRPCMessage);
    const asked = t.received[1] as { id: number; result: { resultType: string; inputRequests: Json; requestState: string } };
    expect(asked).toMatchObject({ id: 1, result: { resultType: 'input_required', inputRequests: { input: { method: 'elicitation/create', params: form } } } });
    expect(asked.result.requestState).toMatch(/^[0-9a-f-]{36}$/);

    await t.adapter.send(call(2, { inputResponses: { input: { action: 'accept', content: { name: 'Ada' } } }, requestState: asked.result.requestState }));
    expect(t.sent.at(-1)).toEqual({ jsonrpc: '2.0', id: 'srv-1', result: { action: 'accept', content: { name: 'Ada' } } });
    t.remote.onmessage?.({ jsonrpc: '2.0', id: 1, result: { content: [] } } as JSONRPCMessage);
    expect(t.received.at(-1)).toEqual({ jsonrpc: '2.0', id: 2, result: { resultType: 'complete', content: [] } });

    // A request state is used once: a second retry with it is an ordinary request again.
    await t.adapter.send(call(3, { requestState: asked.result.requestState }));
    expect(t.sent.at(-1)).toMatchObject({ id: 3, method: 'tools/call' });
  });

  it("with two calls under way the server's request cannot be placed: the server gets a JSON-RPC error, the agent nothing", async () => {
    const t = await start(legacyServer);
    await t.adapter.send(DISCOVER as JSONRPCMessage);
    await t.adapter.send(call(1));
    await t.adapter.send(call(2));
    t.remote.onmessage?.({ jsonrpc: '2.0', id: 'srv-2', method: 'roots/list', params: {} } as JSONRPCMessage);
    await Promise.resolve();
    expect(t.sent.at(-1)).toMatchObject({ id: 'srv-2', error: { code: -32603 } });
    expect(t.received).toHaveLength(1);
  });

  it("the server's ping is answered by the proxy", async () => {
    const t = await start(legacyServer);
    await t.adapter.send(DISCOVER as JSONRPCMessage);
    t.remote.onmessage?.({ jsonrpc: '2.0', id: 'p', method: 'ping' } as JSONRPCMessage);
    await Promise.resolve();
    expect(t.sent.at(-1)).toEqual({ jsonrpc: '2.0', id: 'p', result: {} });
  });

  it('--protocol 2025-11-25 runs the initialize without sending discover first', async () => {
    const t = await start(legacyServer, { protocol: '2025-11-25' });
    await t.adapter.send(DISCOVER as JSONRPCMessage);
    expect(t.sent.map((m) => m['method'])).toEqual(['initialize', 'notifications/initialized']);
  });
});

describe('era adapter: a 2025 agent and a 2026-07-28 server, the rest', () => {
  it('--protocol 2026-07-28 sends discover without the refused initialize; a server that does not answer it fails with server_era_unsupported', async () => {
    const t = await start(modernServer, { protocol: '2026-07-28' });
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    expect(t.sent.map((m) => m['method'])).toEqual(['server/discover']);
    expect(t.adapter.era).toBe('modern');

    const old = await start(legacyServer, { protocol: '2026-07-28', origin: 'http://127.0.0.1:9' });
    await expect(old.adapter.send(INITIALIZE as JSONRPCMessage)).rejects.toMatchObject({ code: ErrorCode.ServerEraUnsupported });
  });

  it('an input request the agent did not declare fails the call with a clear error; nothing is asked', async () => {
    const t = await start((message) =>
      message['method'] === 'tools/call'
        ? {
            jsonrpc: '2.0',
            id: message['id'],
            result: { resultType: 'input_required', inputRequests: { m: { method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } } }, requestState: 's' },
          }
        : modernServer(message),
    );
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    await t.adapter.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } } as JSONRPCMessage);
    expect(t.received.at(-1)).toMatchObject({ id: 1, error: { data: { latchkey_code: ErrorCode.RemoteRejected }, message: expect.stringContaining('sampling/createMessage') } });
    expect(t.received.filter((m) => m['method'] !== undefined)).toEqual([]);
  });

  it("a form entry becomes an elicitation/create to the agent; its answer goes back in the retry; the agent's cancellation withdraws the question", async () => {
    let rounds = 0;
    const t = await start((message) => {
      if (message['method'] !== 'tools/call') return modernServer(message);
      rounds += 1;
      const params = message['params'] as Json;
      if (params['requestState'] === 's1') return { jsonrpc: '2.0', id: message['id'], result: { resultType: 'complete', content: [{ type: 'text', text: JSON.stringify(params['inputResponses']) }] } };
      return { jsonrpc: '2.0', id: message['id'], result: { resultType: 'input_required', inputRequests: { who: { method: 'elicitation/create', params: { mode: 'form', message: 'Who?', requestedSchema: {} } } }, requestState: 's1' } };
    });
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    await t.adapter.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } } as JSONRPCMessage);
    const question = t.received.at(-1) as Json;
    expect(question).toMatchObject({ method: 'elicitation/create', params: { mode: 'form', message: 'Who?' } });
    await t.adapter.send({ jsonrpc: '2.0', id: question['id'], result: { action: 'accept', content: { n: 1 } } } as JSONRPCMessage);
    await expect.poll(() => rounds).toBe(2);
    expect(t.received.at(-1)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: '{"who":{"action":"accept","content":{"n":1}}}' }] } });

    await t.adapter.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: {} } } as JSONRPCMessage);
    const second = t.received.at(-1) as Json;
    await t.adapter.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } } as JSONRPCMessage);
    expect(t.received.at(-1)).toMatchObject({ method: 'notifications/cancelled', params: { requestId: second['id'] } });
    expect(t.sent.filter((m) => m['method'] === 'notifications/cancelled')).toEqual([]);
  });
  it("URL entries stay the wallet's: the agent answers its form entry, the interceptor gets only the page, and its retry carries both answers", async () => {
    const retries: Json[] = [];
    const t = await start(
      (message) => {
        if (message['method'] !== 'tools/call') return modernServer(message);
        const params = message['params'] as Json;
        if (params['requestState'] === 's2') {
          retries.push(params['inputResponses'] as Json);
          return { jsonrpc: '2.0', id: message['id'], result: { resultType: 'complete', content: [] } };
        }
        const page = { method: 'elicitation/create', params: { mode: 'url', url: 'https://pay.example/x', message: 'Pay', elicitationId: 'e' } };
        const who = { method: 'elicitation/create', params: { mode: 'form', message: 'Who?', requestedSchema: {} } };
        return { jsonrpc: '2.0', id: message['id'], result: { resultType: 'input_required', inputRequests: { page, who }, requestState: 's2' } };
      },
      { walletTakesUrl: true },
    );
    await t.adapter.send(INITIALIZE as JSONRPCMessage);
    const original = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } };
    await t.adapter.send(original as JSONRPCMessage);
    const question = t.received.at(-1) as Json;
    expect(question).toMatchObject({ method: 'elicitation/create', params: { mode: 'form' } });
    await t.adapter.send({ jsonrpc: '2.0', id: question['id'], result: { action: 'accept', content: { n: 2 } } } as JSONRPCMessage);
    await expect.poll(() => t.received.length).toBe(3);
    expect(t.received.at(-1)).toMatchObject({ id: 1, result: { resultType: 'input_required', requestState: 's2', inputRequests: { page: { params: { mode: 'url' } } } } });
    expect(Object.keys(((t.received.at(-1) as Json)['result'] as Json)['inputRequests'] as Json)).toEqual(['page']);
    // The interceptor's retry (after the owner's answer) gets the agent's form answer merged in.
    await t.adapter.send({ ...original, params: { name: 'x', arguments: {}, inputResponses: { page: { action: 'accept' } }, requestState: 's2' } } as JSONRPCMessage);
    expect(retries).toEqual([{ who: { action: 'accept', content: { n: 2 } }, page: { action: 'accept' } }]);
    expect(t.received.at(-1)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [] } });
  });
});

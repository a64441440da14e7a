import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createEraAdapter } from '../../../../electron/agent/proxy/era-adapter.js';
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

async function start(answer: Answer) {
  const double = remoteDouble(answer);
  const adapter = createEraAdapter(double.remote);
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

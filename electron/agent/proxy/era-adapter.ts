/**
 * The remote side of `latchkey mcp` across protocol eras. A 2025 agent starts with `initialize`;
 * that message goes to the server as it is, and when the server answers it (same era) nothing
 * else here ever changes a message. When the server refuses it, the adapter asks `server/discover`
 * with the 2026-07-28 envelope built from the agent's `initialize`; a discover result switches the
 * connection to the modern wire: the agent's `initialize` is answered from the discover result,
 * `notifications/initialized` stays here, every request upstream carries the envelope in
 * `params._meta` (the transport derives MCP-Protocol-Version, Mcp-Method and Mcp-Name from it), and
 * results lose the fields only 2026-07-28 defines when they say nothing (`resultType: "complete"`).
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SdkHttpError,
  SERVER_INFO_META_KEY,
} from '@modelcontextprotocol/client';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { RemoteTransport } from './message-proxy.js';

/** The revision spoken upstream once a server answers `server/discover`. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
/** What a 2025 agent is told when it asks for a revision this proxy does not know. */
const FALLBACK_AGENT_VERSION = '2025-11-25';
const AGENT_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
const DISCOVER_TIMEOUT_MS = 15_000;

type Json = Record<string, unknown>;
export type Era = 'unknown' | 'legacy' | 'modern';

export interface EraAdapter extends RemoteTransport {
  /** The wire spoken upstream, once the agent's `initialize` has been answered. */
  readonly era: Era;
}

export interface EraAdapterOptions {
  debug?: (message: string) => void;
  discoverTimeoutMs?: number;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asMessage(value: Json): JSONRPCMessage {
  return value as unknown as JSONRPCMessage;
}

/** Wraps the remote transport; the message proxy talks to the adapter as it would to the transport. */
export function createEraAdapter(inner: RemoteTransport, options: EraAdapterOptions = {}): EraAdapter {
  let era: Era = 'unknown';
  let envelope: Json | undefined;
  let discoverCount = 0;
  const waiting = new Map<RequestId, (message: JSONRPCMessage) => void>();

  const deliver = (message: JSONRPCMessage): void => adapter.onmessage?.(message);

  const discover = async (initialize: Json): Promise<Json | undefined> => {
    const params = isObject(initialize['params']) ? initialize['params'] : {};
    const candidate: Json = {
      [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
      [CLIENT_INFO_META_KEY]: isObject(params['clientInfo']) ? params['clientInfo'] : { name: 'latchkey-mcp', version: '0' },
      [CLIENT_CAPABILITIES_META_KEY]: isObject(params['capabilities']) ? params['capabilities'] : {},
    };
    discoverCount += 1;
    const id = `latchkey-discover-${discoverCount}`;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<JSONRPCMessage | undefined>((resolve) => {
      waiting.set(id, resolve);
      timer = setTimeout(() => resolve(undefined), options.discoverTimeoutMs ?? DISCOVER_TIMEOUT_MS);
    });
    try {
      await inner.send(asMessage({ jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: candidate } }));
      const response = await answer;
      const result = response === undefined ? undefined : (response as Json)['result'];
      if (!isObject(result) || !Array.isArray(result['supportedVersions']) || !result['supportedVersions'].includes(MODERN_PROTOCOL_VERSION)) {
        return undefined;
      }
      envelope = candidate;
      return result;
    } catch (error) {
      options.debug?.(`server/discover failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
      waiting.delete(id);
    }
  };

  const answerInitialize = (initialize: Json, discovered: Json): void => {
    const params = isObject(initialize['params']) ? initialize['params'] : {};
    const asked = params['protocolVersion'];
    const meta = isObject(discovered['_meta']) ? discovered['_meta'] : {};
    const serverInfo = isObject(meta[SERVER_INFO_META_KEY]) ? meta[SERVER_INFO_META_KEY] : { name: 'mcp-server', version: '0' };
    const result: Json = {
      protocolVersion: typeof asked === 'string' && AGENT_VERSIONS.has(asked) ? asked : FALLBACK_AGENT_VERSION,
      capabilities: isObject(discovered['capabilities']) ? discovered['capabilities'] : {},
      serverInfo,
      ...(typeof discovered['instructions'] === 'string' ? { instructions: discovered['instructions'] } : {}),
    };
    deliver(asMessage({ jsonrpc: '2.0', id: initialize['id'], result }));
  };

  const stamp = (message: JSONRPCMessage): JSONRPCMessage => {
    const record = message as Json;
    if (envelope === undefined || typeof record['method'] !== 'string') return message;
    const params = isObject(record['params']) ? record['params'] : {};
    const meta = isObject(params['_meta']) ? params['_meta'] : {};
    return asMessage({ ...record, params: { ...params, _meta: { ...meta, ...envelope } } });
  };

  const adapter: EraAdapter = {
    get era() {
      return era;
    },
    get sessionId() {
      return inner.sessionId;
    },
    start: () => inner.start(),
    close: () => inner.close(),
    async send(message, sendOptions) {
      const record = message as Json;
      if (era === 'modern') {
        // 2026-07-28 has no initialized notification: the discover result was the handshake.
        if (record['method'] === 'notifications/initialized') return;
        await inner.send(stamp(message), sendOptions);
        return;
      }
      if (era === 'unknown' && record['method'] === 'initialize' && record['id'] !== undefined) {
        try {
          await inner.send(message, sendOptions);
          era = 'legacy';
          return;
        } catch (refused) {
          // A 2026-only server refuses a 2025 initialize with HTTP 400 (-32022 or -32020);
          // auth refusals and network failures stay what they are.
          if (!(refused instanceof SdkHttpError) || refused.status !== 400) throw refused;
          const discovered = await discover(record);
          if (discovered === undefined) throw refused;
          era = 'modern';
          options.debug?.(`the server speaks ${MODERN_PROTOCOL_VERSION}: bridging the agent's 2025 session`);
          answerInitialize(record, discovered);
          return;
        }
      }
      await inner.send(message, sendOptions);
    },
    setProtocolVersion(version) {
      // On the modern wire the headers come from each message's envelope.
      if (era !== 'modern') inner.setProtocolVersion?.(version);
    },
    ...(inner.terminateSession === undefined ? {} : { terminateSession: () => inner.terminateSession?.() ?? Promise.resolve() }),
  };

  inner.onmessage = (message) => {
    const id = (message as Json)['id'];
    const waiter = typeof id === 'string' || typeof id === 'number' ? waiting.get(id) : undefined;
    if (waiter !== undefined && typeof (message as Json)['method'] !== 'string') {
      waiter(message);
      return;
    }
    deliver(era === 'modern' ? resultForLegacyAgent(message) : message);
  };
  inner.onclose = () => adapter.onclose?.();
  inner.onerror = (error) => adapter.onerror?.(error);
  return adapter;
}

/** A modern result as a 2025 agent reads it: `resultType: "complete"` says nothing to it. */
export function resultForLegacyAgent(message: JSONRPCMessage): JSONRPCMessage {
  const record = message as Json;
  const result = record['result'];
  if (!isObject(result) || result['resultType'] !== 'complete') return message;
  const { resultType: _complete, ...rest } = result;
  return asMessage({ ...record, result: rest });
}

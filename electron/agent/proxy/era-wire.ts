/**
 * What the era adapter's two bridges share: the revisions, the 2026-07-28 request envelope (its
 * `_meta` keys), results as each era's agent reads them, and the adapter's own requests upstream
 * (`initialize` or `server/discover` sent on the agent's behalf), each answered or timed out.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { RemoteTransport } from './message-proxy.js';
import { httpStatusOf, PROXY_ERROR_CODE } from './remote-errors.js';
import { idOf, isObject, type Json } from './remote-messages.js';

export { idOf, isObject, type Json } from './remote-messages.js';

/** The 2026-07-28 envelope's `_meta` keys, and the server's in a result (the MCP SDK's names). */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';

/** The revision spoken on the modern wire. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
/** The newest 2025 revision: what the adapter asks a 2025 server for on a 2026-07-28 agent's behalf. */
export const LEGACY_PROTOCOL_VERSION = '2025-11-25';
/** `latchkey mcp --protocol`: auto probes; a pinned revision says which era the server speaks. */
export const PROTOCOL_CHOICES = ['auto', LEGACY_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION] as const;
export type ProtocolChoice = (typeof PROTOCOL_CHOICES)[number];

/** The envelope keys a 2026-07-28 request carries in `params._meta`. */
export const ENVELOPE_KEYS = [PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY] as const;
/** Results 2026-07-28 lets a client cache: they carry `ttlMs` and `cacheScope`. */
const CACHEABLE_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'server/discover']);
/** Server→client requests a 2026-07-28 server asks as input requests instead. */
export const INPUT_METHODS = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);
/** Requests whose 2026-07-28 result may be `input_required`. */
export const INPUT_CAPABLE_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** A copy of a JSON-RPC message with some fields changed is still one. */
export function asMessage(value: Json): JSONRPCMessage {
  return value as unknown as JSONRPCMessage;
}

export function recordOf(message: JSONRPCMessage): Json {
  return message as unknown as Json;
}

export function paramsOf(record: Json): Json {
  return isObject(record['params']) ? record['params'] : {};
}

/** A request's method and id, or undefined for a response or a notification. */
export function requestOf(record: Json): { id: RequestId; method: string } | undefined {
  const id = idOf(record['id']);
  return typeof record['method'] === 'string' && id !== undefined ? { id, method: record['method'] } : undefined;
}

/** A response's id, or undefined for a request or a notification. */
export function responseIdOf(record: Json): RequestId | undefined {
  return typeof record['method'] === 'string' ? undefined : idOf(record['id']);
}

/** The envelope of a 2026-07-28 request, or undefined when it carries none. */
export function envelopeOf(record: Json): Json | undefined {
  const meta = paramsOf(record)['_meta'];
  return isObject(meta) && typeof meta[PROTOCOL_VERSION_META_KEY] === 'string' ? meta : undefined;
}

/** The message without the envelope keys, so that the transport sends it as a 2025 one. */
export function stripEnvelope(message: JSONRPCMessage): JSONRPCMessage {
  const record = recordOf(message);
  const params = paramsOf(record);
  if (!isObject(params['_meta'])) return message;
  const meta: Json = { ...params['_meta'] };
  for (const key of ENVELOPE_KEYS) delete meta[key];
  const { _meta: _dropped, ...rest } = params;
  return asMessage({ ...record, params: Object.keys(meta).length === 0 ? rest : { ...rest, _meta: meta } });
}

/** A modern result as a 2025 agent reads it: `resultType: "complete"` says nothing to it. */
export function resultForLegacyAgent(message: JSONRPCMessage): JSONRPCMessage {
  const record = recordOf(message);
  const result = record['result'];
  if (!isObject(result) || result['resultType'] !== 'complete') return message;
  const { resultType: _complete, ...rest } = result;
  return asMessage({ ...record, result: rest });
}

/** A 2025 result as a 2026-07-28 agent reads it: `resultType: "complete"`, and cache fields where they are required. */
export function resultForModernAgent(message: JSONRPCMessage, method: string | undefined): JSONRPCMessage {
  const record = recordOf(message);
  const result = record['result'];
  if (!isObject(result)) return message;
  const cache = method !== undefined && CACHEABLE_METHODS.has(method) ? { ttlMs: 0, cacheScope: 'private' } : {};
  return asMessage({ ...record, result: { resultType: 'complete', ...cache, ...result } });
}

/** A JSON-RPC error answer carrying a Latchkey code, as the message proxy writes its own. */
export function errorAnswer(id: RequestId, error: LatchkeyError): JSONRPCMessage {
  const data = { latchkey_code: error.code, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  return asMessage({ jsonrpc: '2.0', id, error: { code: PROXY_ERROR_CODE, message: error.message, data } });
}

/** An HTTP refusal that means "not this era" (never an auth refusal or a network failure). */
export function isEraRefusal(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === 400 || status === 404 || status === 405;
}

export function eraUnsupported(origin: string, detail: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.ServerEraUnsupported, `The MCP server at ${origin} ${detail}.`, {
    hint: 'Run with --protocol auto (the default), or check the server URL.',
  });
}

/** The adapter's own requests upstream: each gets an id of its own and is answered, refused or timed out. */
export class OwnRequests {
  private readonly waiting = new Map<RequestId, (message: Json | undefined) => void>();
  private count = 0;

  constructor(
    private readonly inner: RemoteTransport,
    private readonly timeoutMs: number,
  ) {}

  /** The server's answer (result or error), undefined after the timeout; a refused send rejects. */
  async ask(method: string, params: Json): Promise<Json | undefined> {
    this.count += 1;
    const id = `latchkey-${method.replace(/\W/g, '-')}-${this.count}`;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<Json | undefined>((resolve) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      await this.inner.send(asMessage({ jsonrpc: '2.0', id, method, params }));
      return await answer;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  /** True when the message answered one of the adapter's own requests (it goes no further). */
  take(record: Json): boolean {
    const id = responseIdOf(record);
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (waiter === undefined) return false;
    waiter(record);
    return true;
  }
}

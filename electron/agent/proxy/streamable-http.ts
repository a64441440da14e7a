/**
 * The proxy's remote side: an MCP Streamable HTTP client transport that moves JSON-RPC messages
 * and reads nothing else. It does what the MCP SDK's client transport does for a client without
 * an OAuth provider (POST per message, a JSON or SSE answer, the GET stream after
 * `notifications/initialized`, Mcp-Session-Id, MCP-Protocol-Version, a 2026-07-28 request's
 * Mcp-Method and Mcp-Name from its envelope, SSE resumption with Last-Event-ID, DELETE at the
 * end, redirects followed only within the origin), without loading the SDK's schemas and
 * validators or checking every message against one revision's schema: the two ends own the
 * protocol; the proxy checks JSON-RPC framing only. Auth is the fetch's (authorizing-fetch.ts).
 */
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { RemoteTransport } from './message-proxy.js';
import { discard, type RemoteFetch, type RemoteResponse } from './remote-fetch.js';
import { createSseParser, type SseEvent } from './sse-parser.js';
import { isJsonRpcMessage } from './stdio-lines.js';

/** The `_meta` key of a 2026-07-28 request's protocol revision. */
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
/** Which param names a request in the Mcp-Name header. */
const MCP_NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};
/** Revisions from this one on are the modern era (string order is date order). */
const FIRST_MODERN_VERSION = '2026-07-28';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** An HTTP refusal from the MCP server (remote-errors.ts and the era adapter read its status). */
export class RemoteHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly text: string | null = null,
  ) {
    super(message);
    this.name = 'RemoteHttpError';
  }
}

export interface ReconnectionOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  growFactor: number;
  maxRetries: number;
}

/** The MCP SDK's defaults. */
const DEFAULT_RECONNECTION: ReconnectionOptions = { initialDelayMs: 1000, maxDelayMs: 30_000, growFactor: 1.5, maxRetries: 2 };

export interface StreamableHttpOptions {
  /** Every request goes through it (the authorizing fetch adds the token). */
  fetch: RemoteFetch;
  reconnection?: ReconnectionOptions;
}

export type SendOptions = TransportSendOptions & { requestSignal?: AbortSignal };

interface StreamOptions {
  resumptionToken?: string | undefined;
  onresumptiontoken?: ((token: string) => void) | undefined;
  /** A resumed request's id: its answer is delivered under it. */
  replayMessageId?: RequestId | undefined;
  requestSignal?: AbortSignal | undefined;
}

export interface StreamableHttpTransport extends RemoteTransport {
  readonly protocolVersion: string | undefined;
}

export function createStreamableHttpTransport(url: URL, options: StreamableHttpOptions): StreamableHttpTransport {
  const reconnection = options.reconnection ?? DEFAULT_RECONNECTION;
  let abort: AbortController | undefined;
  let sessionId: string | undefined;
  let protocolVersion: string | undefined;
  let serverRetryMs: number | undefined;
  let cancelReconnection: (() => void) | undefined;

  const intentional = (signal: AbortSignal | undefined): boolean => abort?.signal.aborted === true || signal?.aborted === true;
  const signalFor = (request: AbortSignal | undefined): AbortSignal | undefined => {
    const own = abort?.signal;
    if (request === undefined) return own;
    return own === undefined ? request : AbortSignal.any([own, request]);
  };
  const commonHeaders = (): Record<string, string> => ({
    ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    ...(protocolVersion === undefined ? {} : { 'mcp-protocol-version': protocolVersion }),
  });

  /** Follows a redirect only when it keeps the method and stays within the origin (as the SDK does). */
  const request = async (init: RequestInit): Promise<RemoteResponse> => {
    const method = init.method ?? 'GET';
    let current = url;
    for (let followed = 0; ; followed += 1) {
      const response = await options.fetch(current, { ...init, redirect: 'manual' });
      const target = redirectTarget(current, response);
      if (target === undefined || followed === MAX_REDIRECTS) return response;
      const keepsMethod = method === 'GET' || response.status === 307 || response.status === 308;
      const keepsUserinfo = (target.username === '' && target.password === '') || (target.username === current.username && target.password === current.password);
      if (!keepsMethod || !keepsUserinfo || !isWithinOrigin(current, target)) return response;
      await discard(response);
      current = target;
    }
  };

  const deliver = (value: unknown, replayMessageId: RequestId | undefined): boolean => {
    if (!isJsonRpcMessage(value)) {
      transport.onerror?.(new Error('The MCP server sent something that is not a JSON-RPC 2.0 message.'));
      return false;
    }
    const response = !('method' in value);
    if (response && replayMessageId !== undefined) (value as { id: RequestId }).id = replayMessageId;
    transport.onmessage?.(value);
    return response;
  };

  const scheduleReconnection = (stream: StreamOptions, attempt: number): void => {
    if (attempt >= reconnection.maxRetries) {
      transport.onerror?.(new Error(`Maximum reconnection attempts (${reconnection.maxRetries}) exceeded.`));
      return;
    }
    const delay = serverRetryMs ?? Math.min(reconnection.initialDelayMs * reconnection.growFactor ** attempt, reconnection.maxDelayMs);
    const timer = setTimeout(() => {
      cancelReconnection = undefined;
      if (intentional(stream.requestSignal)) return;
      openStream(stream).catch((error: unknown) => {
        if (intentional(stream.requestSignal)) return;
        transport.onerror?.(new Error(`Failed to reconnect SSE stream: ${messageOf(error)}`));
        scheduleReconnection(stream, attempt + 1);
      });
    }, delay);
    cancelReconnection = () => clearTimeout(timer);
  };

  /** Reads an SSE body to its end; reconnects (Last-Event-ID) when it ends before the answer it carries. */
  const readStream = async (body: AsyncIterable<Uint8Array>, stream: StreamOptions, reconnectable: boolean): Promise<void> => {
    let lastEventId: string | undefined;
    let primed = false;
    let answered = false;
    const events: SseEvent[] = [];
    const parser = createSseParser({
      onRetry: (ms) => {
        serverRetryMs = ms;
      },
      onEvent: (event) => void events.push(event),
    });
    const take = (event: SseEvent): void => {
      if (event.id !== undefined && event.id !== '') {
        lastEventId = event.id;
        primed = true;
        stream.onresumptiontoken?.(event.id);
      }
      if (event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
      try {
        if (deliver(JSON.parse(event.data), stream.replayMessageId)) answered = true;
      } catch (error) {
        transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const resume = (): void => {
      if ((reconnectable || primed) && !answered && abort !== undefined && !intentional(stream.requestSignal)) {
        scheduleReconnection({ ...stream, resumptionToken: lastEventId }, 0);
      }
    };
    const text = new TextDecoder();
    try {
      for await (const chunk of body) {
        parser.feed(text.decode(chunk, { stream: true }));
        // Events that came in one chunk go on one turn of the event loop each, as the SDK's
        // stream reader passes them: an SDK client runs a notification's handler a microtask
        // after it arrives and a response's at once, so progress sent together with its result
        // would otherwise reach the client after the result.
        for (let i = 0; i < events.length; i += 1) {
          if (i > 0) await nextTurn();
          take(events[i] as SseEvent);
        }
        events.length = 0;
      }
    } catch (error) {
      if (intentional(stream.requestSignal)) return;
      transport.onerror?.(new Error(`SSE stream disconnected: ${messageOf(error)}`));
    }
    resume();
  };

  /** The GET stream: server-initiated messages, or a resumed answer. A 405 means the server has none. */
  const openStream = async (stream: StreamOptions): Promise<void> => {
    try {
      const headers: Record<string, string> = { ...commonHeaders(), accept: 'text/event-stream' };
      if (stream.resumptionToken !== undefined) headers['last-event-id'] = stream.resumptionToken;
      const signal = signalFor(stream.requestSignal);
      const response = await request({ method: 'GET', headers, ...(signal === undefined ? {} : { signal }) });
      if (!response.ok) {
        await discard(response);
        if (response.status === 405) return;
        throw new RemoteHttpError(`Failed to open SSE stream: ${unfollowedRedirect(response) ?? response.statusText}`, response.status);
      }
      if (response.body !== null) void readStream(response.body, stream, true);
    } catch (error) {
      if (!intentional(stream.requestSignal)) transport.onerror?.(asError(error));
      throw error;
    }
  };

  const post = async (message: JSONRPCMessage, sendOptions: SendOptions | undefined): Promise<void> => {
    const record = message as Record<string, unknown>;
    const isRequest = typeof record['method'] === 'string' && record['id'] !== undefined;
    const handshake = isRequest && record['method'] === 'initialize';
    const headers: Record<string, string> = {
      ...commonHeaders(),
      ...envelopeHeaders(record),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (handshake) delete headers['mcp-session-id'];
    const signal = signalFor(sendOptions?.requestSignal);
    const response = await request({ method: 'POST', headers, body: JSON.stringify(message), ...(signal === undefined ? {} : { signal }) });
    if (handshake && response.ok) sessionId = response.headers.get('mcp-session-id') ?? undefined;
    if (!response.ok) {
      const text = await response.text().catch(() => null);
      if (response.status === 400 && text !== null && isRequest && isModernEnveloped(record) && deliverRefusal(text, record['id'])) return;
      throw new RemoteHttpError(`Error POSTing to endpoint: ${unfollowedRedirect(response) ?? text ?? ''}`, response.status, text);
    }
    if (response.status === 202) {
      await discard(response);
      if (record['method'] === 'notifications/initialized' && record['id'] === undefined) {
        openStream({}).catch(() => undefined); // openStream has told onerror
      }
      return;
    }
    if (!isRequest) {
      await discard(response);
      return;
    }
    const type = mediaType(response.headers.get('content-type'));
    if (type === 'text/event-stream' && response.body !== null) {
      void readStream(response.body, { onresumptiontoken: sendOptions?.onresumptiontoken, requestSignal: sendOptions?.requestSignal }, false);
    } else if (type === 'application/json') {
      const data: unknown = JSON.parse(await response.text());
      for (const item of Array.isArray(data) ? (data as unknown[]) : [data]) deliver(item, undefined);
    } else if (type !== 'text/event-stream') {
      await discard(response);
      throw new Error(`Unexpected content type: ${String(response.headers.get('content-type'))}`);
    }
  };

  /** A 2026-07-28 server may refuse a request with HTTP 400 and a JSON-RPC error for it: that error is the answer. */
  const deliverRefusal = (text: string, id: unknown): boolean => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isJsonRpcMessage(parsed) || !('error' in parsed) || parsed.id !== id) return false;
      transport.onmessage?.(parsed);
      return true;
    } catch {
      return false;
    }
  };

  const transport: StreamableHttpTransport = {
    get sessionId() {
      return sessionId;
    },
    get protocolVersion() {
      return protocolVersion;
    },
    async start() {
      if (abort !== undefined) throw new Error('The Streamable HTTP transport is already started.');
      abort = new AbortController();
    },
    async close() {
      try {
        cancelReconnection?.();
      } finally {
        cancelReconnection = undefined;
        abort?.abort();
        transport.onclose?.();
      }
    },
    async send(message, sendOptions?: SendOptions) {
      if (sendOptions?.resumptionToken !== undefined) {
        const record = message as Record<string, unknown>;
        const replay = typeof record['method'] === 'string' ? (record['id'] as RequestId | undefined) : undefined;
        openStream({ resumptionToken: sendOptions.resumptionToken, replayMessageId: replay, requestSignal: sendOptions.requestSignal }).catch(() => undefined);
        return;
      }
      try {
        await post(message, sendOptions);
      } catch (error) {
        if (sendOptions?.requestSignal?.aborted !== true) transport.onerror?.(asError(error));
        throw error;
      }
    },
    setProtocolVersion(version) {
      protocolVersion = version;
    },
    async terminateSession() {
      if (sessionId === undefined) return;
      try {
        const signal = abort?.signal;
        const response = await request({ method: 'DELETE', headers: commonHeaders(), ...(signal === undefined ? {} : { signal }) });
        await discard(response);
        if (!response.ok && response.status !== 405) {
          throw new RemoteHttpError(`Failed to terminate session: ${unfollowedRedirect(response) ?? response.statusText}`, response.status);
        }
        sessionId = undefined;
      } catch (error) {
        transport.onerror?.(asError(error));
        throw error;
      }
    },
  };
  return transport;
}

/** MCP-Protocol-Version, Mcp-Method and Mcp-Name from a request's 2026-07-28 envelope; nothing for a 2025 message. */
function envelopeHeaders(record: Record<string, unknown>): Record<string, string> {
  const method = record['method'];
  if (typeof method !== 'string' || record['id'] === undefined) return {};
  const params = record['params'];
  const meta = isRecord(params) ? params['_meta'] : undefined;
  const version = isRecord(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
  if (typeof version !== 'string') return {};
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': method };
  const field = Object.hasOwn(MCP_NAME_SOURCE, method) ? MCP_NAME_SOURCE[method] : undefined;
  const name = field !== undefined && isRecord(params) ? params[field] : undefined;
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return headers;
}

function isModernEnveloped(record: Record<string, unknown>): boolean {
  const params = record['params'];
  const meta = isRecord(params) ? params['_meta'] : undefined;
  const version = isRecord(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
  return typeof version === 'string' && version >= FIRST_MODERN_VERSION;
}

const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';

/** A header value as the 2026-07-28 revision encodes it: plain ASCII as it is, anything else as `=?base64?…?=`. */
export function encodeHeaderValue(value: string): string {
  const plain =
    value.length > 0 &&
    value === value.trim() &&
    !(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX)) &&
    /^[\t\x20-\x7e]*$/.test(value);
  return plain ? value : `${BASE64_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${BASE64_SUFFIX}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function redirectTarget(from: URL, response: RemoteResponse): URL | undefined {
  const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
  if (location === null || location === '') return undefined;
  try {
    return new URL(location, from);
  } catch {
    return undefined;
  }
}

function isWithinOrigin(from: URL, to: URL): boolean {
  if (from.protocol === to.protocol && from.host === to.host) return true;
  return from.protocol === 'http:' && to.protocol === 'https:' && from.hostname === to.hostname && from.port === '' && to.port === '';
}

/** What a redirect that was not followed pointed at (no userinfo, query or fragment), for the error message. */
function unfollowedRedirect(response: RemoteResponse): string | undefined {
  const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
  if (location === null) return undefined;
  try {
    const target = new URL(location, response.url === '' ? undefined : response.url);
    target.username = target.password = target.search = target.hash = '';
    return `Redirect to ${target.href} not followed; use that URL as the endpoint if it is the intended server`;
  } catch {
    return undefined;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The unauthenticated probe (protocol.md P1): is this URL an MCP server, which protocol era does
 * it speak, and does it want a token before it answers?
 *
 * First the 2026-07-28 `server/discover` with its request envelope (`_meta` protocol version,
 * client info and capabilities; `MCP-Protocol-Version` and `Mcp-Method` headers); then, unless
 * that was answered as a 2026 server would or with a 401, the 2025 `initialize`. Discover goes
 * first because it changes nothing on either kind of server (a sessionful 2025 server refuses it
 * without opening a session, a 2026 server keeps none), because it is the order the MCP SDK's own
 * negotiation uses (so the era reported here is the one an SDK client will settle on), and because
 * a protected server answers it with 401 in both eras: the common case costs one request. An open
 * 2025 server costs two.
 *
 * - 401 to either → `challenge`. The era stays unknown: a bearer check runs before anything
 *   era-specific, and nothing more can be learnt without a token.
 * - discover → a DiscoverResult listing 2026-07-28 → `open`, era 2026.
 * - discover → anything else (a 4xx, 5xx, a JSON-RPC error such as -32601, -32020, -32602 or
 *   -32022, a result of another shape) → `initialize`. A -32022 that lists only versions Latchkey
 *   does not speak ends here with ServerEraUnsupported.
 * - initialize → 2xx with a JSON-RPC response → `open`, era 2025; a JSON-RPC error (a
 *   2026-only server's 400 -32022 when discover was refused too) → ServerEraUnsupported; anything
 *   else → BadResponse: not an MCP endpoint.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  isSpecType,
} from '@modelcontextprotocol/client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { parseSecureUrl, truncate } from '../../../shared/url.js';
import { bearerChallenge, type BearerChallenge } from '../../../shared/www-authenticate.js';
import type { DiscoveryDeps } from './discover-resource.js';
import { readJsonRpcReply, type JsonRpcReply } from './probe-reply.js';

/** The 2026-07-28 revision; the SDK keeps its list of modern versions to itself. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
const CLIENT_INFO = { name: 'latchkey', version: '0.1.0' } as const;
const PROBE_ID = 1;

export type ServerEra = '2025' | '2026';

export type ProbeResult =
  /** 401: the server wants a token. `challenge` is empty when it sent no Bearer challenge. */
  | { kind: 'challenge'; status: number; challenge: BearerChallenge; era: 'unknown' }
  /** It answered without a token (other methods may still need one). */
  | { kind: 'open'; status: number; era: ServerEra; protocolVersion?: string | undefined };

/** Probes `url` (each request through deps.fetch, with deps.signal). See the file comment. */
export async function probeResource(url: string | URL, deps: DiscoveryDeps): Promise<ProbeResult> {
  const target = parseSecureUrl(String(url), deps.policy, 'MCP server URL');
  const modern = await send(target, discoverRequest(), deps);
  if (modern.status === 401) return challenged(modern);
  if (isOk(modern.status) && isModernDiscovery(modern.reply)) {
    return { kind: 'open', status: modern.status, era: '2026', protocolVersion: MODERN_PROTOCOL_VERSION };
  }
  refuseUnknownEras(target, modern.reply);

  const legacy = await send(target, initializeRequest(), deps);
  if (legacy.status === 401) return challenged(legacy);
  const reply = legacy.reply;
  if (isOk(legacy.status) && reply?.kind === 'result') {
    await endSession(target, legacy.sessionId, deps);
    const version = isSpecType.InitializeResult(reply.result) ? reply.result.protocolVersion : undefined;
    return { kind: 'open', status: legacy.status, era: '2025', protocolVersion: version };
  }
  if (reply?.kind === 'error') refuseBothEras(target, modern, legacy, reply);
  throw new LatchkeyError(
    ErrorCode.BadResponse,
    `${describe(target)} is not an MCP endpoint: it answered HTTP ${modern.status} to server/discover and HTTP ${legacy.status} to initialize without a token; expected 401 (sign-in needed) or an MCP answer.`,
    {
      hint: 'Check that the URL is the MCP endpoint itself (often ending in /mcp).',
      details: { url: describe(target), status: legacy.status, discoverStatus: modern.status },
    },
  );
}

interface Sent {
  status: number;
  wwwAuthenticate: string | null;
  sessionId: string | null;
  reply: JsonRpcReply | undefined;
}

interface ProbeRequest {
  method: 'server/discover' | 'initialize';
  headers: Record<string, string>;
  body: unknown;
}

function discoverRequest(): ProbeRequest {
  return {
    method: 'server/discover',
    headers: { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'server/discover' },
    body: {
      jsonrpc: '2.0',
      id: PROBE_ID,
      method: 'server/discover',
      params: {
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
          [CLIENT_INFO_META_KEY]: CLIENT_INFO,
          [CLIENT_CAPABILITIES_META_KEY]: {},
        },
      },
    },
  };
}

function initializeRequest(): ProbeRequest {
  return {
    method: 'initialize',
    headers: { 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
    body: {
      jsonrpc: '2.0',
      id: PROBE_ID,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    },
  };
}

async function send(target: URL, request: ProbeRequest, deps: DiscoveryDeps): Promise<Sent> {
  const response = await deps.fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...request.headers },
    body: JSON.stringify(request.body),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
  });
  const reply = response.status === 401 ? await discard(response) : await readJsonRpcReply(response, PROBE_ID);
  deps.logger?.debug('discovery: probed MCP server', { url: describe(target), method: request.method, status: response.status, reply: reply?.kind });
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get('www-authenticate'),
    sessionId: response.headers.get('mcp-session-id'),
    reply,
  };
}

function challenged(sent: Sent): ProbeResult {
  return { kind: 'challenge', status: sent.status, challenge: bearerChallenge(sent.wwwAuthenticate) ?? {}, era: 'unknown' };
}

function isModernDiscovery(reply: JsonRpcReply | undefined): boolean {
  return reply?.kind === 'result' && isSpecType.DiscoverResult(reply.result) && reply.result.supportedVersions.includes(MODERN_PROTOCOL_VERSION);
}

/** A -32022 to discover that names only versions Latchkey does not speak: no point asking again. */
function refuseUnknownEras(target: URL, reply: JsonRpcReply | undefined): void {
  const supported = supportedVersionsOf(reply);
  if (supported === undefined || supported.length === 0) return;
  const spoken = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];
  if (supported.some((version) => spoken.includes(version))) return;
  throw eraUnsupported(target, supported);
}

function refuseBothEras(target: URL, modern: Sent, legacy: Sent, reply: Extract<JsonRpcReply, { kind: 'error' }>): never {
  const supported = supportedVersionsOf(reply) ?? supportedVersionsOf(modern.reply) ?? [];
  throw eraUnsupported(target, supported, `HTTP ${legacy.status}, JSON-RPC error ${reply.code}: ${truncate(reply.message, 120)}`);
}

function eraUnsupported(target: URL, supported: readonly string[], answer?: string): LatchkeyError {
  const listed = supported.length === 0 ? 'it did not say which it supports' : `it supports ${supported.map((v) => truncate(v, 20)).join(', ')}`;
  return new LatchkeyError(
    ErrorCode.ServerEraUnsupported,
    `${describe(target)} is an MCP server, but it refused both protocol revisions Latchkey speaks (${MODERN_PROTOCOL_VERSION} and ${LATEST_PROTOCOL_VERSION}): ${listed}${answer === undefined ? '' : ` (${answer})`}.`,
    {
      hint: 'Update Latchkey, or ask the server operator which MCP protocol revisions the server accepts.',
      details: { url: describe(target), supported: supported.slice(0, 8).join(' ') },
    },
  );
}

function supportedVersionsOf(reply: JsonRpcReply | undefined): string[] | undefined {
  if (reply?.kind !== 'error' || reply.code !== ProtocolErrorCode.UnsupportedProtocolVersion) return undefined;
  const supported = (reply.data as { supported?: unknown } | undefined)?.supported;
  return Array.isArray(supported) ? supported.filter((v): v is string => typeof v === 'string') : undefined;
}

/** A sessionful 2025 server opened a session for the probe: end it (best effort; spec: DELETE). */
async function endSession(target: URL, sessionId: string | null, deps: DiscoveryDeps): Promise<void> {
  if (sessionId === null) return;
  try {
    const response = await deps.fetch(target, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
    await discard(response);
  } catch (error) {
    deps.logger?.debug('discovery: could not end the probe session', { url: describe(target), error: String(error) });
  }
}

async function discard(response: Response): Promise<undefined> {
  await response.body?.cancel().catch(() => undefined);
  return undefined;
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * `latchkey mcp <url>`: a stdio MCP server for any MCP client that forwards every JSON-RPC message
 * to a remote Streamable HTTP MCP server, with `Authorization: Bearer` from a token source (the
 * bridge, in agent mode). Session ids, protocol-version headers, the GET SSE stream and
 * reconnects are the transport's job (streamable-http.ts); auth retries are the authorizing fetch's.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { LatchkeyError } from '../../../shared/errors.js';
import type { Clock } from '../../base/ports.js';
import { createAuthorizingFetch } from './authorizing-fetch.js';
import { createElicitationInterceptor } from './elicitation-interceptor.js';
import { createEraAdapter, type ProtocolChoice } from './era-adapter.js';
import { startMessageProxy, type MessageProxy, type MessageProxyOptions } from './message-proxy.js';
import { createHttpFetch, type RemoteFetch } from './remote-fetch.js';
import { createStdioLinesTransport, type LineInput, type LineOutput } from './stdio-lines.js';
import { createStreamableHttpTransport } from './streamable-http.js';
import { createTokenCache, type TokenSource } from './token-cache.js';
import type { ElicitationPort } from './url-elicitations.js';

export { createAuthorizingFetch } from './authorizing-fetch.js';
export { startMessageProxy, type MessageProxy, type ProxyExit, type RemoteTransport } from './message-proxy.js';
export { createStdioLinesTransport, type LineInput, type LineOutput } from './stdio-lines.js';
export { createTokenCache, type TokenCache, type TokenSource } from './token-cache.js';
export { bridgeTokenSource, type BridgeTokenClient } from './bridge-token-source.js';
export { declareUrlElicitation, withUrlElicitation } from './capabilities.js';
export { PROTOCOL_CHOICES, type ProtocolChoice } from './era-adapter.js';
export { createElicitationInterceptor, MAX_ROUNDS, URL_ELICITATION_REQUIRED } from './elicitation-interceptor.js';
export type { ElicitationPort } from './url-elicitations.js';

export interface McpProxyOptions {
  /** The remote MCP server (already checked: https, or http on loopback when allowed). */
  url: URL;
  tokens: TokenSource;
  /**
   * The wallet's URL elicitation handling (the bridge's POST /v1/elicitations). With it the proxy
   * declares URL mode to the server and the agent never sees an elicitation URL; without it every
   * message passes as it is.
   */
  elicitations?: ElicitationPort;
  /** The MCP client's side: stdin and stdout, or a test's streams. Give `local` instead to use another transport. */
  input?: LineInput;
  output?: LineOutput;
  local?: Transport;
  report: (error: LatchkeyError) => void;
  debug?: (message: string) => void;
  /** The network fetch under the authorizing one (default: remote-fetch.ts's, on node:http). */
  fetch?: RemoteFetch;
  clock?: Clock;
  /** Ask for the first token at once, while the MCP client is still starting (default true). */
  prefetch?: boolean;
  /** The server's revision when known (`--protocol`); `auto` (default) probes and bridges. */
  protocol?: ProtocolChoice;
}

export async function startMcpProxy(options: McpProxyOptions): Promise<MessageProxy> {
  const tokens = createTokenCache({ source: options.tokens, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const debug = options.debug;
  // The first token is usually needed within milliseconds (initialize): fetch it now. A failure
  // here is not reported: the first request that needs the token sees it.
  if (options.prefetch !== false) void tokens.current().catch(() => undefined);
  // MCP-Protocol-Version, Mcp-Method and Mcp-Name from a modern message's envelope, nothing extra
  // for a 2025 one (streamable-http.ts). It never runs OAuth: the authorizing fetch brings tokens.
  // node:http with kept-alive connections, or a test's fetch.
  const network = options.fetch === undefined ? createHttpFetch() : { fetch: options.fetch, close: () => undefined };
  const transport = createStreamableHttpTransport(options.url, {
    fetch: createAuthorizingFetch({
      tokens,
      ...(options.tokens.proveRequest === undefined ? {} : { prove: options.tokens.proveRequest.bind(options.tokens) }),
      fetch: network.fetch,
      onRetry: (event) =>
        debug?.(event.status === 401 ? 'remote said 401: renewing the token' : `remote said 403 insufficient_scope: asking for ${event.scopes?.join(' ') ?? ''}`),
    }),
  });
  const remote = createEraAdapter(transport, {
    origin: options.url.origin,
    walletTakesUrl: options.elicitations !== undefined,
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    ...(debug === undefined ? {} : { debug }),
  });
  const local = options.local ?? createStdioLinesTransport(requireStream(options.input), requireStream(options.output));
  const proxy = await startMessageProxy({
    local,
    remote,
    origin: options.url.origin,
    report: options.report,
    ...(debug === undefined ? {} : { debug }),
    ...(options.elicitations === undefined ? {} : { intercept: interceptElicitations(options.elicitations, options.url, debug) }),
  });
  void proxy.done.then(() => network.close());
  return proxy;
}

function interceptElicitations(port: ElicitationPort, url: URL, debug: ((message: string) => void) | undefined): MessageProxyOptions['intercept'] {
  return (channel) =>
    createElicitationInterceptor(channel, { port, server: url.href, origin: url.origin, ...(debug === undefined ? {} : { debug }) });
}

function requireStream<T>(stream: T | undefined): T {
  if (stream === undefined) throw new TypeError('startMcpProxy needs input and output, or a local transport');
  return stream;
}

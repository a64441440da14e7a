/**
 * The MCP part of the conformance client: the MCP SDK's Client over Streamable HTTP, with a fetch
 * that carries Latchkey's access token and hands every 401/403 back to the wallet
 * (`handleAuthChallenge`: refresh, re-authorization or scope step-up), then retries.
 * No OAuth happens here: the SDK's auth provider is never used.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Wallet } from '../../electron/wallet/wallet-api.js';

/** Bound on challenges answered for one request, independent of the wallet's own step-up limit. */
const MAX_CHALLENGES_PER_REQUEST = 3;

export interface SessionReport {
  tools: string[];
  toolResult: string;
}

export interface AuthorizedFetchOptions {
  wallet: Wallet;
  resource: string;
  /** The token to start with; undefined sends the first request without one. */
  initialToken: string | undefined;
  report: (line: string) => void;
}

/** A fetch for the MCP transport: Bearer on every request, wallet-driven retries on 401/403. */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): FetchLike {
  let token = options.initialToken;
  const send = (url: string | URL, init: RequestInit | undefined): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return fetch(url, { ...init, headers });
  };
  return async (url, init) => {
    let response = await send(url, init);
    for (let challenges = 0; (response.status === 401 || response.status === 403) && challenges < MAX_CHALLENGES_PER_REQUEST; challenges++) {
      const challenge = response.headers.get('www-authenticate');
      options.report(`mcp: ${init?.method ?? 'GET'} answered ${response.status} (${challenge ?? 'no WWW-Authenticate'})`);
      await response.text();
      const fresh = await options.wallet.handleAuthChallenge({ url: options.resource, status: response.status, wwwAuthenticate: challenge });
      token = fresh.accessToken;
      options.report(`mcp: wallet gave a new token with scope "${fresh.scope.join(' ')}", retrying`);
      response = await send(url, init);
    }
    return response;
  };
}

function describeToolResult(result: unknown): string {
  if (typeof result !== 'object' || result === null || !('content' in result) || !Array.isArray(result.content)) return 'no content';
  const texts: unknown[] = result.content.map((part: unknown) =>
    typeof part === 'object' && part !== null && 'text' in part ? part.text : '[non-text]',
  );
  return texts.map(String).join(' ');
}

/** initialize → tools/list → tools/call test-tool, as the harness expects of every client. */
export async function runMcpSession(serverUrl: string, fetchWithAuth: FetchLike): Promise<SessionReport> {
  const client = new Client({ name: 'latchkey-conformance', version: '0.1.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: fetchWithAuth });
  await client.connect(transport);
  try {
    const listed = await client.listTools();
    const tools = listed.tools.map((tool) => tool.name);
    if (!tools.includes('test-tool')) throw new Error(`the server lists no test-tool (it lists: ${tools.join(', ') || 'nothing'})`);
    const result = await client.callTool({ name: 'test-tool', arguments: {} });
    if (result.isError === true) throw new Error(`test-tool returned an error: ${describeToolResult(result)}`);
    return { tools, toolResult: describeToolResult(result) };
  } finally {
    await client.close();
  }
}

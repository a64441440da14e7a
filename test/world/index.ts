/**
 * The test world: a real authorization server (oidc-provider), a real MCP server (MCP SDK) and a
 * real browser (Debian Chromium, launched on first use), all on 127.0.0.1 with ephemeral ports.
 *
 *   const world = await startWorld({ accessTokenTtlSeconds: 5 });
 *   … world.issuer, world.mcpUrl, world.opener (an Opener), world.browserRelayEnv() …
 *   await world.close();
 */
import {
  startAuthorizationServer,
  type AuthorizationServerOptions,
  type TestAuthorizationServer,
} from './authorization-server.js';
import { BrowserOpener, type BrowserBehaviour } from './browser.js';
import { startBrowserRelayEndpoint, type BrowserRelayEndpoint } from './browser-relay-endpoint.js';
import { ChromiumHost } from './chromium.js';
import { MCP_READ, MCP_WRITE, startMcpServer, type McpServerOptions, type TestMcpServer } from './mcp-server.js';

export interface WorldOptions extends AuthorizationServerOptions {
  /** How the browser behaves on the AS pages (username, password, consent, timeouts). */
  browser?: Partial<BrowserBehaviour>;
  /** Scopes the MCP server supports (PRM scopes_supported and AS resource scopes). Default mcp:read mcp:write. */
  mcpScopes?: readonly string[];
  /** Where the MCP server serves PRM and whether challenges name it (see McpServerOptions). */
  resourceMetadata?: McpServerOptions['resourceMetadata'];
  /** The MCP server requires DPoP-bound tokens and a proof per request (pair with `dpop` for the AS). */
  resourceDpop?: McpServerOptions['dpop'];
}

export interface World {
  /** The AS issuer, `http://127.0.0.1:<port>` (plain http: clients need "allow insecure loopback"). */
  readonly issuer: string;
  /** The MCP server's canonical URL and resource, `http://127.0.0.1:<port>/mcp`. */
  readonly mcpUrl: string;
  /** The MCP server's protected resource metadata URL. */
  readonly resourceMetadataUrl: string;
  readonly as: TestAuthorizationServer;
  readonly mcp: TestMcpServer;
  /** The Opener port backed by Chromium (launched on the first open()). */
  readonly opener: BrowserOpener;
  readonly chromium: ChromiumHost;
  readonly relay: BrowserRelayEndpoint;
  /** Environment for a child process whose opener honours BROWSER: `BROWSER`, `LATCHKEY_TEST_BROWSER_RELAY`. */
  browserRelayEnv(): Record<string, string>;
  /** Milliseconds startWorld took. */
  readonly startupMs: number;
  close(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const started = performance.now();
  const as = await startAuthorizationServer(options);
  const mcpScopes = options.mcpScopes ?? [MCP_READ, MCP_WRITE];
  const mcp = await startMcpServer({
    issuer: as.issuer,
    jwksUri: as.jwksUri,
    scopesSupported: mcpScopes,
    ...(options.resourceMetadata === undefined ? {} : { resourceMetadata: options.resourceMetadata }),
    ...(options.resourceDpop === undefined ? {} : { dpop: options.resourceDpop }),
  }).catch(
    async (error: unknown) => {
      await as.close();
      throw error;
    },
  );
  as.addResourceServer(mcp.url, mcpScopes);
  const chromium = new ChromiumHost();
  const opener = new BrowserOpener(chromium, options.browser);
  const relay = await startBrowserRelayEndpoint(opener);
  const startupMs = performance.now() - started;

  let closing: Promise<void> | undefined;
  return {
    issuer: as.issuer,
    mcpUrl: mcp.url,
    resourceMetadataUrl: mcp.resourceMetadataUrl,
    as,
    mcp,
    opener,
    chromium,
    relay,
    startupMs,
    browserRelayEnv: () => relay.env(),
    close: () => {
      closing ??= closeAll([relay.close(), opener.close().then(() => chromium.close()), mcp.close(), as.close()]);
      return closing;
    },
  };
}

async function closeAll(closings: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(closings);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export { DEFAULT_CIMD_CLIENT_ID, DEFAULT_PASSWORD } from './authorization-server.js';
export type { TestAuthorizationServer, TokenRequestRecord, RevocationRecord, RegistrationRecord } from './authorization-server.js';
export type { BrowserBehaviour, BrowserFlowResult, BrowserOpener } from './browser.js';
export { MCP_READ, MCP_WRITE, TOOL_SCOPES } from './mcp-server.js';
export type { McpCounters, McpServerOptions, TestMcpServer } from './mcp-server.js';

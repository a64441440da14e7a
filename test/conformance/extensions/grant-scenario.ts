/**
 * What every grant-specific extension scenario shares: the server's 401 is answered with Latchkey's
 * own discovery (protected resource metadata, P1–P2; the authorization server's metadata, P3) and
 * the challenge's scopes, then one grant the scenario supplies; the MCP session runs with that token.
 */
import type { AccessTokenResult } from '../../../shared/connections.js';
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import { createSafeFetch } from '../../../electron/base/net/index.js';
import type { AuthorizationServer, NetworkContext } from '../../../electron/wallet/oauth/client-config.js';
import type { CachedAccessToken } from '../../../electron/wallet/oauth/records.js';
import { chooseAuthorizationServer, discoverResource } from '../../../electron/wallet/oauth/discover-resource.js';
import { discoverIssuer } from '../../../electron/wallet/oauth/discover-issuer.js';
import { createAuthorizedFetch, runMcpSession } from '../mcp-session.js';

export interface GrantScenarioRun {
  serverUrl: string;
  scenario: string;
  protocolVersion: string | undefined;
  context: Record<string, unknown>;
  report: (line: string) => void;
}

/** What the scenario's grant is given: the discovered authorization server, the resource and scopes, the network. */
export interface GrantTarget {
  as: AuthorizationServer;
  resource: string;
  scopes: string[];
  net: NetworkContext;
}

/** Runs the MCP session, answering each 401 with discovery and `grant`; resolves with the session's one-line outcome. */
export async function runGrantScenario(run: GrantScenarioRun, grant: (target: GrantTarget) => Promise<CachedAccessToken>): Promise<string> {
  const policy: UrlPolicy = { allowInsecureLoopback: true };
  const fetch = createSafeFetch({ ...policy });
  const net = { fetch, policy };
  const resource = canonicalResource(run.serverUrl, policy);
  const answerChallenge = async (_status: number, wwwAuthenticate: string | null): Promise<AccessTokenResult> => {
    const challenge = bearerChallenge(wwwAuthenticate);
    const found = await discoverResource(resource, challenge, net);
    const as = await discoverIssuer(chooseAuthorizationServer(found.metadata.authorization_servers), net);
    const scopes = challenge?.scope ?? found.metadata.scopes_supported ?? [];
    const token = await grant({ as, resource, scopes, net });
    return { accessToken: token.value, tokenType: 'Bearer', expiresAt: token.expiresAt, scope: token.scope };
  };
  try {
    return await runMcpSession({
      serverUrl: run.serverUrl,
      scenario: run.scenario,
      protocolVersion: run.protocolVersion,
      context: run.context,
      fetch: createAuthorizedFetch({ answerChallenge, report: run.report }),
    });
  } finally {
    await fetch.close();
  }
}

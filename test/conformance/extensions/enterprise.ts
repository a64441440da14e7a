/**
 * The enterprise-managed authorization extension scenario (auth/enterprise-managed-authorization):
 * the harness plays the organisation's identity provider and hands, in MCP_CONFORMANCE_CONTEXT, an
 * ID token it already issued (the owner's sign-in, which the wallet would hold), Latchkey's client
 * id there, the IdP's issuer and token endpoint, and Latchkey's client (id and secret) at the MCP
 * server's authorization server. The server's 401 is answered with Latchkey's own steps: protected
 * resource metadata (P1–P2), the authorization server's metadata (P3), one RFC 8693 exchange of the
 * ID token for an ID-JAG at the IdP (electron/wallet/oauth/id-jag.ts) and one JWT-bearer redemption
 * of it at the authorization server (electron/wallet/oauth/jwt-bearer.ts), as R7 does.
 */
import { z } from 'zod';
import type { AccessTokenResult } from '../../../shared/connections.js';
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import { createSafeFetch } from '../../../electron/base/net/index.js';
import type { AuthorizationServer } from '../../../electron/wallet/oauth/client-config.js';
import { chooseAuthorizationServer, discoverResource } from '../../../electron/wallet/oauth/discover-resource.js';
import { discoverIssuer } from '../../../electron/wallet/oauth/discover-issuer.js';
import { exchangeIdTokenForIdJag } from '../../../electron/wallet/oauth/id-jag.js';
import { redeemJwtBearer } from '../../../electron/wallet/oauth/jwt-bearer.js';
import { createAuthorizedFetch, runMcpSession } from '../mcp-session.js';

export const ENTERPRISE_SCENARIOS = new Set(['auth/enterprise-managed-authorization']);

const EnterpriseContext = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  idp_client_id: z.string().min(1),
  idp_id_token: z.string().min(1),
  idp_issuer: z.string().min(1),
  idp_token_endpoint: z.string().min(1),
});

export interface EnterpriseRun {
  serverUrl: string;
  scenario: string;
  protocolVersion: string | undefined;
  context: Record<string, unknown>;
  report: (line: string) => void;
}

/** Runs the enterprise-managed authorization scenario; resolves with the session's one-line outcome. */
export async function runEnterpriseScenario(run: EnterpriseRun): Promise<string> {
  const context = EnterpriseContext.parse(run.context);
  const policy: UrlPolicy = { allowInsecureLoopback: true };
  const fetch = createSafeFetch({ ...policy });
  const net = { fetch, policy };
  const resource = canonicalResource(run.serverUrl, policy);
  // The harness names the IdP's token endpoint; its metadata has nothing else the exchange needs.
  const idp: AuthorizationServer = { issuer: context.idp_issuer, token_endpoint: context.idp_token_endpoint };
  const answerChallenge = async (_status: number, wwwAuthenticate: string | null): Promise<AccessTokenResult> => {
    const challenge = bearerChallenge(wwwAuthenticate);
    const found = await discoverResource(resource, challenge, net);
    const issuer = chooseAuthorizationServer(found.metadata.authorization_servers);
    const as = await discoverIssuer(issuer, net);
    const scopes = challenge?.scope ?? found.metadata.scopes_supported ?? [];
    run.report(`enterprise: ID-JAG from ${idp.issuer} for ${as.issuer} and ${resource} (scope "${scopes.join(' ')}")`);
    const idJag = await exchangeIdTokenForIdJag(idp, { issuer: idp.issuer, clientId: context.idp_client_id }, { idToken: context.idp_id_token, audience: as.issuer, resource, scopes }, net, Date.now);
    const token = await redeemJwtBearer(
      as,
      { clientId: context.client_id, auth: { method: 'client_secret_basic', clientSecret: context.client_secret } },
      { assertion: idJag.value, resource, scopes, assertionName: 'the ID-JAG' },
      net,
      Date.now,
    );
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

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
import type { AuthorizationServer } from '../../../electron/wallet/oauth/client-config.js';
import { exchangeIdTokenForIdJag } from '../../../electron/wallet/oauth/id-jag.js';
import { redeemJwtBearer } from '../../../electron/wallet/oauth/jwt-bearer.js';
import { runGrantScenario, type GrantScenarioRun } from './grant-scenario.js';

export const ENTERPRISE_SCENARIOS = new Set(['auth/enterprise-managed-authorization']);

const EnterpriseContext = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  idp_client_id: z.string().min(1),
  idp_id_token: z.string().min(1),
  idp_issuer: z.string().min(1),
  idp_token_endpoint: z.string().min(1),
});

/** Runs the enterprise-managed authorization scenario; resolves with the session's one-line outcome. */
export async function runEnterpriseScenario(run: GrantScenarioRun): Promise<string> {
  const context = EnterpriseContext.parse(run.context);
  // The harness names the IdP's token endpoint; its metadata has nothing else the exchange needs.
  const idp: AuthorizationServer = { issuer: context.idp_issuer, token_endpoint: context.idp_token_endpoint };
  return runGrantScenario(run, async ({ as, resource, scopes, net }) => {
    run.report(`enterprise: ID-JAG from ${idp.issuer} for ${as.issuer} and ${resource} (scope "${scopes.join(' ')}")`);
    const idJag = await exchangeIdTokenForIdJag(idp, { issuer: idp.issuer, clientId: context.idp_client_id }, { idToken: context.idp_id_token, audience: as.issuer, resource, scopes }, net, Date.now);
    return redeemJwtBearer(
      as,
      { clientId: context.client_id, auth: { method: 'client_secret_basic', clientSecret: context.client_secret } },
      { assertion: idJag.value, resource, scopes, assertionName: 'the ID-JAG' },
      net,
      Date.now,
    );
  });
}

/**
 * The client credentials extension scenarios (auth/client-credentials-basic and
 * auth/client-credentials-jwt): an autonomous agent's own client, no browser. The harness hands
 * the client in MCP_CONFORMANCE_CONTEXT: an id with a secret (client_secret_basic) or with a PKCS#8
 * private key and its algorithm (private_key_jwt). The server's 401 is answered with Latchkey's own
 * steps: protected resource metadata (P1–P2), the authorization server's metadata (P3), then the
 * client credentials grant of electron/wallet/oauth/client-credentials.ts (R5) with the
 * challenge's scopes and the resource.
 */
import { exportJWK, importPKCS8 } from 'jose';
import { z } from 'zod';
import type { AccessTokenResult } from '../../../shared/connections.js';
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import { createSafeFetch } from '../../../electron/base/net/index.js';
import { chooseAuthorizationServer, discoverResource } from '../../../electron/wallet/oauth/discover-resource.js';
import { discoverIssuer } from '../../../electron/wallet/oauth/discover-issuer.js';
import { AGENT_KEY_ALGORITHMS, clientCredentialsToken, type AgentClientAuth } from '../../../electron/wallet/oauth/client-credentials.js';
import { createAuthorizedFetch, runMcpSession } from '../mcp-session.js';

export const CLIENT_CREDENTIALS_SCENARIOS = new Set(['auth/client-credentials-basic', 'auth/client-credentials-jwt']);

const ClientContext = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  private_key_pem: z.string().min(1).optional(),
  signing_algorithm: z.enum(AGENT_KEY_ALGORITHMS).default('ES256'),
});

export interface ClientCredentialsRun {
  serverUrl: string;
  scenario: string;
  protocolVersion: string | undefined;
  context: Record<string, unknown>;
  report: (line: string) => void;
}

/** The harness' client as the vault would hold it (the PEM turned into a private JWK, as Latchkey keeps keys). */
async function authFrom(context: z.infer<typeof ClientContext>): Promise<AgentClientAuth> {
  if (context.client_secret !== undefined) return { method: 'client_secret_basic', clientSecret: context.client_secret };
  if (context.private_key_pem === undefined) throw new Error('the scenario context holds neither client_secret nor private_key_pem');
  const key = await importPKCS8(context.private_key_pem, context.signing_algorithm, { extractable: true });
  const { kty, ...jwk } = await exportJWK(key);
  return { method: 'private_key_jwt', alg: context.signing_algorithm, privateJwk: { ...jwk, kty: kty ?? 'EC' } };
}

/** Runs one client credentials scenario; resolves with the session's one-line outcome. */
export async function runClientCredentialsScenario(run: ClientCredentialsRun): Promise<string> {
  const context = ClientContext.parse(run.context);
  const auth = await authFrom(context);
  const policy: UrlPolicy = { allowInsecureLoopback: true };
  const fetch = createSafeFetch({ ...policy });
  const net = { fetch, policy };
  const resource = canonicalResource(run.serverUrl, policy);
  const answerChallenge = async (_status: number, wwwAuthenticate: string | null): Promise<AccessTokenResult> => {
    const challenge = bearerChallenge(wwwAuthenticate);
    const found = await discoverResource(resource, challenge, net);
    const issuer = chooseAuthorizationServer(found.metadata.authorization_servers);
    const as = await discoverIssuer(issuer, net);
    const scopes = challenge?.scope ?? found.metadata.scopes_supported ?? [];
    run.report(`client credentials: ${auth.method} at ${issuer} for ${resource} (scope "${scopes.join(' ')}")`);
    const token = await clientCredentialsToken(as, { issuer, clientId: context.client_id, auth, createdAt: Date.now() }, { resource, scopes }, net, Date.now);
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

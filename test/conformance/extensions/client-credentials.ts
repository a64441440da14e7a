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
import { AGENT_KEY_ALGORITHMS, clientCredentialsToken, type AgentClientAuth } from '../../../electron/wallet/oauth/client-credentials.js';
import { runGrantScenario, type GrantScenarioRun } from './grant-scenario.js';

export const CLIENT_CREDENTIALS_SCENARIOS = new Set(['auth/client-credentials-basic', 'auth/client-credentials-jwt']);

const ClientContext = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  private_key_pem: z.string().min(1).optional(),
  signing_algorithm: z.enum(AGENT_KEY_ALGORITHMS).default('ES256'),
});

/** The harness' client as the vault would hold it (the PEM turned into a private JWK, as Latchkey keeps keys). */
async function authFrom(context: z.infer<typeof ClientContext>): Promise<AgentClientAuth> {
  if (context.client_secret !== undefined) return { method: 'client_secret_basic', clientSecret: context.client_secret };
  if (context.private_key_pem === undefined) throw new Error('the scenario context holds neither client_secret nor private_key_pem');
  const key = await importPKCS8(context.private_key_pem, context.signing_algorithm, { extractable: true });
  const { kty, ...jwk } = await exportJWK(key);
  return { method: 'private_key_jwt', alg: context.signing_algorithm, privateJwk: { ...jwk, kty: kty ?? 'EC' } };
}

/** Runs one client credentials scenario; resolves with the session's one-line outcome. */
export async function runClientCredentialsScenario(run: GrantScenarioRun): Promise<string> {
  const context = ClientContext.parse(run.context);
  const auth = await authFrom(context);
  return runGrantScenario(run, ({ as, resource, scopes, net }) => {
    run.report(`client credentials: ${auth.method} at ${as.issuer} for ${resource} (scope "${scopes.join(' ')}")`);
    return clientCredentialsToken(as, { issuer: as.issuer, clientId: context.client_id, auth, createdAt: Date.now() }, { resource, scopes }, net, Date.now);
  });
}

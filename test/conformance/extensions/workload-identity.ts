/**
 * The workload identity federation extension scenario (auth/wif-jwt-bearer): an agent in CI or on
 * a server presents a platform-issued token with the JWT-bearer grant, no registration and no
 * browser. The harness hands the platform token (`valid_jwt`, with an expired and a wrong-audience
 * one beside it that a well-behaved client never sends) and a client id in MCP_CONFORMANCE_CONTEXT.
 * The server's 401 is answered with Latchkey's own steps: protected resource metadata (P1–P2), the
 * authorization server's metadata (P3), then one JWT-bearer grant of
 * electron/wallet/oauth/jwt-bearer.ts (R6) with the challenge's scopes and the resource.
 */
import { z } from 'zod';
import type { AccessTokenResult } from '../../../shared/connections.js';
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import { createSafeFetch } from '../../../electron/base/net/index.js';
import { chooseAuthorizationServer, discoverResource } from '../../../electron/wallet/oauth/discover-resource.js';
import { discoverIssuer } from '../../../electron/wallet/oauth/discover-issuer.js';
import { redeemJwtBearer } from '../../../electron/wallet/oauth/jwt-bearer.js';
import { createAuthorizedFetch, runMcpSession } from '../mcp-session.js';

export const WORKLOAD_IDENTITY_SCENARIOS = new Set(['auth/wif-jwt-bearer']);

const WorkloadContext = z.looseObject({
  client_id: z.string().min(1).optional(),
  valid_jwt: z.string().min(1),
});

export interface WorkloadIdentityRun {
  serverUrl: string;
  scenario: string;
  protocolVersion: string | undefined;
  context: Record<string, unknown>;
  report: (line: string) => void;
}

/** Runs the workload identity scenario; resolves with the session's one-line outcome. */
export async function runWorkloadIdentityScenario(run: WorkloadIdentityRun): Promise<string> {
  const context = WorkloadContext.parse(run.context);
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
    run.report(`workload identity: JWT-bearer at ${issuer} for ${resource} (scope "${scopes.join(' ')}", client ${context.client_id ?? 'none'})`);
    const token = await redeemJwtBearer(as, { clientId: context.client_id }, { assertion: context.valid_jwt, resource, scopes }, net, Date.now);
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

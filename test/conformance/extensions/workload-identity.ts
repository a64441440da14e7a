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
import { redeemJwtBearer } from '../../../electron/wallet/oauth/jwt-bearer.js';
import { runGrantScenario, type GrantScenarioRun } from './grant-scenario.js';

export const WORKLOAD_IDENTITY_SCENARIOS = new Set(['auth/wif-jwt-bearer']);

const WorkloadContext = z.looseObject({
  client_id: z.string().min(1).optional(),
  valid_jwt: z.string().min(1),
});

/** Runs the workload identity scenario; resolves with the session's one-line outcome. */
export async function runWorkloadIdentityScenario(run: GrantScenarioRun): Promise<string> {
  const context = WorkloadContext.parse(run.context);
  return runGrantScenario(run, ({ as, resource, scopes, net }) => {
    run.report(`workload identity: JWT-bearer at ${as.issuer} for ${resource} (scope "${scopes.join(' ')}", client ${context.client_id ?? 'none'})`);
    return redeemJwtBearer(as, { clientId: context.client_id }, { assertion: context.valid_jwt, resource, scopes }, net, Date.now);
  });
}

/**
 * A world whose authorization server redeems the enterprise IdP's ID-JAGs (typ oauth-id-jag+jwt,
 * their client_id bound to the client that authenticates), and the administrator's step there:
 * registering Latchkey's confidential client for the JWT-bearer grant and mapping it at the IdP.
 */
import { startWorld, type World, type WorldOptions } from './index.js';
import type { EnterpriseIdp } from './enterprise-idp.js';
import { JWT_BEARER_GRANT_TYPE } from './jwt-bearer-grant.js';

function clientIdFrom(payload: Record<string, unknown>): string | undefined {
  return typeof payload['client_id'] === 'string' ? payload['client_id'] : undefined;
}

export function startWorldTrustingIdp(idp: EnterpriseIdp, options: WorldOptions = {}): Promise<World> {
  return startWorld({ ...options, jwtBearer: { trusted: [{ ...idp.idJagIssuer, clientIdFrom }] } });
}

/** Registers Latchkey's client at the world's AS by DCR and tells the IdP to name it in ID-JAGs for that AS. */
export async function registerLatchkeyAt(idp: EnterpriseIdp, world: World): Promise<{ clientId: string; clientSecret: string }> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: [JWT_BEARER_GRANT_TYPE], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
  });
  if (response.status !== 201) throw new Error(`registering Latchkey at ${world.issuer} answered ${response.status}`);
  const body = (await response.json()) as { client_id: string; client_secret: string };
  idp.mapClient(world.issuer, body.client_id);
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

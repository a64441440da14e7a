/**
 * R7, the identity provider's step: what an RFC 8693 answer must be before it is used as an ID-JAG
 * (issued_token_type, a JWT naming the authorization server asked for), and the world's enterprise
 * IdP refusing an exchange (an ID token it did not issue; a server its policy excludes) with codes
 * and hints. A real exchange and redemption run in test/e2e/enterprise and the conformance extension.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { discoverIssuer, type AuthorizationServer } from '../../../../electron/wallet/oauth/discover-issuer.js';
import { exchangeIdTokenForIdJag, ID_JAG_TOKEN_TYPE, idJagFrom } from '../../../../electron/wallet/oauth/id-jag.js';
import { startEnterpriseIdp, TOKEN_EXCHANGE_GRANT, type EnterpriseIdp } from '../../../world/enterprise-idp.js';
import { rejection } from '../../../support/rejection.js';

const AS_ISSUER = 'https://as.example.test';
const RESOURCE = 'https://notes.example.test/mcp';
const NOW = 1_800_000_000_000;
const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy: { allowInsecureLoopback: true } };

async function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'oauth-id-jag+jwt' }).sign(new Uint8Array(32));
}

describe('R7: an exchange answer is an ID-JAG for the server asked, or nothing is used', () => {
  it('R7: takes the earlier of expires_in and exp, and the scopes the IdP allowed', async () => {
    const value = await jwt({ aud: AS_ISSUER, exp: NOW / 1000 + 300 });
    const idJag = idJagFrom('https://idp.example.test', { audience: AS_ISSUER }, { access_token: value, issued_token_type: ID_JAG_TOKEN_TYPE, token_type: 'N_A', expires_in: 60, scope: 'mcp:read' }, NOW);
    expect(idJag).toEqual({ value, expiresAt: NOW + 60_000, scope: ['mcp:read'] });
  });

  it('R7, T44: another issued_token_type, a token that is not a JWT, or one for another server is enterprise.id_jag_invalid', async () => {
    const forUs = await jwt({ aud: `${AS_ISSUER}/` });
    const forThem = await jwt({ aud: 'https://other-as.example.test' });
    const answers: unknown[] = [
      { access_token: forUs, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer' },
      { access_token: 'opaque-grant', issued_token_type: ID_JAG_TOKEN_TYPE, token_type: 'N_A' },
      { access_token: forThem, issued_token_type: ID_JAG_TOKEN_TYPE, token_type: 'N_A' },
    ];
    for (const answer of answers) expect(() => idJagFrom('https://idp.example.test', { audience: AS_ISSUER }, answer, NOW)).toThrow(expect.objectContaining({ code: ErrorCode.IdJagInvalid }));
    // A trailing slash on the audience is the same issuer.
    expect(idJagFrom('https://idp.example.test', { audience: AS_ISSUER }, { access_token: forUs, issued_token_type: ID_JAG_TOKEN_TYPE, token_type: 'N_A' }, NOW).value).toBe(forUs);
  });
});

describe('R7: the world IdP refusing an exchange', () => {
  let idp: EnterpriseIdp;
  let metadata: AuthorizationServer;
  beforeAll(async () => {
    idp = await startEnterpriseIdp();
    metadata = await discoverIssuer(idp.issuer, net);
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('R7: an ID token the IdP did not issue is enterprise.sign_in_needed naming latchkey enterprise sign-in, in one request', async () => {
    const forged = await jwt({ iss: idp.issuer, aud: idp.clientId, sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 60 });
    const before = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const error = await rejection(exchangeIdTokenForIdJag(metadata, { issuer: idp.issuer, clientId: idp.clientId }, { idToken: forged, audience: AS_ISSUER, resource: RESOURCE, scopes: ['mcp:read'] }, net, Date.now));
    expect(error).toMatchObject({ code: ErrorCode.EnterpriseSignInNeeded, hint: 'Run: latchkey enterprise sign-in' });
    expect(JSON.stringify(error)).not.toContain(forged);
    expect(idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - before).toBe(1);
    expect(idp.issued).toEqual([]);
  });

  it('R7: a server the IdP excludes is enterprise.id_jag_refused with a hint for the administrator', async () => {
    idp.refuseAudience(AS_ISSUER);
    const error = await rejection(exchangeIdTokenForIdJag(metadata, { issuer: idp.issuer, clientId: idp.clientId }, { idToken: 'x.y.z', audience: AS_ISSUER, resource: RESOURCE, scopes: [] }, net, Date.now));
    expect(error).toMatchObject({ code: ErrorCode.IdJagRefused, details: expect.objectContaining({ error: 'access_denied', audience: AS_ISSUER }) });
    expect(error.hint).toContain('administrator');
  });
});

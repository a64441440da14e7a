/**
 * The JWT-bearer grant (RFC 7523) against the test world's real oidc-provider with a platform that
 * issues workload tokens: a token for the resource with the scopes asked, in one token request;
 * refusals say whether the assertion expired, names another audience or comes from an untrusted
 * issuer, and never carry the assertion itself.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { discoverIssuer, type AuthorizationServer } from '../../../../electron/wallet/oauth/discover-issuer.js';
import { JWT_BEARER_GRANT_TYPE, assertionProblem, redeemJwtBearer } from '../../../../electron/wallet/oauth/jwt-bearer.js';
import { generateDpopKey } from '../../../../electron/wallet/oauth/dpop-key.js';
import { startAuthorizationServer, type TestAuthorizationServer } from '../../../world/authorization-server.js';
import { createWorkloadIssuer, type WorkloadIssuer } from '../../../world/workload-issuer.js';

const RESOURCE = 'https://notes.example.test/mcp';
const policy = { allowInsecureLoopback: true };
const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy };

let as: TestAuthorizationServer;
let platform: WorkloadIssuer;
let metadata: AuthorizationServer;
let clientId: string;

beforeAll(async () => {
  platform = await createWorkloadIssuer();
  as = await startAuthorizationServer({ jwtBearer: { trusted: [platform.trusted()] } });
  as.addResourceServer(RESOURCE, ['mcp:read', 'mcp:write']);
  metadata = await discoverIssuer(as.issuer, net);
  const registered = await fetch(`${as.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: [JWT_BEARER_GRANT_TYPE], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'none' }),
  });
  expect(registered.status).toBe(201);
  clientId = ((await registered.json()) as { client_id: string }).client_id;
});

afterAll(async () => {
  await as?.close();
});

async function refusal(assertion: string, scopes: readonly string[] = ['mcp:read']): Promise<LatchkeyError> {
  const error = await redeemJwtBearer(metadata, { clientId }, { assertion, scopes, resource: RESOURCE }, net, Date.now).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(LatchkeyError);
  const latchkey = error as LatchkeyError;
  expect(JSON.stringify(latchkey.toJSON())).not.toContain(assertion);
  return latchkey;
}

describe('R6: the JWT-bearer grant with a workload token', () => {
  it('R6: a platform token for this authorization server becomes an at+jwt for the resource with the scopes asked, in one token request', async () => {
    const before = as.tokenRequestCount(JWT_BEARER_GRANT_TYPE);
    const assertion = await platform.mint({ audience: as.issuer });
    const token = await redeemJwtBearer(metadata, { clientId }, { assertion, scopes: ['mcp:read'], resource: RESOURCE }, net, Date.now);
    expect(as.tokenRequestCount(JWT_BEARER_GRANT_TYPE) - before).toBe(1);
    expect(token.scope).toEqual(['mcp:read']);
    const claims = decodeJwt(token.value);
    expect(claims).toMatchObject({ aud: RESOURCE, sub: platform.subject, client_id: clientId, iss: as.issuer });
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    expect(as.jwtBearer?.redemptions.at(-1)).toMatchObject({ issuer: platform.issuer, subject: platform.subject, outcome: 'ok' });
  });

  it('R6: with a DPoP key the request carries a proof and the token is bound to that key', async () => {
    const key = await generateDpopKey();
    const token = await redeemJwtBearer(metadata, { clientId }, { assertion: await platform.mint({ audience: as.issuer }), scopes: ['mcp:read'], resource: RESOURCE, dpopKey: key }, net, Date.now);
    expect(token.tokenType).toBe('DPoP');
    expect(decodeJwt(token.value)['cnf']).toEqual({ jkt: key.thumbprint });
  });

  it('R6: the token endpoint is an audience too', async () => {
    const assertion = await platform.mint({ audience: String(metadata.token_endpoint) });
    const token = await redeemJwtBearer(metadata, { clientId }, { assertion, scopes: ['mcp:read', 'mcp:write'], resource: RESOURCE }, net, Date.now);
    expect(token.scope).toEqual(['mcp:read', 'mcp:write']);
  });

  it('R6: an expired platform token is identity.assertion_rejected saying it expired', async () => {
    const error = await refusal(await platform.mint({ audience: as.issuer, ttlSeconds: -60 }));
    expect(error.code).toBe(ErrorCode.AssertionRejected);
    expect(error.details).toMatchObject({ problem: 'expired', error: 'invalid_grant' });
    expect(error.message).toContain('expired');
    expect(error.hint).toBeDefined();
  });

  it('R6: a token for another audience is identity.assertion_rejected naming the audience', async () => {
    const error = await refusal(await platform.mint({ audience: 'https://wrong.example' }));
    expect(error.code).toBe(ErrorCode.AssertionRejected);
    expect(error.details['problem']).toBe('audience');
  });

  it('R6: a token from an issuer the server does not trust is refused, and says so', async () => {
    const stranger = await createWorkloadIssuer({ issuer: 'https://stranger.platform.test' });
    const error = await refusal(await stranger.mint({ audience: as.issuer }));
    expect(error.code).toBe(ErrorCode.AssertionRejected);
    expect(error.details['problem']).toBe('refused');
    expect(as.jwtBearer?.redemptions.at(-1)).toMatchObject({ outcome: 'invalid_grant' });
  });

  it('R6: scopes beyond the resource are identity.client_not_allowed (invalid_scope)', async () => {
    const error = await refusal(await platform.mint({ audience: as.issuer }), ['mcp:admin']);
    expect(error.code).toBe(ErrorCode.AgentClientNotAllowed);
    expect(error.details['error']).toBe('invalid_scope');
  });

  it('R6: an authorization server without the grant is identity.jwt_bearer_unsupported', async () => {
    const plain = await startAuthorizationServer();
    try {
      const plainMetadata = await discoverIssuer(plain.issuer, net);
      const registered = await fetch(`${plain.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ application_type: 'native', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' }),
      });
      const signInClient = ((await registered.json()) as { client_id: string }).client_id;
      const error = await redeemJwtBearer(plainMetadata, { clientId: signInClient }, { assertion: await platform.mint({ audience: plain.issuer }), scopes: [] }, net, Date.now).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LatchkeyError);
      expect(error).toMatchObject({ code: ErrorCode.JwtBearerUnsupported, details: { error: 'unsupported_grant_type' } });
    } finally {
      await plain.close();
    }
  });

  it('R6: assertionProblem reads expiry first, then the audience, and never trusts a non-JWT', async () => {
    const server = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' } as AuthorizationServer;
    expect(assertionProblem('not a jwt', server, Date.now())).toBe('refused');
    expect(assertionProblem(await platform.mint({ audience: 'https://as.example/', ttlSeconds: 60 }), server, Date.now())).toBe('refused');
    expect(assertionProblem(await platform.mint({ audience: 'https://as.example/token', ttlSeconds: -5 }), server, Date.now())).toBe('expired');
    expect(assertionProblem(await platform.mint({ audience: 'https://elsewhere.example' }), server, Date.now())).toBe('audience');
  });
});

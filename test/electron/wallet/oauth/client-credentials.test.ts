/**
 * R5 against the test world's real oidc-provider: an agent's own client gets tokens with the
 * client credentials grant, authenticated with client_secret_basic or private_key_jwt, for the
 * resource (RFC 8707) and scopes asked; refusals keep the server's code and carry a hint.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { discoverIssuer, type AuthorizationServer } from '../../../../electron/wallet/oauth/discover-issuer.js';
import { clientCredentialsToken, generateAgentKey, publicJwkOf, type AgentClientAuth, type AgentClientRecord } from '../../../../electron/wallet/oauth/client-credentials.js';
import { startAuthorizationServer, type TestAuthorizationServer } from '../../../world/authorization-server.js';

const RESOURCE = 'https://notes.example.test/mcp';
const policy = { allowInsecureLoopback: true };
const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy };

let as: TestAuthorizationServer;
let metadata: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer();
  as.addResourceServer(RESOURCE, ['mcp:read', 'mcp:write']);
  metadata = await discoverIssuer(as.issuer, net);
});

afterAll(async () => {
  await as?.close();
});

/** Open DCR of a client_credentials client, as an administrator would register the agent. */
async function register(body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const response = await fetch(`${as.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', ...body }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { client_id: string; client_secret?: string };
}

function record(clientId: string, auth: AgentClientAuth): AgentClientRecord {
  return { issuer: as.issuer, clientId, auth, createdAt: Date.now() };
}

describe('R5: client credentials for an agent’s own client', () => {
  it('R5: client_secret_basic gets a token for the resource with the scopes asked, in one token request', async () => {
    const client = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    const before = as.tokenRequestCount('client_credentials');
    const token = await clientCredentialsToken(metadata, record(client.client_id, { method: 'client_secret_basic', clientSecret: client.client_secret ?? '' }), { resource: RESOURCE, scopes: ['mcp:read'] }, net, Date.now);
    expect(as.tokenRequestCount('client_credentials') - before).toBe(1);
    expect(token.scope).toEqual(['mcp:read']);
    const claims = decodeJwt(token.value);
    expect(claims.aud).toBe(RESOURCE);
    expect(claims.client_id).toBe(client.client_id);
    expect(token.expiresAt).toBeGreaterThan(Date.now());
  });

  it('R5: private_key_jwt signs with the generated key; only the public half was registered', async () => {
    const key = await generateAgentKey('ES256');
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(publicJwkOf(key.privateJwk as Record<string, unknown>)).not.toHaveProperty('d');
    expect(key.publicJwk.kid).toBe(key.thumbprint);
    const client = await register({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [key.publicJwk] } });
    const auth: AgentClientAuth = { method: 'private_key_jwt', alg: key.alg, privateJwk: { ...key.privateJwk, kty: 'EC' } };
    const token = await clientCredentialsToken(metadata, record(client.client_id, auth), { resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'] }, net, Date.now);
    expect(token.scope).toEqual(['mcp:read', 'mcp:write']);
    expect(decodeJwt(token.value).aud).toBe(RESOURCE);
  });

  it('R5: RS256 keys work too', async () => {
    const key = await generateAgentKey('RS256');
    const client = await register({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks: { keys: [key.publicJwk] } });
    const token = await clientCredentialsToken(metadata, record(client.client_id, { method: 'private_key_jwt', alg: 'RS256', privateJwk: { ...key.privateJwk, kty: 'RSA' } }), { resource: RESOURCE, scopes: ['mcp:read'] }, net, Date.now);
    expect(token.scope).toEqual(['mcp:read']);
  });

  it('R5: a wrong secret is identity.client_rejected (invalid_client) with a hint, and the secret appears nowhere in the error', async () => {
    const client = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    const wrong = 'not-the-secret-0123456789';
    const failure = await clientCredentialsToken(metadata, record(client.client_id, { method: 'client_secret_basic', clientSecret: wrong }), { resource: RESOURCE, scopes: ['mcp:read'] }, net, Date.now).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.AgentClientRejected, details: { error: 'invalid_client', method: 'client_secret_basic' } });
    expect((failure as { hint?: string }).hint).toMatch(/secret/);
    expect(JSON.stringify({ message: (failure as Error).message, details: (failure as { details: unknown }).details })).not.toContain(wrong);
  });

  it('R5: a key the server does not know is identity.client_rejected, naming the key to register', async () => {
    const registered = await generateAgentKey('ES256');
    const other = await generateAgentKey('ES256');
    const client = await register({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [registered.publicJwk] } });
    const failure = await clientCredentialsToken(metadata, record(client.client_id, { method: 'private_key_jwt', alg: 'ES256', privateJwk: { ...other.privateJwk, kty: 'EC' } }), { resource: RESOURCE, scopes: [] }, net, Date.now).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.AgentClientRejected });
    expect((failure as { hint?: string }).hint).toMatch(/public key/);
  });

  it('R5: scopes the client may not have are identity.client_not_allowed (invalid_scope), naming them', async () => {
    const client = await register({ token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:read' });
    const failure = await clientCredentialsToken(metadata, record(client.client_id, { method: 'client_secret_basic', clientSecret: client.client_secret ?? '' }), { resource: RESOURCE, scopes: ['mcp:write'] }, net, Date.now).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.AgentClientNotAllowed, details: { error: 'invalid_scope' } });
    expect((failure as Error).message).toContain('mcp:write');
  });

  it('R5: a client the server does not allow the grant keeps the server’s own code and description', async () => {
    const client = await register({ grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'], application_type: 'native', token_endpoint_auth_method: 'client_secret_basic' });
    const failure = await clientCredentialsToken(metadata, record(client.client_id, { method: 'client_secret_basic', clientSecret: client.client_secret ?? '' }), { resource: RESOURCE, scopes: ['mcp:read'] }, net, Date.now).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.TokenRequestFailed, details: { error: 'invalid_request' } });
    expect((failure as Error).message).toMatch(/grant type is not allowed/);
  });
});

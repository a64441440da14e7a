/**
 * R5, R6 with A8, with the vault and the test world's AS offering DPoP (its nonce required): an
 * agent's own client set up there gets a DPoP key of its own, kept whole in the vault and shown
 * only by thumbprint; its client credentials and JWT-bearer tokens are bound to that key; the
 * wallet signs resource proofs for those tokens only, and only for the server's origin.
 */
import { decodeJwt, decodeProtectedHeader, calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { accessTokenHash } from '../../../../electron/base/net/dpop-wire.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../../../electron/wallet/oauth/jwt-bearer.js';
import { AgentClientStore } from '../../../../electron/wallet/identities/agent-client-store.js';
import { AgentClientTokens } from '../../../../electron/wallet/identities/agent-client-tokens.js';
import type { WorkloadTokenReader } from '../../../../electron/wallet/identities/workload-token.js';
import { startWorld, type World } from '../../../world/index.js';
import { createWorkloadIssuer, type WorkloadIssuer } from '../../../world/workload-issuer.js';

const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy: { allowInsecureLoopback: true } };

let world: World;
let platform: WorkloadIssuer;

beforeAll(async () => {
  platform = await createWorkloadIssuer();
  world = await startWorld({ dpop: { requireNonce: true }, jwtBearer: { trusted: [platform.trusted()] } });
});

afterAll(async () => {
  await world?.close();
});

async function register(body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', ...body }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { client_id: string; client_secret?: string };
}

async function setUp(workloadTokens?: WorkloadTokenReader): Promise<{ store: AgentClientStore; tokens: AgentClientTokens }> {
  const store = new AgentClientStore(await openVault({ dir: '', mode: 'memory' }));
  return { store, tokens: new AgentClientTokens({ store, net, clock: { now: () => Date.now() }, logger: silentLogger, ...(workloadTokens === undefined ? {} : { workloadTokens }) }) };
}

function grantsSince(before: number): string[] {
  return world.as.tokenRequests.slice(before).map((request) => `${request.grantType}:${request.error ?? request.status}`);
}

describe('A8: DPoP for agents’ own clients', () => {
  it('R5: a client at an AS offering DPoP gets a key of its own; its tokens are bound to it and the next grant carries the nonce', async () => {
    const { store, tokens } = await setUp();
    const registered = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    const added = await tokens.add({ agentId: 'agent-1', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { clientSecret: registered.client_secret ?? '' } });
    const key = store.get('agent-1', world.mcpUrl)?.dpopKey;
    expect(key?.privateJwk.d).toEqual(expect.any(String));
    expect(added.client.dpopThumbprint).toBe(key?.thumbprint);
    expect(JSON.stringify(tokens.list())).not.toContain(key?.privateJwk.d ?? 'no key');
    expect(tokens.publicKeys('agent-1')).toEqual([]);

    const before = world.as.tokenRequests.length;
    const token = await tokens.token('agent-1', world.mcpUrl, ['mcp:read']);
    expect(token.tokenType).toBe('DPoP');
    expect((decodeJwt(token.value)['cnf'] as { jkt?: string } | undefined)?.jkt).toBe(key?.thumbprint);
    expect(grantsSince(before)).toEqual(['client_credentials:use_dpop_nonce', 'client_credentials:200']);
    const widened = await tokens.token('agent-1', world.mcpUrl, ['mcp:read', 'mcp:write']);
    expect(widened.tokenType).toBe('DPoP');
    // The wallet's handle kept the server's nonce: no second use_dpop_nonce round trip.
    expect(grantsSince(before)).toHaveLength(3);
  });

  it('R5: the wallet signs proofs for the client’s live DPoP token only, and only for its server’s origin', async () => {
    const { store, tokens } = await setUp();
    const registered = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    await tokens.add({ agentId: 'agent-2', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { clientSecret: registered.client_secret ?? '' } });
    const token = await tokens.token('agent-2', world.mcpUrl, ['mcp:read']);
    const ath = accessTokenHash(token.value);
    expect(tokens.holds('agent-2', world.mcpUrl, ath)).toBe(true);
    expect(tokens.holds('agent-3', world.mcpUrl, ath)).toBe(false);
    expect(tokens.holds('agent-2', world.mcpUrl, accessTokenHash('a-copied-token'))).toBe(false);

    const proof = await tokens.proof('agent-2', world.mcpUrl, { method: 'post', url: `${world.mcpUrl}?page=2`, ath, nonce: 'n-1' });
    expect(decodeProtectedHeader(proof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256')).toBe(store.get('agent-2', world.mcpUrl)?.dpopKey?.thumbprint);
    expect(decodeJwt(proof)).toMatchObject({ htm: 'POST', htu: world.mcpUrl, ath, nonce: 'n-1' });
    await expect(tokens.proof('agent-2', world.mcpUrl, { method: 'POST', url: 'https://elsewhere.example.test/mcp', ath })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    await expect(tokens.proof('agent-2', world.mcpUrl, { method: 'POST', url: world.mcpUrl, ath: accessTokenHash('a-copied-token') })).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    await tokens.remove('agent-2');
    await expect(tokens.proof('agent-2', world.mcpUrl, { method: 'POST', url: world.mcpUrl, ath })).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('R6: a workload identity’s JWT-bearer token is bound to its client’s DPoP key', async () => {
    const registered = await register({ grant_types: [JWT_BEARER_GRANT_TYPE], token_endpoint_auth_method: 'none' });
    const { store, tokens } = await setUp({ read: () => platform.mint({ audience: world.issuer }) });
    await tokens.add({ agentId: 'ci', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { workloadToken: { kind: 'env', name: 'CI_TOKEN' } } });
    const before = world.as.tokenRequests.length;
    const token = await tokens.token('ci', world.mcpUrl, ['mcp:read']);
    expect(token.tokenType).toBe('DPoP');
    expect((decodeJwt(token.value)['cnf'] as { jkt?: string } | undefined)?.jkt).toBe(store.get('ci', world.mcpUrl)?.dpopKey?.thumbprint);
    // The world's JWT-bearer grant asks no nonce: one request.
    expect(grantsSince(before)).toEqual([`${JWT_BEARER_GRANT_TYPE}:200`]);
  });
});

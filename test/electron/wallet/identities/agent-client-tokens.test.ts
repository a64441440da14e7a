/**
 * R5 with the vault and the test world: an agent's own client is set up from the MCP server's URL
 * (its authorization server discovered once and kept), its tokens are cached per agent, resource
 * and scopes, and what the owner sees of it never holds the secret or the private key.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { generateAgentKey } from '../../../../electron/wallet/oauth/client-credentials.js';
import { AgentClientStore } from '../../../../electron/wallet/identities/agent-client-store.js';
import { AgentClientTokens } from '../../../../electron/wallet/identities/agent-client-tokens.js';
import { startWorld, type World } from '../../../world/index.js';

const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy: { allowInsecureLoopback: true } };

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.close();
});

async function register(body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', ...body }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { client_id: string; client_secret?: string };
}

async function setUp(): Promise<{ vault: Vault; store: AgentClientStore; tokens: AgentClientTokens }> {
  const vault = await openVault({ dir: '', mode: 'memory' });
  const store = new AgentClientStore(vault);
  const tokens = new AgentClientTokens({ store, net, clock: { now: () => Date.now() }, logger: silentLogger });
  return { vault, store, tokens };
}

describe('R5: agents’ own clients in the vault', () => {
  it('R5: a client_secret_basic client is set up from the server URL; its token is cached per agent, resource and scopes', async () => {
    const { vault, tokens } = await setUp();
    const registered = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    const secret = registered.client_secret ?? '';
    const added = await tokens.add({ agentId: 'agent-1', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { clientSecret: secret } });
    expect(added.client).toMatchObject({ agentId: 'agent-1', resource: world.mcpUrl, issuer: world.issuer, method: 'client_secret_basic' });
    expect(JSON.stringify(added)).not.toContain(secret);
    expect(tokens.has('agent-1', world.mcpUrl)).toBe(true);

    const before = world.as.tokenRequestCount('client_credentials');
    const first = await tokens.token('agent-1', world.mcpUrl, ['mcp:read']);
    const again = await tokens.token('agent-1', world.mcpUrl, ['mcp:read']);
    expect(again.value).toBe(first.value);
    // The world's AS offers no DPoP here: no DPoP key, Bearer tokens.
    expect(added.client.dpopThumbprint).toBeUndefined();
    expect(first.tokenType).toBeUndefined();
    expect(world.as.tokenRequestCount('client_credentials') - before).toBe(1);
    expect(decodeJwt(first.value).aud).toBe(world.mcpUrl);
    await tokens.token('agent-1', world.mcpUrl, ['mcp:read', 'mcp:write']);
    expect(world.as.tokenRequestCount('client_credentials') - before).toBe(2);
    await vault.close();
  });

  it('R5: a generated key is kept whole in the vault; only its public half and thumbprint are shown', async () => {
    const { vault, store, tokens } = await setUp();
    const added = await tokens.add({ agentId: 'agent-2', serverUrl: world.mcpUrl, clientId: 'to-be-registered', credential: { generateKey: 'ES256' } });
    expect(added.publicJwk).toBeDefined();
    expect(added.publicJwk).not.toHaveProperty('d');
    expect(added.client.keyThumbprint).toBe(added.publicJwk?.kid);
    expect(store.get('agent-2', world.mcpUrl)?.auth).toMatchObject({ method: 'private_key_jwt', privateJwk: { d: expect.any(String) } });
    expect(JSON.stringify(store.list())).not.toContain('"d"');
    await vault.close();
  });

  it('R5: a private_key_jwt client whose public key the administrator registered gets tokens', async () => {
    const { vault, tokens } = await setUp();
    const key = await generateAgentKey('ES256');
    const registered = await register({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [key.publicJwk] } });
    await tokens.add({ agentId: 'agent-3', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { privateJwk: { ...key.privateJwk, kty: 'EC' }, alg: 'ES256' } });
    const token = await tokens.token('agent-3', world.mcpUrl, ['mcp:read']);
    expect(decodeJwt(token.value)).toMatchObject({ aud: world.mcpUrl, client_id: registered.client_id });
    await vault.close();
  });

  it('R5: removing the client forgets it and its cached tokens', async () => {
    const { vault, tokens } = await setUp();
    const registered = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    await tokens.add({ agentId: 'agent-4', serverUrl: world.mcpUrl, clientId: registered.client_id, credential: { clientSecret: registered.client_secret ?? '' } });
    await tokens.token('agent-4', world.mcpUrl, ['mcp:read']);
    expect(await tokens.remove('agent-4')).toHaveLength(1);
    expect(tokens.has('agent-4', world.mcpUrl)).toBe(false);
    await expect(tokens.token('agent-4', world.mcpUrl, ['mcp:read'])).rejects.toMatchObject({ code: ErrorCode.ClientNotFound });
    await vault.close();
  });
});

/**
 * R6 with the vault and the test world: a workload identity is kept like an agent's own client
 * (the source of its platform token, never the token), and each grant reads the source again and
 * redeems what it holds with the JWT-bearer grant at the server's authorization server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../../../electron/wallet/oauth/jwt-bearer.js';
import { AgentClientStore } from '../../../../electron/wallet/identities/agent-client-store.js';
import { AgentClientTokens } from '../../../../electron/wallet/identities/agent-client-tokens.js';
import { startWorld, type World } from '../../../world/index.js';
import { createWorkloadIssuer, type WorkloadIssuer } from '../../../world/workload-issuer.js';

const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy: { allowInsecureLoopback: true } };

let world: World;
let platform: WorkloadIssuer;
let dir: string;
let clientId: string;

beforeAll(async () => {
  platform = await createWorkloadIssuer();
  world = await startWorld({ jwtBearer: { trusted: [platform.trusted()] } });
  dir = await mkdtemp(path.join(tmpdir(), 'latchkey-workload-identity-'));
  const registered = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: [JWT_BEARER_GRANT_TYPE], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'none' }),
  });
  clientId = ((await registered.json()) as { client_id: string }).client_id;
});

afterAll(async () => {
  await world?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function setUp(): Promise<{ store: AgentClientStore; tokens: AgentClientTokens }> {
  const vault = await openVault({ dir: '', mode: 'memory' });
  const store = new AgentClientStore(vault);
  return { store, tokens: new AgentClientTokens({ store, net, clock: { now: () => Date.now() }, logger: silentLogger }) };
}

describe('R6: a workload identity in the vault', () => {
  it('R6: the vault keeps the token file’s path; a grant redeems the platform token the file holds then', async () => {
    const { store, tokens } = await setUp();
    const file = path.join(dir, 'token-a');
    const first = await platform.writeTokenFile(file, { audience: world.issuer });
    const added = await tokens.add({ agentId: 'ci', serverUrl: world.mcpUrl, clientId, credential: { workloadToken: { kind: 'file', path: file } } });
    expect(added.client).toMatchObject({ method: 'workload_token', workloadSource: `file ${file}`, issuer: world.issuer, clientId });
    expect(JSON.stringify(store.get('ci', world.mcpUrl))).not.toContain(first);

    const before = world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE);
    const token = await tokens.token('ci', world.mcpUrl, ['mcp:read']);
    expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE) - before).toBe(1);
    expect(decodeJwt(token.value)).toMatchObject({ aud: world.mcpUrl, sub: platform.subject, client_id: clientId, scope: 'mcp:read' });
    // Cached like every own client's token: no second grant while it lives.
    expect((await tokens.token('ci', world.mcpUrl, ['mcp:read'])).value).toBe(token.value);
    expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE) - before).toBe(1);
  });

  it('R6: after the platform rotates the file, the next grant presents the new token; an expired one is identity.assertion_rejected', async () => {
    const { tokens } = await setUp();
    const file = path.join(dir, 'token-b');
    await platform.writeTokenFile(file, { audience: world.issuer });
    await tokens.add({ agentId: 'ci', serverUrl: world.mcpUrl, clientId, credential: { workloadToken: { kind: 'file', path: file } } });
    await tokens.token('ci', world.mcpUrl, ['mcp:read']);
    await platform.writeTokenFile(file, { audience: world.issuer, subject: 'repo:latchkey/notes:ref:refs/heads/rotated' });
    tokens.forget('ci');
    expect(decodeJwt((await tokens.token('ci', world.mcpUrl, ['mcp:read'])).value).sub).toBe('repo:latchkey/notes:ref:refs/heads/rotated');

    await platform.writeTokenFile(file, { audience: world.issuer, ttlSeconds: -30 });
    tokens.forget('ci');
    const error = await tokens.token('ci', world.mcpUrl, ['mcp:read']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LatchkeyError);
    expect(error).toMatchObject({ code: ErrorCode.AssertionRejected, details: { problem: 'expired' } });
  });

  it('R6: with no client id the token is presented alone; a source that went away is identity.workload_token_unavailable', async () => {
    const { tokens } = await setUp();
    const file = path.join(dir, 'token-c');
    await platform.writeTokenFile(file, { audience: world.issuer });
    const added = await tokens.add({ agentId: 'ci', serverUrl: world.mcpUrl, clientId: '', credential: { workloadToken: { kind: 'file', path: file } } });
    expect(added.client.clientId).toBe('');
    // The world's oidc-provider wants a client on every token request, so it refuses one with none.
    const refused = await tokens.token('ci', world.mcpUrl, ['mcp:read']).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: ErrorCode.TokenRequestFailed, details: { error: 'invalid_request' } });
    expect(world.as.tokenRequests.at(-1)?.clientId).toBeUndefined();

    await rm(file);
    const gone = await tokens.token('ci', world.mcpUrl, ['mcp:read']).catch((caught: unknown) => caught);
    expect(gone).toMatchObject({ code: ErrorCode.WorkloadTokenUnavailable });
  });
});

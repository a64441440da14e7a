/**
 * Autonomous agents in one step, and what removing one cleans up (R5): the real wallet in memory
 * against the test world's authorization server and MCP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWallet, type ComposedWallet } from '../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../world/index.js';

let world: World;
let composed: ComposedWallet;
let wallet: Wallet;

/** A client_secret_basic client for the client credentials grant, as an administrator registers it. */
async function administratorClient(): Promise<{ client_id: string; client_secret: string }> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
  });
  return (await response.json()) as { client_id: string; client_secret: string };
}

beforeAll(async () => {
  world = await startWorld();
  composed = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } }, { env: {} });
  wallet = validatedWallet(composed.wallet);
});

afterAll(async () => {
  await composed?.wallet.close();
  await world?.close();
});

describe('addAutonomousAgent and removeAgent (R5)', () => {
  it('R5: a secret is tried once before the grant is made, and the agent is handed that very token', async () => {
    const admin = await administratorClient();
    const before = world.as.tokenRequestCount('client_credentials');
    const added = await wallet.addAutonomousAgent({ name: 'secret-bot', server: world.mcpUrl, clientId: admin.client_id, clientSecret: admin.client_secret, scopes: ['mcp:read'] });
    expect(added).toMatchObject({ agent: { kind: 'autonomous' }, client: { method: 'client_secret_basic' }, grant: { scopes: ['mcp:read'], mode: 'allow' }, verified: true });
    expect(world.as.tokenRequestCount('client_credentials') - before).toBe(1);
    const caller = composed.broker.authenticate(added.secret);
    expect(caller).toBeDefined();
    await composed.broker.token(caller!, { resource: world.mcpUrl }, new AbortController().signal);
    expect(world.as.tokenRequestCount('client_credentials') - before).toBe(1);
    expect(JSON.stringify(await wallet.queryAudit())).not.toContain(admin.client_secret);
  });

  it('R5: a refused client undoes the agent: no agent, no client, no grant; the audit says both', async () => {
    const failure = await wallet
      .addAutonomousAgent({ name: 'refused-bot', server: world.mcpUrl, clientId: 'nobody', clientSecret: 'wrong-secret-0123456789', scopes: ['mcp:read'] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'identity.client_rejected' });
    expect((await wallet.listAgents()).map((agent) => agent.name)).not.toContain('refused-bot');
    const entries = (await wallet.queryAudit()).filter((entry) => entry.agentName === 'refused-bot').map((entry) => entry.type);
    expect(entries).toEqual(['agent.enrolled', 'client.set', 'agent.removed', 'client.removed']);
    const agentIds = new Set((await wallet.listAgents()).map((agent) => agent.id));
    expect((await wallet.listGrants()).filter((grant) => !agentIds.has(grant.agentId))).toEqual([]);
    expect((await wallet.listAgentClients()).filter((client) => !agentIds.has(client.agentId))).toEqual([]);
  });

  it("R5: removing the agent takes its tokens to the AS's revocation endpoint as its client, then its client and key out of the vault", async () => {
    const added = await wallet.addAutonomousAgent({ name: 'reg-bot', server: world.mcpUrl, register: true, scopes: ['mcp:read'] });
    expect(await wallet.agentJwks({ agent: 'reg-bot' })).toEqual({ keys: [expect.objectContaining({ kid: added.client.keyThumbprint })] });
    const before = world.as.revocations.length;
    await wallet.removeAgent({ agent: 'reg-bot' });
    expect(world.as.revocations.slice(before)).toEqual([expect.objectContaining({ clientId: added.client.clientId })]);
    const removed = (await wallet.queryAudit({ type: 'client.removed' })).find((entry) => entry.agentName === 'reg-bot');
    expect(removed).toMatchObject({ actor: 'owner', resource: world.mcpUrl, issuer: world.issuer, reason: expect.stringMatching(/^revocation:/u) as unknown });
    expect(await wallet.listAgentClients({})).not.toContainEqual(expect.objectContaining({ agentId: added.agent.id }));
    await expect(composed.wallet.agentJwks({ agent: added.agent.id })).rejects.toMatchObject({ code: 'agent.not_found' });
  });
});

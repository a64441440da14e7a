/**
 * R5 through the broker, with the real wallet and the test world: an agent with a client of its
 * own at the MCP server's authorization server gets that client's tokens under its grant, with no
 * owner connection, no browser and no approval; every hand-out is audited with reason
 * 'agent-client'; the grant still bounds the scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import type { Opener } from '../../../../electron/base/ports.js';
import { callTool, resultText } from '../../../support/mcp-call.js';
import { startWorld, type World } from '../../../world/index.js';

let world: World;
let composed: ComposedWallet;
let owner: Wallet;
const opened: string[] = [];
const opener: Opener = { open: (url) => Promise.resolve(void opened.push(url.href)) };
/** Every request the wallet makes to the authorization server, counted (the MCP server's are not). */
const asRequests: string[] = [];
const countingFetch = (input: string | URL, init?: RequestInit): Promise<Response> => {
  if (String(input).startsWith(world.issuer)) asRequests.push(String(input));
  return fetch(input, init);
};

beforeAll(async () => {
  world = await startWorld();
  composed = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener, env: {}, fetch: countingFetch });
  owner = validatedWallet(composed.wallet);
});

afterAll(async () => {
  await composed?.wallet.close();
  await world?.close();
});

async function registerBasicClient(): Promise<{ client_id: string; client_secret: string }> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { client_id: string; client_secret: string };
}

describe('R5: an autonomous agent through the broker', () => {
  it('R5: client_secret_basic: the agent calls the world’s MCP server with its own token, no connection and no browser', async () => {
    const started = performance.now();
    const registered = await registerBasicClient();
    const { secret } = await owner.enrolAgent({ name: 'nightly-bot' });
    await owner.setAgentClient({ agent: 'nightly-bot', server: world.mcpUrl, clientId: registered.client_id, clientSecret: registered.client_secret });
    await owner.createGrant({ agent: 'nightly-bot', resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'], mode: 'allow' });
    const caller = composed.broker.authenticate(secret)!;
    const token = await composed.broker.token(caller, { resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] }, new AbortController().signal);
    expect(resultText(await callTool(world.mcpUrl, token.access_token, 'echo', { text: 'hello' }))).toBe('hello');
    expect(resultText(await callTool(world.mcpUrl, token.access_token, 'write_note', { text: 'from nightly-bot' }))).toBe(`stored note ${world.mcp.notes.length}`);
    const whoami = JSON.parse(resultText(await callTool(world.mcpUrl, token.access_token, 'whoami'))) as { client_id: string };
    expect(whoami.client_id).toBe(registered.client_id);
    const again = await composed.broker.token(caller, { resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] }, new AbortController().signal);
    expect(again.access_token).toBe(token.access_token);

    // Discovery once when the client was added (the AS metadata), then one token request for both hand-outs.
    expect(world.as.tokenRequestCount('client_credentials')).toBe(1);
    expect(asRequests.filter((url) => url.endsWith('/token'))).toHaveLength(1);
    expect(opened).toEqual([]);
    expect(await owner.listConnections()).toEqual([]);
    const issued = await owner.queryAudit({ type: 'token.issued' });
    expect(issued).toEqual([expect.objectContaining({ agentName: 'nightly-bot', resource: world.mcpUrl, reason: 'agent-client', outcome: 'ok' }), expect.objectContaining({ reason: 'agent-client' })]);
    expect(JSON.stringify(await owner.queryAudit())).not.toContain(registered.client_secret);
    console.log(`[identity] client_credentials basic: ${Math.round(performance.now() - started)} ms, ${asRequests.length} AS requests`);
  });

  it('R5: the grant still bounds the scopes: a scope beyond it is refused and audited', async () => {
    const registered = await registerBasicClient();
    const { secret } = await owner.enrolAgent({ name: 'reader-bot' });
    await owner.setAgentClient({ agent: 'reader-bot', server: world.mcpUrl, clientId: registered.client_id, clientSecret: registered.client_secret });
    await owner.createGrant({ agent: 'reader-bot', resource: world.mcpUrl, scopes: ['mcp:read'], mode: 'allow' });
    const caller = composed.broker.authenticate(secret)!;
    await expect(composed.broker.token(caller, { resource: world.mcpUrl, scopes: ['mcp:write'] }, new AbortController().signal)).rejects.toMatchObject({ code: ErrorCode.ScopeNotGranted });
    const refused = await owner.queryAudit({ type: 'token.refused' });
    expect(refused.at(-1)).toMatchObject({ agentName: 'reader-bot', reason: ErrorCode.ScopeNotGranted });
  });

  it('R5/T40: the audit names the agent’s own client in the chain, and a delegated session of the agent keeps to its slice', async () => {
    const registered = await registerBasicClient();
    const { agent } = await owner.enrolAgent({ name: 'chain-bot' });
    await owner.setAgentClient({ agent: 'chain-bot', server: world.mcpUrl, clientId: registered.client_id, clientSecret: registered.client_secret });
    await owner.createGrant({ agent: 'chain-bot', resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'], mode: 'allow' });
    const { session, secret } = await composed.wallet.startSession({ agent: agent.id, ttlSeconds: 600, pid: process.pid });
    const parent = composed.bridge.authenticate(secret)!;
    await composed.broker.token(parent, { resource: world.mcpUrl }, new AbortController().signal);
    expect((await owner.queryAudit({ type: 'token.issued' })).at(-1)).toMatchObject({ agentName: 'chain-bot', reason: 'agent-client', chain: [session.id, 'chain-bot', `own-client:${registered.client_id}`, 'owner'] });

    const delegated = await composed.bridge.delegate!(parent, { pid: process.pid, scopes: ['mcp:read'] });
    const child = composed.bridge.authenticate(delegated.secret)!;
    const token = await composed.broker.token(child, { resource: world.mcpUrl }, new AbortController().signal);
    expect(token.scope).toBe('mcp:read');
    await expect(composed.broker.token(child, { resource: world.mcpUrl, scopes: ['mcp:write'] }, new AbortController().signal)).rejects.toMatchObject({ code: ErrorCode.ScopeNotGranted });
    const issued = (await owner.queryAudit({ type: 'token.issued' })).at(-1);
    expect(issued).toMatchObject({ sessionId: delegated.session.id, chain: [delegated.session.id, session.id, 'chain-bot', `own-client:${registered.client_id}`, 'owner'] });
    expect(issued?.owner).toBeUndefined();
  });

  it('R5: without a grant the agent’s own client gives nothing', async () => {
    const registered = await registerBasicClient();
    const { secret } = await owner.enrolAgent({ name: 'ungranted-bot' });
    await owner.setAgentClient({ agent: 'ungranted-bot', server: world.mcpUrl, clientId: registered.client_id, clientSecret: registered.client_secret });
    const caller = composed.broker.authenticate(secret)!;
    await expect(composed.broker.token(caller, { resource: world.mcpUrl }, new AbortController().signal)).rejects.toMatchObject({ code: ErrorCode.NoGrant });
  });
});

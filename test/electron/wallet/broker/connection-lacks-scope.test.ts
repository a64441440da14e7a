/**
 * The owner's connection holds fewer scopes than an agent's grant (connected with
 * mcp:read only; the agent granted mcp:read + mcp:write). Against the REAL test world
 * (oidc-provider, the MCP SDK server, Chromium for sign-ins): a request naming no scopes gets what
 * both allow at once; one that needs mcp:write (named, or after the server's 403
 * insufficient_scope through the proxy's fetch) raises a step-up whose lists differ by what the
 * CONNECTION lacks. Before the fix the first request raised a step-up showing
 * "mcp:read mcp:write → mcp:read mcp:write" and the agent waited until the approval expired.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { BridgeCaller } from '../../../../electron/wallet/bridge/handler.js';
import { createAuthorizingFetch } from '../../../../electron/agent/proxy/authorizing-fetch.js';
import { createTokenCache } from '../../../../electron/agent/proxy/token-cache.js';
import { describeScopes } from '../../../../electron/cli/commands/approvals.js';
import { markAddedScopes } from '../../../../renderer/screens/approvals/approval-view.js';
import { MCP_READ, MCP_WRITE, startWorld, type World } from '../../../world/index.js';
import { callTool, resultText } from '../../../support/mcp-call.js';
import { rejection as refusal } from '../../../support/rejection.js';

const never = new AbortController().signal;

let world: World;
let home: string;
let c: ComposedWallet;
const raised: Approval[] = [];
let agentCount = 0;

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-lacks-'));
  // A long approval timeout: a test that waited for it would fail by its own timeout, not pass.
  c = await composeWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener }, { approvalTimeoutMs: 60_000 });
  c.approvals.on('raised', (approval) => raised.push(approval));
  const connection = await c.wallet.connect({ url: world.mcpUrl, scopes: [MCP_READ] });
  expect(connection.scopes).toEqual([MCP_READ]);
}, 60_000);

afterAll(async () => {
  await c?.wallet.close();
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

async function agentGranted(scopes: string[]): Promise<BridgeCaller> {
  agentCount += 1;
  const { agent, secret } = await c.wallet.enrolAgent({ name: `lacks-${agentCount}` });
  await c.wallet.createGrant({ agent: agent.id, resource: world.mcpUrl, scopes });
  return c.broker.authenticate(secret)!;
}

async function pendingFor(agentName: string): Promise<Approval> {
  let found: Approval | undefined;
  await expect.poll(async () => (found = (await c.wallet.listApprovals({ status: 'pending' })).find((a) => a.agentName === agentName)) !== undefined).toBe(true);
  return found!;
}

describe('a connection holding fewer scopes than the agent\'s grant (real AS, real MCP server)', () => {
  it('a request naming no scopes gets what both the grant and the connection allow (mcp:read) at once, without a prompt', async () => {
    const caller = await agentGranted([MCP_READ, MCP_WRITE]);
    const before = raised.length;
    const started = performance.now();
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    const tookMs = performance.now() - started;
    expect(token.scope).toBe(MCP_READ);
    expect(raised.length).toBe(before);
    expect(tookMs).toBeLessThan(5_000);
    expect(resultText(await callTool(world.mcpUrl, token.access_token, 'echo', { text: 'narrowed' }))).toBe('narrowed');
    expect(world.mcp.lastClaims).toMatchObject({ aud: world.mcpUrl, scope: MCP_READ });
  });

  it('a request naming mcp:write raises a step-up that lists what the connection lacks as new (never identical lists); a decline says how to re-authorize', async () => {
    const caller = await agentGranted([MCP_READ, MCP_WRITE]);
    const asking = c.broker.token(caller, { resource: world.mcpUrl, scopes: [MCP_READ, MCP_WRITE] }, never);
    const approval = await pendingFor(caller.agent.name);
    expect(approval).toMatchObject({ kind: 'step-up', currentScopes: [MCP_READ], scopes: [MCP_READ, MCP_WRITE] });
    // The window's card marks mcp:write new; the CLI line shows the two different lists.
    expect(markAddedScopes(approval.currentScopes, approval.scopes).filter((s) => s.added).map((s) => s.scope)).toEqual([MCP_WRITE]);
    expect(describeScopes(approval)).toBe(`${MCP_READ} → ${MCP_READ} ${MCP_WRITE}`);

    await c.wallet.decideApproval({ id: approval.id, decision: 'deny' });
    const declined = await refusal(asking);
    expect(declined.code).toBe(ErrorCode.StepUpDeclined);
    expect(declined.hint).toBe(`Carry on without it. The owner can re-authorize the connection with them: latchkey connect ${world.mcpUrl} --scope "${MCP_READ} ${MCP_WRITE}"`);
    // Remembered: asked again, it is refused at once; without naming scopes it still gets mcp:read.
    const before = raised.length;
    expect((await refusal(c.broker.token(caller, { resource: world.mcpUrl, scopes: [MCP_WRITE] }, never))).code).toBe(ErrorCode.StepUpDeclined);
    await expect(c.broker.token(caller, { resource: world.mcpUrl }, never)).resolves.toMatchObject({ scope: MCP_READ });
    expect(raised.length).toBe(before);
  });

  it('through the proxy\'s fetch, the server\'s 403 insufficient_scope raises one step-up for mcp:write; approving signs in again and the tool call succeeds', async () => {
    const caller = await agentGranted([MCP_READ, MCP_WRITE]);
    const tokens = createTokenCache({
      source: { fetchToken: (scopes) => c.broker.token(caller, { resource: world.mcpUrl, ...(scopes === undefined ? {} : { scopes: [...scopes] }) }, never) },
    });
    const client = new Client({ name: 'latchkey-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(world.mcpUrl), { fetch: createAuthorizingFetch({ tokens }) }));
    try {
      expect(tokens.scopes).toEqual([MCP_READ]);
      const before = raised.length;
      const writing = client.callTool({ name: 'write_note', arguments: { text: 'hello' } });
      const approval = await pendingFor(caller.agent.name);
      expect(approval).toMatchObject({ kind: 'step-up', currentScopes: [MCP_READ], scopes: [MCP_READ, MCP_WRITE] });
      await c.wallet.decideApproval({ id: approval.id, decision: 'approve' });
      const result = await writing;
      expect(result.isError ?? false).toBe(false);
      expect(raised.length).toBe(before + 1);
      expect((await c.wallet.listConnections()).find((x) => x.resource === world.mcpUrl)?.scopes).toEqual([MCP_READ, MCP_WRITE]);
    } finally {
      await client.close();
    }
  });
});

/**
 * Step-up (protocol.md T3) end to end with real parts: the world's AS (oidc-provider),
 * a scope-demanding MCP SDK server (test/world/scoped-server.ts), the daemon in-process (wallet +
 * bridge on a Unix socket) whose Opener drives the world's Chromium, and agents that are MCP SDK
 * clients talking through `latchkey mcp` (startMcpProxy with the bridge as its token source).
 *
 * The owner's connection holds files:read; `write_file` answers 403 insufficient_scope
 * scope="files:write". A declined step-up is refused at once on the next run (no new approval);
 * an approved one re-authorizes in Chromium with the union and the retried call succeeds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../shared/agents.js';
import { ErrorCode, type LatchkeyError } from '../../shared/errors.js';
import { createBridgeClient, type BridgeClient } from '../../electron/agent/bridge-client/client.js';
import { startDaemon, type Daemon } from '../../electron/wallet/host/daemon.js';
import { bridgeTokenSource, startMcpProxy, type MessageProxy } from '../../electron/agent/proxy/index.js';
import { startWorld, type World } from '../world/index.js';
import { FILES_READ, FILES_WRITE, startScopedServer, type ScopedServer } from '../world/scoped-server.js';

const CALL_TIMEOUT_MS = 120_000;
let world: World;
let files: ScopedServer;
let home: string;
let runtimeDir: string;
let daemon: Daemon;
const raised: Approval[] = [];

beforeAll(async () => {
  world = await startWorld();
  files = await startScopedServer(world);
  home = await mkdtemp(join(tmpdir(), 'latchkey-step-up-'));
  runtimeDir = await mkdtemp('/tmp/lks-'); // short: Unix socket paths are limited
  daemon = await startDaemon(
    { home, allowInsecureLoopback: true, vault: { mode: 'memory' } },
    { opener: world.opener },
    { runtimeDir, approvalTimeoutMs: 60_000, tcp: false },
  );
  daemon.composed.approvals.on('raised', (approval) => raised.push(approval));
  const flow = world.opener.nextFlow();
  const connection = await daemon.wallet.connect({ url: files.url });
  await flow;
  // The server advertises files:read only: the first sign-in does not get files:write.
  expect(connection.scopes).toContain(FILES_READ);
  expect(connection.scopes).not.toContain(FILES_WRITE);
}, 120_000);

afterAll(async () => {
  await daemon?.close();
  await files?.close();
  await world?.close();
  for (const dir of [home, runtimeDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Agent {
  client: Client;
  reports: LatchkeyError[];
  close(): Promise<void>;
}

/** An MCP SDK client behind `latchkey mcp`, whose token source is the bridge with this agent's secret. */
async function startAgent(name: string, secret: string): Promise<Agent> {
  const bridge: BridgeClient = createBridgeClient({ socketPath: daemon.bridge.socketPath, secret, timeoutMs: CALL_TIMEOUT_MS });
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const reports: LatchkeyError[] = [];
  const proxy: MessageProxy = await startMcpProxy({ url: new URL(files.url), tokens: bridgeTokenSource(bridge, files.url), local: proxySide, report: (e) => reports.push(e) });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    reports,
    close: async () => {
      await client.close();
      await proxy.done;
      bridge.close();
    },
  };
}

async function enrol(name: string): Promise<string> {
  const { secret } = await daemon.wallet.enrolAgent({ name });
  await daemon.wallet.createGrant({ agent: name, resource: files.url, scopes: [FILES_READ] });
  return secret;
}

async function pendingStepUp(agentName: string): Promise<Approval> {
  let found: Approval | undefined;
  await expect
    .poll(async () => (found = (await daemon.wallet.listApprovals({ status: 'pending' })).find((a) => a.agentName === agentName)) !== undefined, {
      timeout: 30_000,
    })
    .toBe(true);
  return found!;
}

function writeFile(agent: Agent, name: string): Promise<unknown> {
  return agent.client.callTool({ name: 'write_file', arguments: { name, text: `from ${name}` } }, undefined, { timeout: CALL_TIMEOUT_MS });
}

function latchkeyCode(error: unknown): unknown {
  return error instanceof McpError ? (error.data as { latchkey_code?: unknown } | undefined)?.latchkey_code : undefined;
}

describe('T3 step-up for agents end to end', () => {
  it('T3: 403 insufficient_scope → step-up approval (current → union); declined → remembered: the next run is refused at once', async () => {
    const secret = await enrol('agent-b');
    const first = await startAgent('agent-b', secret);
    const listed = await first.client.callTool({ name: 'list_files' }, undefined, { timeout: CALL_TIMEOUT_MS });
    expect(listed.isError).not.toBe(true);

    const writing = writeFile(first, 'b.txt').catch((error: unknown) => error);
    const approval = await pendingStepUp('agent-b');
    expect(approval).toMatchObject({ kind: 'step-up', resource: files.url });
    expect(approval.currentScopes).toContain(FILES_READ);
    expect(approval.currentScopes).not.toContain(FILES_WRITE);
    expect(approval.scopes).toEqual(expect.arrayContaining([FILES_READ, FILES_WRITE]));
    await daemon.wallet.decideApproval({ id: approval.id, decision: 'deny' });
    expect(latchkeyCode(await writing)).toBe(ErrorCode.StepUpDeclined);
    expect(first.reports.map((e) => e.code)).toContain(ErrorCode.StepUpDeclined);
    await first.close();

    // A second run of the same agent asks again: refused at once, no new approval, no sign-in.
    const raisedBefore = raised.length;
    const forbiddenBefore = files.counters.forbidden;
    const second = await startAgent('agent-b', secret);
    expect(latchkeyCode(await writeFile(second, 'b.txt').catch((error: unknown) => error))).toBe(ErrorCode.StepUpDeclined);
    await second.close();
    expect(raised.length).toBe(raisedBefore);
    expect(files.counters.forbidden).toBe(forbiddenBefore + 1);
    expect(files.written).toEqual([]);

    const audit = await daemon.wallet.queryAudit({});
    const forB = audit.filter((e) => e.agentName === 'agent-b');
    expect(forB.filter((e) => e.type === 'approval.raised').map((e) => e.reason)).toEqual([`step-up:${approval.id}`]);
    expect(forB.find((e) => e.type === 'approval.decided')).toMatchObject({ outcome: 'denied', actor: 'owner', reason: 'denied' });
    expect(forB.filter((e) => e.type === 'token.refused').map((e) => e.reason)).toEqual([ErrorCode.StepUpDeclined, ErrorCode.StepUpDeclined]);
  }, 180_000);

  it('T3: approved → re-authorization in the browser with the union → the retried tool call succeeds', async () => {
    const secret = await enrol('agent-a');
    const agent = await startAgent('agent-a', secret);
    const writing = writeFile(agent, 'a.txt');
    const approval = await pendingStepUp('agent-a');
    expect(approval).toMatchObject({ kind: 'step-up', resource: files.url });
    expect(approval.currentScopes).not.toContain(FILES_WRITE);
    expect(approval.scopes).toEqual(expect.arrayContaining([FILES_READ, FILES_WRITE]));

    const flow = world.opener.nextFlow();
    await daemon.wallet.decideApproval({ id: approval.id, decision: 'approve' }); // as the window's "Sign in again to grant" does
    const signIn = await flow;
    expect(signIn.steps).toContain('consent');
    const result = (await writing) as { content: Array<{ type: string; text?: string }>; isError?: boolean };
    expect(result.isError).not.toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'wrote a.txt' }]);
    expect(files.written).toEqual([{ name: 'a.txt', text: 'from a.txt' }]);
    expect(agent.reports).toEqual([]);
    // The proxy keeps asking the bridge for the union (it rechecks every second): no second prompt.
    const again = (await writeFile(agent, 'a2.txt')) as { isError?: boolean };
    expect(again.isError).not.toBe(true);
    await agent.close();

    const connection = (await daemon.wallet.listConnections()).find((c) => c.resource === files.url);
    expect(connection?.scopes).toEqual(expect.arrayContaining([FILES_READ, FILES_WRITE]));
    // Approving a step-up is consent for this agent: its grant now holds files:write too.
    expect((await daemon.wallet.listGrants({ agent: 'agent-a' }))[0]?.scopes).toEqual(expect.arrayContaining([FILES_READ, FILES_WRITE]));
    expect(raised.filter((a) => a.agentName === 'agent-a').map((a) => a.kind)).toEqual(['step-up']); // one prompt

    const forA = (await daemon.wallet.queryAudit({})).filter((e) => e.agentName === 'agent-a');
    expect(forA.find((e) => e.type === 'approval.raised')?.reason).toBe(`step-up:${approval.id}`);
    expect(forA.find((e) => e.type === 'approval.decided')).toMatchObject({ outcome: 'ok', actor: 'owner' });
    expect(forA.find((e) => e.type === 'step-up.completed')).toMatchObject({ outcome: 'ok', actor: 'owner', resource: files.url });
    expect(forA.find((e) => e.type === 'step-up.completed')?.scopes).toEqual(expect.arrayContaining([FILES_READ, FILES_WRITE]));
    expect(forA.some((e) => e.type === 'token.issued' && e.scopes?.includes(FILES_WRITE) === true)).toBe(true);
    expect((await daemon.wallet.verifyAudit()).ok).toBe(true);
  }, 180_000);
});

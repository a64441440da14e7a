/**
 * Both protocol eras through the real CLI: `latchkey connect` (Chromium signs in on the world AS),
 * `latchkey token` in a new process, the token used by an MCP SDK client of the server's era
 * (v1 for 2025-11-25, v2 for 2026-07-28), and an agent's MCP SDK client through `latchkey mcp`.
 * Connect times are printed as `[reach] connect <kind>: <ms> ms`.
 */
import { resolve } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';
import { beforeAll, describe, expect, it } from 'vitest';
import { callTool, resultText } from '../../support/mcp-call.js';
import { REPO_ROOT } from '../../support/run-cli.js';
import { startMcpServer2026, type TestMcpServer2026 } from '../../world/mcp-server-2026.js';
import { toolText, useReachCli } from './reach-cli.js';

const CLI_MAIN = resolve(REPO_ROOT, 'electron/cli/main.ts');
const reach = useReachCli();
let modern: TestMcpServer2026;

beforeAll(async () => {
  modern = reach.track(await startMcpServer2026(reach.world));
});

describe('protocol eras end to end', () => {
  it('2025-11-25: connect → token → v1 SDK call → an agent through latchkey mcp', async () => {
    const { world } = reach;
    const flow = world.opener.nextFlow();
    const connect = await reach.connect(world.mcpUrl);
    expect(connect.result.code, connect.result.stderr).toBe(0);
    console.info(`[reach] connect 2025-11-25 (PRM, world AS): ${connect.ms} ms`);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    const token = await reach.token(world.mcpUrl);
    expect(resultText(await callTool(world.mcpUrl, token, 'echo', { text: 'era 2025' }))).toContain('era 2025');

    const agent = await reach.startAgent('agent-2025', world.mcpUrl, ['mcp:read']);
    expect(agent.getServerVersion()?.name).toBe('latchkey-test-world');
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'through the bridge' } }))).toContain('through the bridge');
  }, 120_000);

  it('2026-07-28: connect → token → v2 SDK call (negotiated 2026-07-28)', async () => {
    const flow = reach.world.opener.nextFlow();
    const connect = await reach.connect(modern.url);
    expect(connect.result.code, connect.result.stderr).toBe(0);
    console.info(`[reach] connect 2026-07-28 (PRM, world AS): ${connect.ms} ms`);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    const token = await reach.token(modern.url);
    const client = new ModernClient({ name: 'reach-e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new ModernTransport(new URL(modern.url), { authProvider: { token: () => Promise.resolve(token) } }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(toolText(await client.callTool({ name: 'echo', arguments: { text: 'era 2026' } }))).toContain('era 2026');
    } finally {
      await client.close();
    }
  }, 120_000);

  it('2026-07-28: a 2025 agent calls a tool through latchkey mcp', async () => {
    const agent = await reach.startAgent('agent-2026', modern.url, ['mcp:read']);
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'across eras' } }))).toContain('across eras');
  }, 120_000);

  it('2026-07-28: step-up through latchkey mcp: write_note answers 403 insufficient_scope, the owner approves, Chromium signs in for mcp:write, the retry succeeds', async () => {
    const agent = await reach.startAgent('agent-2026-writer', modern.url, ['mcp:read', 'mcp:write']);
    const writing = agent.callTool({ name: 'write_note', arguments: { text: 'stepped up across eras' } }, undefined, { timeout: 120_000 });
    const approval = await reach.pendingApproval('step-up');
    expect(approval.resource).toBe(modern.url);
    const flow = reach.world.opener.nextFlow();
    expect((await reach.run(['approve', approval.id])).code).toBe(0);
    expect((await flow).steps).toEqual(expect.arrayContaining(['consent']));
    expect(toolText(await writing)).toContain('stored note');
    expect(modern.notes).toContain('stepped up across eras');
  }, 180_000);

  it('2026-07-28: URL elicitation (input_required) through latchkey mcp: the owner approves, Chromium visits the page once, the owner says retry (no completion notification in 2026-07-28), the agent gets the answer', async () => {
    const agent = await reach.startAgent('agent-2026-pages', modern.url, ['mcp:read']);
    const opening = agent.callTool({ name: 'open_page', arguments: {} }, undefined, { timeout: 120_000 });
    const approval = await reach.pendingApproval('url-elicitation');
    expect(modern.counters.pageVisits).toBe(0);
    expect((await reach.run(['approve', approval.id])).code).toBe(0);
    await expect.poll(() => modern.counters.pageVisits, { timeout: 60_000 }).toBe(1);
    const retry = await reach.pendingApproval('elicitation-retry');
    expect((await reach.run(['approve', retry.id])).code).toBe(0);
    expect(toolText(await opening)).toContain('page: accept');
    expect(modern.counters.pageVisits).toBe(1);
  }, 180_000);

  it('2026-07-28 server, 2026-07-28 agent: a v2 client pinned to 2026-07-28 calls a tool through latchkey mcp (same era: passed through)', async () => {
    const added = await reach.run(['agent', 'add', 'agent-modern-2026']);
    expect((await reach.run(['grant', 'add', 'agent-modern-2026', modern.url, '--scope', 'mcp:read'])).code).toBe(0);
    const client = new ModernClient({ name: 'agent-modern-2026', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(
      new ModernStdioTransport({
        command: process.execPath,
        args: ['--import', 'tsx', CLI_MAIN, 'mcp', '--allow-insecure-loopback', modern.url],
        cwd: REPO_ROOT,
        env: { ...reach.env, PATH: process.env['PATH'] ?? '/usr/bin:/bin', LATCHKEY_AGENT_SECRET: added.stdout.trim() },
      }),
    );
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(toolText(await client.callTool({ name: 'echo', arguments: { text: 'modern to modern' } }))).toContain('modern to modern');
    } finally {
      await client.close();
    }
  }, 120_000);

  it('2025-11-25 server, 2026-07-28 agent: a v2 client pinned to 2026-07-28 calls a tool through latchkey mcp (server/discover answered from a 2025 initialize)', async () => {
    const added = await reach.run(['agent', 'add', 'agent-modern']);
    expect((await reach.run(['grant', 'add', 'agent-modern', reach.world.mcpUrl, '--scope', 'mcp:read'])).code).toBe(0);
    const client = new ModernClient({ name: 'agent-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(
      new ModernStdioTransport({
        command: process.execPath,
        args: ['--import', 'tsx', CLI_MAIN, 'mcp', '--allow-insecure-loopback', reach.world.mcpUrl],
        cwd: REPO_ROOT,
        env: { ...reach.env, PATH: process.env['PATH'] ?? '/usr/bin:/bin', LATCHKEY_AGENT_SECRET: added.stdout.trim() },
      }),
    );
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(toolText(await client.callTool({ name: 'echo', arguments: { text: 'modern agent' } }))).toContain('modern agent');
    } finally {
      await client.close();
    }
  }, 120_000);
});

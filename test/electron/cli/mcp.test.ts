/**
 * `latchkey mcp` as an MCP client starts it: a real process over stdio (the SDK's
 * StdioClientTransport), the agent secret and bridge location in its environment only, a fake
 * bridge handing out REAL tokens from the test world's AS, and the world's MCP server.
 */
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_AGENT_SECRET, ENV_BRIDGE_URL } from '../../../shared/bridge.js';
import { startFakeBridge, type FakeBridge } from '../../fakes/fake-bridge.js';
import { REPO_ROOT, startCli } from '../../support/run-cli.js';
import { startWorld, type World } from '../../world/index.js';
import { worldTokens } from '../agent/proxy/world-tokens.js';

const AGENT_SECRET = 'lks_agent_MCP-TEST-SECRET-CANARY-0123456789';
const MAIN = resolve(REPO_ROOT, 'electron/cli/main.ts');

let world: World;
let bridge: FakeBridge;
const issued: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  const minter = await worldTokens(world);
  bridge = await startFakeBridge({
    secrets: [AGENT_SECRET],
    token: async (request) => {
      if (request.resource !== world.mcpUrl) return { problem: { status: 403, code: 'grant.none', detail: 'No grant.' } };
      const token = await minter.mint(request.scopes ?? ['mcp:read']);
      issued.push(token.access_token);
      return token;
    },
  });
});
afterAll(async () => {
  await bridge?.close();
  await world?.close();
});

function agentEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('LATCHKEY_')) env[key] = value;
  return { ...env, [ENV_AGENT_SECRET]: AGENT_SECRET, [ENV_BRIDGE_URL]: bridge.url };
}

describe('latchkey mcp (spawned, over stdio)', () => {
  it('an MCP SDK client initializes, lists tools, calls echo, steps up for write_note; no secret in argv, stdout or stderr', async () => {
    const started = performance.now();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', MAIN, 'mcp', world.mcpUrl, '--allow-insecure-loopback'],
      env: agentEnv(),
      cwd: REPO_ROOT,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'mcp-cli-test', version: '1.0.0' });
    await client.connect(transport);
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hello through latchkey mcp' } });
    const firstCallMs = performance.now() - started;
    expect(echoed.content).toEqual([{ type: 'text', text: 'hello through latchkey mcp' }]);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('write_note');

    const written = await client.callTool({ name: 'write_note', arguments: { text: 'from a spawned proxy' } });
    expect(written.isError).not.toBe(true);
    expect(world.mcp.notes).toContain('from a spawned proxy');
    // The grant's scopes, then the step-up's union; the proxy re-asks once a second (B16), so a
    // slow machine repeats a step: compare the steps, not the count.
    const steps = bridge.tokenRequests.map((r) => r.scopes?.slice().sort().join(' ') ?? 'as granted').filter((step, i, all) => step !== all[i - 1]);
    expect(steps).toEqual(['as granted', 'mcp:read mcp:write']);
    expect(bridge.tokenRequests.every((r) => r.secret === AGENT_SECRET && r.resource === world.mcpUrl)).toBe(true);

    const pid = transport.pid;
    expect(pid).not.toBeNull();
    await client.close();
    for (const secret of [AGENT_SECRET, ...issued]) expect(stderr).not.toContain(secret);
    console.info(`latchkey mcp: first tool call ${firstCallMs.toFixed(0)} ms after spawn (tsx, not bundled)`);
  });

  it('without an agent secret it refuses with one line on stderr and nothing on stdout', async () => {
    const env = agentEnv();
    delete env[ENV_AGENT_SECRET];
    const result = await startCli(['mcp', world.mcpUrl, '--allow-insecure-loopback'], env).done;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error\[agent\.no_session\]: .+\nhint: .+latchkey run/);
  });

  it('exits 0 when stdin ends, and answers requests first', async () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    // stdin ends right after the request: the answer still comes, then the process exits.
    const result = await startCli(['mcp', world.mcpUrl, '--allow-insecure-loopback'], agentEnv(), `${init}\n`).done;
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout.trim()) as { id: number; result: { serverInfo: { name: string } } };
    expect(answer.result.serverInfo.name).toBe('latchkey-test-world');
    expect(result.stderr).toBe('');
  });
});

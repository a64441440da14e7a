/**
 * R5 end to end, through real processes: `latchkey daemon` owns the wallet, the owner gives an
 * agent its own client with `latchkey agent credentials` (client_secret_basic), grants it the
 * world's MCP server, and the agent's `latchkey token` under `latchkey run` gets that client's
 * client credentials token: no owner connection, no browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/agents.js';
import type { TokenResponse } from '../../shared/bridge.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { callTool, resultText } from '../support/mcp-call.js';
import { CLI_MAIN as MAIN, runCli } from '../support/run-cli.js';

let world: World;
let setup: CliDaemon;

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-autonomous-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
});

describe('R5: an autonomous agent, end to end', () => {
  it('R5: an agent with its own client lists and calls the world’s tools with no browser and no owner connection', async () => {
    const registered = (await (
      await fetch(`${world.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
      })
    ).json()) as { client_id: string; client_secret: string };
    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    await setup.cli(['agent', 'add', 'nightly-bot', '--kind', 'autonomous']);
    const added = await runCli(['agent', 'credentials', 'nightly-bot', '--server', world.mcpUrl, '--client-id', registered.client_id, '--client-secret-stdin'], setup.env, registered.client_secret);
    expect(added.code, added.stderr).toBe(0);
    const granted = await runCli(['grant', 'add', 'nightly-bot', world.mcpUrl, '--scope', 'mcp:read'], setup.env);
    expect(granted.code, granted.stderr).toBe(0);
    const run = await runCli(['run', '--agent', 'nightly-bot', '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', world.mcpUrl], setup.env);
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as TokenResponse;
    expect(resultText(await callTool(world.mcpUrl, token.access_token, 'echo', { text: 'no browser' }))).toBe('no browser');
    expect(world.mcp.lastClaims?.client_id ?? registered.client_id).toBe(registered.client_id);
    const elapsed = Math.round(performance.now() - started);
    // The token endpoint requests the world recorded (the daemon read the AS metadata once, at `agent credentials`).
    const asRequests = world.as.tokenRequests.length - asBefore;

    expect(world.opener.opened).toEqual([]);
    expect(world.as.tokenRequestCount('authorization_code')).toBe(0);
    expect(asRequests).toBe(1);
    const audit = JSON.parse(await setup.cli(['audit', '--json', '--agent', 'nightly-bot'])) as AuditEvent[];
    expect(audit.find((entry) => entry.type === 'token.issued')).toMatchObject({ reason: 'agent-client', resource: world.mcpUrl });
    expect(JSON.stringify(audit) + added.stdout + added.stderr).not.toContain(registered.client_secret);
    console.log(`[identity] client_credentials basic: ${elapsed} ms, ${asRequests} AS requests`);
  }, 90_000);
});

/**
 * R6 end to end, through real processes: `latchkey daemon` owns the wallet, the owner makes a CI
 * agent a workload identity with `latchkey agent credentials --workload-token-file`, grants it the
 * world's MCP server, and the agent lists and calls the server's tools through `latchkey run …
 * latchkey mcp`: the wallet redeems the platform's token with the JWT-bearer grant. No browser, no
 * owner sign-in. The platform rotates the file and the next grant presents the new token; an
 * expired one is refused with its code. The world's tokens live 20 s here, under the 30 s a cached
 * token must have left, so every hand-out is a grant of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/agents.js';
import { JWT_BEARER_GRANT_TYPE } from '../../electron/wallet/oauth/jwt-bearer.js';
import { startWorld, type World } from '../world/index.js';
import { createWorkloadIssuer, type WorkloadIssuer } from '../world/workload-issuer.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { CLI_MAIN as MAIN, runCli } from '../support/run-cli.js';

const AGENT = resolve(import.meta.dirname, 'fixtures/agent.mjs');
const ROTATED_SUBJECT = 'repo:latchkey/notes:ref:refs/heads/rotated';

let world: World;
let platform: WorkloadIssuer;
let setup: CliDaemon;
let dir: string;

beforeAll(async () => {
  platform = await createWorkloadIssuer();
  world = await startWorld({ jwtBearer: { trusted: [platform.trusted()] }, accessTokenTtlSeconds: 20 });
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-workload-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
  dir = await mkdtemp(join(tmpdir(), 'latchkey-workload-token-'));
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface AgentRun {
  tools: string[];
  text: string;
  isError: boolean;
}

describe('R6: a workload identity, end to end', () => {
  it('R6: a CI agent with a platform token file calls the world’s tools through latchkey mcp; a rotated token is used at the next grant, an expired one is refused', async () => {
    const registered = (await (
      await fetch(`${world.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: [JWT_BEARER_GRANT_TYPE], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'none' }),
      })
    ).json()) as { client_id: string };
    const tokenFile = join(dir, 'mcp-token');
    const firstToken = await platform.writeTokenFile(tokenFile, { audience: world.issuer });

    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    await setup.cli(['agent', 'add', 'ci-bot', '--kind', 'autonomous']);
    const added = await runCli(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, `--client-id=${registered.client_id}`, '--workload-token-file', tokenFile, '--json'], setup.env);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ client: { method: 'workload_token', workloadSource: `file ${tokenFile}`, clientId: registered.client_id } });
    const granted = await runCli(['grant', 'add', 'ci-bot', world.mcpUrl, '--scope', 'mcp:read'], setup.env);
    expect(granted.code, granted.stdout + granted.stderr).toBe(0);
    const runStarted = performance.now();
    const run = await runCli(['run', '--agent', 'ci-bot', '--', process.execPath, AGENT, world.mcpUrl, 'from ci', '--allow-insecure-loopback'], setup.env);
    const runMs = Math.round(performance.now() - runStarted);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout) as AgentRun;
    expect(outcome).toMatchObject({ text: 'from ci', isError: false });
    expect(outcome.tools).toContain('echo');
    const elapsed = Math.round(performance.now() - started);
    const asRequests = world.as.tokenRequests.length - asBefore;
    expect(world.mcp.lastClaims).toMatchObject({ sub: platform.subject, client_id: registered.client_id, aud: world.mcpUrl });
    expect(world.opener.opened).toEqual([]);
    const grantTypes = `the AS saw: ${world.as.tokenRequests.map((request) => request.grantType).join(', ')}`;
    expect(world.as.tokenRequestCount('authorization_code'), grantTypes).toBe(0);
    expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE), grantTypes).toBe(asRequests);
    console.info(`[identity] workload identity (JWT-bearer, token file): ${elapsed} ms from set-up to tool call (the agent's run: ${runMs} ms), ${asRequests} AS token requests`);

    // The platform rotates its token: the next grant reads the file again.
    const rotated = await platform.writeTokenFile(tokenFile, { audience: world.issuer, subject: ROTATED_SUBJECT });
    const again = await runCli(['run', '--agent', 'ci-bot', '--', process.execPath, AGENT, world.mcpUrl, 'rotated', '--allow-insecure-loopback'], setup.env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE)).toBe(asRequests + 1);
    expect(world.mcp.lastClaims?.sub).toBe(ROTATED_SUBJECT);

    // An expired platform token: the grant is refused and the agent is told why.
    await platform.writeTokenFile(tokenFile, { audience: world.issuer, ttlSeconds: -60 });
    const expired = await runCli(['run', '--agent', 'ci-bot', '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', world.mcpUrl], setup.env);
    expect(expired.code).not.toBe(0);
    expect(expired.stdout + expired.stderr).toContain('identity.assertion_rejected');
    expect(world.as.jwtBearer?.redemptions.at(-1)).toMatchObject({ outcome: 'invalid_grant', reason: 'the assertion has expired' });

    const audit = JSON.parse(await setup.cli(['audit', '--json', '--agent', 'ci-bot'])) as AuditEvent[];
    const issued = audit.filter((entry) => entry.type === 'token.issued');
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(issued.every((entry) => entry.reason === 'agent-client' && entry.resource === world.mcpUrl)).toBe(true);
    const everything = JSON.stringify(audit) + added.stdout + added.stderr + run.stderr + expired.stdout + expired.stderr;
    for (const token of [firstToken, rotated]) expect(everything).not.toContain(token);
  }, 120_000);
});

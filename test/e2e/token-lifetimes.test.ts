/**
 * T38 end to end (B15, B16, T13), through real processes: `latchkey daemon` owns the wallet, the
 * owner uses the CLI, agents run under `latchkey run`; the tokens are oidc-provider's 10-minute
 * JWTs and what Latchkey says about them is checked against the real MCP server that verifies them.
 */
import { resolve } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Grant } from '../../shared/agents.js';
import type { TokenResponse } from '../../shared/bridge.js';
import { formatTime } from '../../electron/cli/table.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { callTool, resultText } from '../support/mcp-call.js';
import { CLI_MAIN as MAIN, runCli, startCli, waitForOutput } from '../support/run-cli.js';

const LOOPING_AGENT = resolve(import.meta.dirname, 'fixtures/looping-agent.mjs');
const SERVER_TOKEN_SECONDS = 600;
let world: World;
let setup: CliDaemon;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld({ accessTokenTtlSeconds: SERVER_TOKEN_SECONDS });
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-t38-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
  ({ env } = setup);
  await cli(['connect', world.mcpUrl]);
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
});

const cli = (args: string[]): Promise<string> => setup.cli(args);

/** `latchkey token --json` inside a session of `agent`, as an agent runs it. */
function agentToken(agent: string) {
  return runCli(['run', '--agent', agent, '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', world.mcpUrl], env);
}

/** The `exp` the world's MCP server verified for `token` (it accepted it). */
async function expAtServer(token: string): Promise<number> {
  expect(resultText(await callTool(world.mcpUrl, token, 'echo', { text: 'at the server' }))).toBe('at the server');
  expect(world.mcp.lastClaims?.jti).toBe(decodeJwt(token).jti);
  return world.mcp.lastClaims!.exp!;
}

describe('T38: token lifetimes and revocation are true (real daemon, CLI, AS and MCP server)', () => {
  it('B15/T13: `latchkey token --json` reports the exp the MCP server holds the token to; grants show "as issued (10m)"', async () => {
    await cli(['agent', 'add', 'agent-a']);
    const added = await cli(['grant', 'add', 'agent-a', world.mcpUrl, '--scope', 'mcp:read']);
    expect(added).toContain('tokens:     as issued (10m)');
    const run = await agentToken('agent-a');
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as TokenResponse;
    const exp = await expAtServer(token.access_token);
    expect(Math.abs(token.expires_at - exp)).toBeLessThanOrEqual(2);
    expect(token.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(SERVER_TOKEN_SECONDS - 30);
    const audit = JSON.parse(await cli(['audit', '--json', '--agent', 'agent-a'])) as AuditEvent[];
    expect(audit.find((e) => e.type === 'token.issued')?.tokenExpiresAt).toBe(exp * 1000);
  }, 60_000);

  it('B15/T38: a grant --ttl shorter than the server\'s tokens: `grant add` flags it, the agent gets the clear refusal and no token', async () => {
    await cli(['agent', 'add', 'agent-b']);
    const added = await cli(['grant', 'add', 'agent-b', world.mcpUrl, '--scope', 'mcp:read', '--ttl', '1m']);
    expect(added).toContain('[! the server issues 10m: this agent is refused]');
    const run = await agentToken('agent-b');
    expect(run.code).not.toBe(0);
    // --json: the error as JSON on stdout, and no token anywhere.
    const answer = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('token.lifetime_exceeds_grant');
    expect(answer.error.message).toContain('issues 10-minute tokens');
    expect(answer.error.message).toContain('--ttl 10m');
    expect(run.stdout + run.stderr).not.toMatch(/eyJ|access_token/);
  }, 60_000);

  it('B16: `grant revoke` says the token stays valid at the server until its exp, the audit too; a running `latchkey mcp` stops within 1 s', async () => {
    await cli(['agent', 'add', 'agent-c']);
    await cli(['grant', 'add', 'agent-c', world.mcpUrl, '--scope', 'mcp:read']);
    const running = startCli(['run', '--agent', 'agent-c', '--', process.execPath, LOOPING_AGENT, world.mcpUrl], env);
    await waitForOutput(running, '"ok":true', 30_000);
    const token = JSON.parse((await agentToken('agent-c')).stdout) as TokenResponse;
    const exp = await expAtServer(token.access_token);

    const grants = JSON.parse(await cli(['grant', 'list', '--json', '--agent', 'agent-c'])) as Grant[];
    const revoked = await cli(['grant', 'revoke', grants[0]!.id]);
    expect(revoked).toContain('(unsupported_token_type)');
    expect(revoked).toContain(`1 token handed out stays valid at the server until ${formatTime(exp * 1000)}.`);
    const event = (JSON.parse(await cli(['audit', '--json', '--agent', 'agent-c'])) as AuditEvent[]).find((e) => e.type === 'grant.revoked')!;
    expect(event).toMatchObject({ reason: 'revocation:unsupported_token_type', tokenExpiresAt: exp * 1000 });

    // The running proxy re-checks with the bridge: no call started a second after the revocation succeeds.
    const done = await running.done;
    const calls = done.stdout.trim().split('\n').map((line) => JSON.parse(line) as { started: number; ok: boolean });
    const lateSuccesses = calls.filter((call) => call.ok && call.started > event.time + 1000);
    const lastSuccess = Math.max(...calls.filter((call) => call.ok).map((call) => call.started));
    console.info(`B16: proxy's last successful call started ${lastSuccess - event.time} ms after the revocation; ${calls.length} calls`);
    expect(lateSuccesses).toEqual([]);
    expect(calls.at(-1)?.ok).toBe(false);
    // What was said is true: the server still accepts the token it could not revoke.
    expect(await expAtServer(token.access_token)).toBe(exp);
  }, 90_000);
});

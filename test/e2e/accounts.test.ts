/**
 * T8 end to end, through real processes, the real test world and Chromium: the owner connects
 * the world's MCP server as two accounts (alice as `personal`, then bob as `work` in the same
 * browser session: the second sign-in must not ride alice's session), `latchkey token --account`
 * gives tokens of two different subjects, and an agent granted `work` gets work tokens through
 * `latchkey run` and `latchkey mcp`, never personal ones, however it asks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, AuditEvent } from '../../shared/agents.js';
import type { ConnectionSummary } from '../../shared/connections.js';
import { startWorld, type World } from '../world/index.js';
import { keychainMode } from '../support/keychain-env.js';
import { runCli, runCliOk, startCli, stopCli, waitForOutput, type RunningCli } from '../support/run-cli.js';

const AGENT = resolve(import.meta.dirname, 'fixtures/agent.mjs');
const MAIN = resolve(import.meta.dirname, '../../electron/cli/main.ts');
let world: World;
let home: string;
let runtimeDir: string;
let env: Record<string, string>;
let daemon: RunningCli;

beforeAll(async () => {
  // One browser session for every sign-in, as a person's browser has.
  world = await startWorld({ browser: { shareSession: true } });
  home = await mkdtemp(join(tmpdir(), 'latchkey-accounts-'));
  runtimeDir = await mkdtemp('/tmp/lkr-'); // short: Unix socket paths are limited to 108 bytes
  env = {
    ...world.browserRelayEnv(),
    LATCHKEY_HOME: home,
    LATCHKEY_RUNTIME_DIR: runtimeDir,
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    ...keychainMode(),
  };
  daemon = startCli(['daemon', '--approval-timeout', '60'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
}, 60_000);

afterAll(async () => {
  await stopCli(daemon);
  await world?.close();
  for (const dir of [home, runtimeDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<string> {
  return runCliOk(args, env);
}

/** The `sub` of a JWT access token (the world's AS issues JWTs). */
function subjectOf(token: string): unknown {
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
}

async function ownerToken(account: string): Promise<string> {
  return (JSON.parse(await cli(['token', world.mcpUrl, '--account', account, '--json'])) as { access_token: string }).access_token;
}

describe('two accounts on one server', () => {
  it('T8: two sign-ins, two subjects; the second sign-in asks to log in again instead of reusing the first session', async () => {
    await cli(['connect', world.mcpUrl, '--account', 'personal']);
    const first = await world.opener.lastFlow();
    expect(first.steps).toContain('login');

    world.opener.behaviour = { ...world.opener.behaviour, username: 'bob' };
    await cli(['connect', world.mcpUrl, '--account', 'Work']);
    const second = await world.opener.lastFlow();
    expect(world.opener.opened.at(-1)?.searchParams.get('prompt')).toBe('login');
    expect(second.steps).toContain('login');

    expect(subjectOf(await ownerToken('personal'))).toBe('alice');
    expect(subjectOf(await ownerToken('work'))).toBe('bob');

    const connections = JSON.parse(await cli(['connections', '--json'])) as ConnectionSummary[];
    expect(connections.map((c) => c.account).sort()).toEqual(['personal', 'work']);
    expect(await cli(['connections'])).toContain(`${world.mcpUrl} (account: work)  [ok]`);

    // Naming none of two accounts is refused, listing them: never a guess.
    const unnamed = await runCli(['token', world.mcpUrl], env);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stdout).toBe('');
    expect(unnamed.stderr).toContain('error[connection.account_ambiguous]');
    expect(unnamed.stderr).toContain('(personal, work)');
  }, 180_000);

  it('T8: an agent granted `work` gets work tokens through latchkey run and mcp, and never personal ones', async () => {
    await cli(['agent', 'add', 'agent-a']);
    await cli(['grant', 'add', 'agent-a', world.mcpUrl, '--account', 'work', '--scope', 'mcp:read']);

    const run = await runCli(['run', '--agent', 'agent-a', '--', process.execPath, AGENT, world.mcpUrl, 'hello from work'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('hello from work');
    expect(world.mcp.lastClaims).toMatchObject({ sub: 'bob', scope: 'mcp:read' });

    // The agent names the other account, in every way it can: refused, and the owner is not even asked.
    for (const asked of [
      ['token', world.mcpUrl, '--account', 'personal'],
      ['token', world.mcpUrl, '--account', 'PERSONAL', '--scope', 'mcp:read'],
    ]) {
      const attempt = await runCli(['run', '--agent', 'agent-a', '--', process.execPath, '--import', 'tsx', MAIN, ...asked], env);
      expect(attempt.code).not.toBe(0);
      expect(attempt.stdout).toBe('');
      expect(attempt.stderr).toContain('grant.none');
    }
    const proxied = await runCli(['run', '--agent', 'agent-a', '--', process.execPath, AGENT, world.mcpUrl, 'personal please', '--account', 'personal'], env);
    expect(proxied.code).not.toBe(0);
    expect(proxied.stdout).not.toContain('personal please');
    expect(proxied.stderr).toContain('grant.none');
    expect(world.mcp.lastClaims).toMatchObject({ sub: 'bob' });
    expect(JSON.parse(await cli(['approvals', '--json']))).toEqual([] satisfies Approval[]);

    // Unnamed, the agent gets its grant's account.
    const unnamed = await runCli(['run', '--agent', 'agent-a', '--', process.execPath, '--import', 'tsx', MAIN, 'token', world.mcpUrl], env);
    expect(unnamed.code, unnamed.stderr).toBe(0);
    expect(subjectOf(unnamed.stdout.trim())).toBe('bob');

    const audit = JSON.parse(await cli(['audit', '--json'])) as AuditEvent[];
    const issued = audit.filter((e) => e.type === 'token.issued' && e.agentName === 'agent-a');
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.every((e) => e.account === 'work')).toBe(true);
    const refused = audit.filter((e) => e.type === 'token.refused' && e.agentName === 'agent-a');
    expect(refused.map((e) => [e.account, e.reason])).toContainEqual(['personal', 'grant.none']);
    expect((await runCli(['audit', 'verify'], env)).code).toBe(0);
  }, 180_000);
});

/**
 * T40 through real processes: the real daemon and the real CLI. An agent's `latchkey run` starts
 * `latchkey run --delegate --scope mcp:read -- latchkey token <url>`: the sub-agent gets a
 * read-only token from the real AS, its own session secret (never its parent's), and the audit
 * shows the chain. Once the parent's `latchkey run` exits, the sub-agent's secret is refused
 * within a second, and its `latchkey token` fails.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, SessionSummary } from '../../shared/agents.js';
import { createBridgeClient } from '../../electron/agent/bridge-client/client.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { CLI_MAIN, runCli, startCli, waitForOutput, type RunningCli } from '../support/run-cli.js';

let world: World;
let setup: CliDaemon;
const orphans: number[] = [];
const runs: RunningCli[] = [];
/** `latchkey …` as a command line for a child process: node, tsx, the CLI's main. */
const LATCHKEY = [process.execPath, '--import', 'tsx', CLI_MAIN];

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-t40-' });
  await setup.cli(['connect', world.mcpUrl]);
  await setup.cli(['agent', 'add', 'lead']);
  await setup.cli(['grant', 'add', 'lead', world.mcpUrl, '--scope', 'mcp:read', '--scope', 'mcp:write']);
}, 90_000);

afterAll(async () => {
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await setup?.close();
  await world?.close();
});

/** A node script that writes its pid and environment to `out` (the secrets it was given). */
function recordEnv(out: string): string {
  return `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ pid: process.pid, env: process.env }));`;
}

async function readRecorded(path: string): Promise<{ pid: number; env: Record<string, string> }> {
  return JSON.parse(await readFile(path, 'utf8')) as { pid: number; env: Record<string, string> };
}

async function audit(): Promise<AuditEvent[]> {
  return JSON.parse(await setup.cli(['audit', '--json'])) as AuditEvent[];
}

describe('T40: latchkey run --delegate through the real CLI and daemon', () => {
  it('a sub-agent started with --scope mcp:read gets a read-only token, its own secret, and the audit shows the chain', async () => {
    const parentEnv = join(setup.home, 'parent-env.json');
    // The parent agent records its environment, then runs the sub-agent and passes its output on.
    const parent = [
      recordEnv(parentEnv),
      "const { spawnSync } = require('node:child_process');",
      `const argv = ${JSON.stringify([...LATCHKEY.slice(1), 'run', '--delegate', '--scope', 'mcp:read', '--', ...LATCHKEY, 'token', world.mcpUrl, '--json'])};`,
      `const done = spawnSync(${JSON.stringify(process.execPath)}, argv, { stdio: 'inherit' });`,
      'process.exit(done.status ?? 1);',
    ].join('\n');
    const before = world.as.tokenRequests.length;
    const startedAt = performance.now();
    const run = await runCli(['run', '--agent', 'lead', '--', process.execPath, '-e', parent], setup.env);
    const wallMs = performance.now() - startedAt;
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as { access_token: string; scope: string };
    expect(token.scope).toBe('mcp:read');
    // This AS offers no token exchange: the wallet narrows with one refresh-token grant, as for any agent (T5).
    const requests = world.as.tokenRequests.slice(before).map((request) => request.grantType);
    expect(requests).toEqual(['refresh_token']);
    expect(decodeJwt(token.access_token)['act']).toBeUndefined();
    console.info(`T40 narrowing e2e: ${Math.round(wallMs)} ms wall (CLI run, one delegation, one token); AS token requests: ${JSON.stringify(requests)}`);

    const events = await audit();
    const issued = events.filter((e) => e.type === 'token.issued' && e.agentName === 'lead').at(-1);
    const started = events.filter((e) => e.type === 'session.started' && e.reason === 'delegated').at(-1);
    expect(started?.sessionId).toBeDefined();
    expect(issued?.sessionId).toBe(started?.sessionId);
    expect(issued?.chain).toEqual([started?.sessionId, expect.stringMatching(/^ses_/), 'lead', 'owner']);
    expect(issued?.owner).toEqual(expect.any(String));
    // `latchkey audit` shows the chain.
    const text = await setup.cli(['audit']);
    expect(text).toContain(`${started?.sessionId} ← `);
    expect(await setup.cli(['audit', 'verify'])).toContain('chain intact');

    const parentSecret = (await readRecorded(parentEnv)).env['LATCHKEY_SESSION'];
    expect(parentSecret).toMatch(/^lk_session_/);
    const sessions = JSON.parse(await setup.cli(['sessions', '--all', '--json'])) as SessionSummary[];
    expect(sessions.find((s) => s.id === started?.sessionId)).toMatchObject({ bounds: { scopes: ['mcp:read'] }, parentSessionId: issued?.chain?.[1] });
  }, 180_000);

  it('a scope the agent does not hold is refused, naming it; nothing is narrowed silently', async () => {
    const run = await runCli(['run', '--agent', 'lead', '--', ...LATCHKEY, 'run', '--delegate', '--scope', 'admin', '--', process.execPath, '-e', 'process.exit(0)'], setup.env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('session.delegation_wider');
    expect(run.stderr).toContain('admin');
  }, 120_000);

  it("once the parent's latchkey run exits, the sub-agent's secret is refused within 1 s and its latchkey token fails", async () => {
    const childEnv = join(setup.home, 'child-env.json');
    const parentEnv = join(setup.home, 'parent-env-2.json');
    // The sub-agent records its environment and stays; the parent starts it, waits for the record, and exits.
    const child = [recordEnv(childEnv), "process.stdout.write('CHILD READY\\n');", 'setInterval(() => undefined, 60_000);'].join('\n');
    const parent = [
      recordEnv(parentEnv),
      "const { spawn } = require('node:child_process');",
      "const { existsSync } = require('node:fs');",
      `const argv = ${JSON.stringify([...LATCHKEY.slice(1), 'run', '--delegate', '--scope', 'mcp:read', '--', process.execPath, '-e', child])};`,
      `const sub = spawn(${JSON.stringify(process.execPath)}, argv, { stdio: 'ignore', detached: true });`,
      "process.stdout.write('SUB ' + sub.pid + '\\n');",
      `const wait = setInterval(() => { if (existsSync(${JSON.stringify(childEnv)})) { clearInterval(wait); process.stdout.write('PARENT DONE\\n'); process.exit(0); } }, 50);`,
    ].join('\n');
    const run = startCli(['run', '--agent', 'lead', '--', process.execPath, '-e', parent], setup.env);
    runs.push(run);
    await waitForOutput(run, 'PARENT DONE');
    const sub = /SUB (\d+)/.exec(run.stdout)?.[1];
    if (sub !== undefined) orphans.push(Number(sub));
    const recorded = await readRecorded(childEnv);
    orphans.push(recorded.pid);
    const childSecret = recorded.env['LATCHKEY_SESSION']!;
    const parentSecret = (await readRecorded(parentEnv)).env['LATCHKEY_SESSION']!;
    expect(childSecret).toMatch(/^lk_session_/);
    expect(childSecret).not.toBe(parentSecret);
    expect(Object.values(recorded.env)).not.toContain(parentSecret);
    expect(recorded.env['LATCHKEY_BRIDGE_SOCKET']).toBeDefined();

    if (run.child.exitCode === null) await once(run.child, 'exit');
    const exitedAt = Date.now();
    const client = createBridgeClient({ socketPath: recorded.env['LATCHKEY_BRIDGE_SOCKET']!, secret: childSecret, timeoutMs: 5_000 });
    try {
      await expect(client.whoami()).rejects.toMatchObject({ code: 'bridge.unauthenticated' });
    } finally {
      client.close();
    }
    expect(Date.now() - exitedAt).toBeLessThan(1_000);
    const token = await runCli(['token', world.mcpUrl], { ...setup.env, LATCHKEY_SESSION: childSecret });
    expect(token.code).not.toBe(0);
    expect(token.stdout).toBe('');
  }, 120_000);
});

/**
 * Through real processes: an agent waiting for the owner says which approval it waits
 * for (id, what, where to decide, time left) on stderr, once; and `latchkey mcp` started the way
 * SDK-based MCP hosts start it (a minimal environment: HOME and PATH, no XDG_RUNTIME_DIR) finds a
 * daemon whose runtime directory is the login session's /run/user/<uid>/latchkey.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../shared/agents.js';
import { startWorld, type World } from '../world/index.js';
import { keychainMode } from '../support/keychain-env.js';
import { waitForPendingApproval } from '../support/cli-daemon.js';
import { REPO_ROOT, startCli, waitForOutput, type RunningCli, runCliOk, stopCli } from '../support/run-cli.js';

const MAIN = resolve(import.meta.dirname, '../../electron/cli/main.ts');
const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
const userRun = uid === undefined ? undefined : `/run/user/${uid}`;

/**
 * The login session's runtime dir, when this test may use it: it exists and is ours (0700), or we
 * are root and may create it; never when a Latchkey directory is already in it (a real daemon's).
 */
function sessionRuntimeDir(): { dir: string; created: boolean } | undefined {
  if (process.platform !== 'linux' || userRun === undefined || existsSync(join(userRun, 'latchkey'))) return undefined;
  if (existsSync(userRun)) {
    const info = statSync(userRun);
    return info.uid === uid && (info.mode & 0o077) === 0 ? { dir: userRun, created: false } : undefined;
  }
  return uid === 0 && existsSync('/run/user') ? { dir: userRun, created: true } : undefined;
}

const session = sessionRuntimeDir();
let world: World;
let home: string;
let xdg: string;
let env: Record<string, string>;
let daemon: RunningCli;

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'lkw-'));
  if (session?.created === true) await mkdir(session.dir, { mode: 0o700 });
  xdg = session?.dir ?? (await mkdtemp('/tmp/lkx-'));
  // As a desktop session has it: HOME and XDG_RUNTIME_DIR, no Latchkey-specific directories.
  env = {
    ...world.browserRelayEnv(),
    HOME: home,
    XDG_RUNTIME_DIR: xdg,
    LATCHKEY_HOME: '',
    LATCHKEY_RUNTIME_DIR: '',
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    ...keychainMode(),
  };
  daemon = startCli(['daemon', '--approval-timeout', '60'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
  await cli(['connect', world.mcpUrl]);
}, 90_000);

afterAll(async () => {
  await stopCli(daemon);
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
  if (xdg !== undefined) await rm(session === undefined ? xdg : join(xdg, 'latchkey'), { recursive: true, force: true });
  if (session?.created === true) await rm(session.dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<string> {
  return runCliOk(args, env);
}

const pendingApproval = (agentName: string): Promise<Approval> => waitForPendingApproval(env, (a) => a.agentName === agentName);

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('agents say what they wait for, and find the bridge', () => {
  it('latchkey token under latchkey run prints the approval it waits for (id, what, where, time left) once on stderr', async () => {
    await cli(['agent', 'add', 'waiter']);
    const asking = startCli(['run', '--agent', 'waiter', '--', process.execPath, '--import', 'tsx', MAIN, 'token', world.mcpUrl], env);
    const approval = await pendingApproval('waiter');
    await waitForOutput(asking, `waiting for your approval ${approval.id}`);
    const line = asking.stderr.split('\n').find((l) => l.includes(approval.id))!;
    expect(line).toMatch(/^latchkey: waiting for your approval apr_/u);
    expect(line).toContain(`(waiter → ${world.mcpUrl}, scopes `);
    expect(line).toContain(`decide in the Latchkey window or with \`latchkey approve ${approval.id}\``);
    expect(line).toMatch(/— [01]:\d\d left$/u);
    await cli(['approve', approval.id]);
    const done = await asking.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).not.toBe('');
    expect(count(done.stderr, 'waiting for your approval')).toBe(1);
    expect(done.stderr).not.toContain(done.stdout.trim());
  }, 120_000);

  it.skipIf(session === undefined)(
    'latchkey mcp in a minimal environment (env -i HOME PATH, as MCP hosts start it) finds the bridge in /run/user/<uid>/latchkey and says what it waits for (skipped: /run/user/<uid> is not ours to use, or a real Latchkey runs there)',
    async () => {
      const secret = (await cli(['agent', 'add', 'hosted'])).trim();
      // Exactly what `env -i HOME=$home PATH=$PATH LATCHKEY_AGENT_SECRET=… latchkey mcp <url>` gives the process.
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'mcp', '--allow-insecure-loopback', world.mcpUrl], {
        cwd: REPO_ROOT,
        env: { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', LATCHKEY_AGENT_SECRET: secret },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'minimal-env-host', version: '0' } } };
      child.stdin.write(`${JSON.stringify(initialize)}\n`);
      const approval = await pendingApproval('hosted');
      await expect.poll(() => stderr, { timeout: 15_000 }).toContain(`latchkey mcp: waiting for your approval ${approval.id} (hosted → ${world.mcpUrl}`);
      expect(stderr).not.toContain('bridge.not_running');
      await cli(['approve', approval.id]);
      await expect.poll(() => stdout, { timeout: 30_000 }).toContain('"id":1');
      expect(JSON.parse(stdout.trim().split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: {} } });
      child.stdin.end();
      await exited;
      expect(count(stderr, 'waiting for your approval')).toBe(1);
    },
    120_000,
  );

  it.skipIf(session === undefined)(
    'owner commands in a minimal environment (env -i HOME PATH: cron, a service unit) talk to the daemon in /run/user/<uid>/latchkey, not to a vault of their own; another --home does not (skipped: /run/user/<uid> is not ours to use, or a real Latchkey runs there)',
    async () => {
      await cli(['agent', 'add', 'listed-from-cron']);
      const minimal = { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
      const listed = await runMinimal(['agent', 'list', '--json'], minimal);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).not.toMatch(/vault\.in_use|vault\.keychain_unavailable/u);
      expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((agent) => agent.name)).toContain('listed-from-cron');
      const link = await runMinimal(['ui'], minimal);
      expect(link.code, link.stderr).toBe(0);
      expect(link.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#signin=/u);
      // The shared /run/user/<uid>/latchkey serves another data directory: this one opens its own (empty) memory vault.
      const other = await mkdtemp(join(tmpdir(), 'lkw-other-'));
      try {
        const elsewhere = await runMinimal(['agent', 'list', '--json', '--home', other, '--vault', 'memory'], minimal);
        expect(elsewhere.code, elsewhere.stderr).toBe(0);
        expect(JSON.parse(elsewhere.stdout)).toEqual([]);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

/** The CLI with exactly `env` (what `env -i K=V … latchkey <args>` gives it). */
function runMinimal(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

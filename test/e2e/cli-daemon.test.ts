/**
 * The CLI and a running daemon agree, with real processes (`latchkey daemon`, the
 * `latchkey` CLI) and the test world (real AS, MCP server, Chromium behind the BROWSER relay).
 * The caller's BROWSER opens the sign-in page even when the daemon's would not; a caller's
 * --allow-insecure-loopback the daemon lacks is refused, not ignored; `latchkey ui` prints fresh
 * sign-in links (owner socket only); parallel `latchkey token` without a daemon wait their turn
 * for the vault instead of failing vault.in_use.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { startWorld, type World } from '../world/index.js';
import { runCli, startCli, waitForOutput, type RunningCli } from '../support/run-cli.js';
import { keychainMode } from '../support/keychain-env.js';

let world: World;
const dirs: string[] = [];
const daemons: RunningCli[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(prefix.startsWith('/tmp/') ? prefix : join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function startDaemonProcess(args: string[], env: Record<string, string>): Promise<RunningCli> {
  const daemon = startCli(['daemon', ...args], env);
  daemons.push(daemon);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
  return daemon;
}

async function stop(daemon: RunningCli): Promise<void> {
  if (daemon.child.exitCode !== null) return;
  daemon.child.kill('SIGTERM');
  await daemon.done;
}

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  for (const daemon of daemons) await stop(daemon);
  await world?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the CLI and a running daemon agree', () => {
  let home: string;
  let callerEnv: Record<string, string>;
  let daemon: RunningCli;

  beforeAll(async () => {
    home = await tempDir('latchkey-agree-');
    const runtimeDir = await tempDir('/tmp/lka-');
    const common = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir, ...keychainMode() };
    // The daemon's own browser never starts: only the caller's BROWSER (the relay to Chromium) can open the page.
    daemon = await startDaemonProcess([], { ...common, LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1', BROWSER: '/bin/false' });
    callerEnv = { ...common, ...world.browserRelayEnv() };
  }, 60_000);

  it("connect through the daemon opens the sign-in page with the caller's BROWSER, not the daemon's", async () => {
    const flow = world.opener.nextFlow();
    const connect = await runCli(['connect', world.mcpUrl, '--allow-insecure-loopback', '--timeout', '60'], callerEnv);
    expect(connect.code, connect.stderr).toBe(0);
    expect(connect.stdout).toContain(world.mcpUrl);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    const list = await runCli(['connections', '--json'], callerEnv);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ resource: world.mcpUrl, status: 'ok' })]);
  }, 120_000);

  it('latchkey ui prints a new one-time sign-in link to the running window each time', async () => {
    const first = await runCli(['ui'], callerEnv);
    const second = await runCli(['ui'], callerEnv);
    expect(first.code, first.stderr).toBe(0);
    const pattern = /^http:\/\/127\.0\.0\.1:(\d+)\/#signin=[\w-]{43}\n$/u;
    expect(first.stdout).toMatch(pattern);
    expect(second.stdout).toMatch(pattern);
    expect(second.stdout).not.toBe(first.stdout);
    const port = pattern.exec(first.stdout)![1];
    expect(daemon.stderr).toContain(`http://127.0.0.1:${port}/`);
    expect(first.stderr).toContain('latchkey ui');
  }, 60_000);

  it("the window's own API cannot mint sign-in links: signInLink is no owner method there", async () => {
    const link = (await runCli(['ui'], callerEnv)).stdout.trim();
    const origin = new URL(link).origin;
    const response = await fetch(`${origin}/api/v1/call/signInLink`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1' }, body: '{}' });
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toMatch(/signin=/u);
  }, 60_000);

  it('8 parallel `latchkey token` without a daemon wait for the vault in turn and all succeed', async () => {
    await stop(daemon);
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCli(['token', world.mcpUrl, '--allow-insecure-loopback', '--verbose'], callerEnv)));
    for (const run of runs) {
      expect(run.stderr).not.toContain(ErrorCode.VaultInUse);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('.')).toHaveLength(3);
    }
  }, 120_000);
});

describe('a daemon without --allow-insecure-loopback and without a window', () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    const home = await tempDir('latchkey-strict-');
    const runtimeDir = await tempDir('/tmp/lks-');
    env = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir, ...keychainMode(), ...world.browserRelayEnv() };
    await startDaemonProcess(['--no-ui'], env);
  }, 60_000);

  it("refuses the caller's --allow-insecure-loopback clearly instead of ignoring it", async () => {
    const opened = world.opener.opened.length;
    const connect = await runCli(['connect', world.mcpUrl, '--allow-insecure-loopback', '--timeout', '30'], env);
    expect(connect.code).not.toBe(0);
    expect(connect.stderr).toContain(`error[${ErrorCode.DaemonRefusesInsecureLoopback}]`);
    expect(connect.stderr).toContain('hint: Restart the daemon with --allow-insecure-loopback');
    expect(world.opener.opened.length).toBe(opened);
  }, 60_000);

  it('latchkey ui says the daemon serves no window', async () => {
    const ui = await runCli(['ui'], env);
    expect(ui.code).not.toBe(0);
    expect(ui.stdout).toBe('');
    expect(ui.stderr).toContain(`error[${ErrorCode.DaemonHasNoWindow}]`);
  }, 60_000);

  it('latchkey ui without any daemon says to start one', async () => {
    const ui = await runCli(['ui'], { ...env, LATCHKEY_HOME: await tempDir('latchkey-none-'), LATCHKEY_RUNTIME_DIR: await tempDir('/tmp/lkn-') });
    expect(ui.code).not.toBe(0);
    expect(ui.stderr).toContain(`error[${ErrorCode.DaemonHasNoWindow}]`);
    expect(ui.stderr).toContain('latchkey daemon');
  }, 60_000);
});

/**
 * `latchkey run` in-process (runCli) with a fake wallet (sessions) and a fake bridge speaking the
 * real protocol; the command it starts is a REAL process (and grandchild), so the tests can read
 * their /proc/<pid>/cmdline and environ while they run (B17).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../shared/agents.js';
import { ENV_BRIDGE_URL } from '../../../shared/bridge.js';
import type { CliIo, InputStream } from '../../../electron/cli/io.js';
import { runCli } from '../../../electron/cli/run.js';
import type { ForwardedSignal, SignalSource } from '../../../electron/cli/spec.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { createFakeWallet } from '../../fakes/fake-wallet.js';
import { startFakeBridge, type FakeBridge } from '../../fakes/fake-bridge.js';
import { CapturedStream, ManualInterrupts } from './harness.js';

const SESSION_SECRET = 'lks_session_RUN-CANARY-0123456789abcdefghij';
const CHILD = resolve(import.meta.dirname, 'fixtures/run-agent-child.mjs');
const tokenFor = (resource: string): string => `tok-CANARY-${Buffer.from(resource).toString('base64url')}`;

let bridge: FakeBridge;
let dir: string;

beforeAll(async () => {
  bridge = await startFakeBridge({
    secrets: [SESSION_SECRET],
    token: (request) =>
      request.resource === 'nope'
        ? { problem: { status: 403, code: 'grant.denied', detail: 'The owner denied the request.' } }
        : { access_token: tokenFor(request.resource), token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 900, scope: 'files:read' },
  });
});
afterAll(async () => {
  await bridge?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

class ManualSignals implements SignalSource {
  private readonly handlers = new Set<(signal: ForwardedSignal) => void>();
  onSignal(handler: (signal: ForwardedSignal) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  emit(signal: ForwardedSignal): void {
    for (const handler of [...this.handlers]) handler(signal);
  }
}

interface SessionWallet extends Wallet {
  started: Array<{ agent: string; ttlSeconds: number; command?: string }>;
  ended: Array<{ id: string; reason?: string }>;
}

function sessionWallet(): SessionWallet {
  const started: SessionWallet['started'] = [];
  const ended: SessionWallet['ended'] = [];
  const session: SessionSummary = { id: 'ses_RRRRRRRRRRRRRRRRRRRR', agentId: 'agt_AAAAAAAAAAAAAAAAAAAA', createdAt: 1, expiresAt: 2 };
  return {
    ...createFakeWallet(),
    started,
    ended,
    startSession: ({ agent, ttlSeconds, command }) => {
      started.push({ agent, ttlSeconds, ...(command === undefined ? {} : { command }) });
      return Promise.resolve({ session, secret: SESSION_SECRET });
    },
    endSession: ({ id, reason }) => {
      ended.push({ id, ...(reason === undefined ? {} : { reason }) });
      return Promise.resolve(null);
    },
  };
}

function startRun(argv: string[], wallet: Wallet, env: NodeJS.ProcessEnv) {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const interrupts = new ManualInterrupts();
  const signals = new ManualSignals();
  const io: CliIo = { stdout, stderr, stdin: Readable.from([]) as unknown as InputStream, interrupts, now: () => Date.now(), schedule: () => () => undefined };
  let opened = 0;
  const exit = runCli(['run', ...argv], {
    io,
    env,
    homeDir: dir,
    version: 'test',
    signals,
    createOpener: () => ({ open: () => Promise.resolve() }),
    openWallet: () => {
      opened += 1;
      return Promise.resolve(wallet);
    },
  });
  return { exit, stdout, stderr, interrupts, signals, opened: () => opened };
}

interface ChildReport {
  pid: number;
  grandchild: number;
  env: Record<string, string | undefined>;
}

/** A Unix socket the child reports to; resolves with its first line and the socket. */
async function childChannel(): Promise<{ path: string; server: Server; report: Promise<{ info: ChildReport; socket: Socket }> }> {
  const path = join(dir, 'child.sock');
  const server = createServer();
  server.listen(path);
  await once(server, 'listening');
  const report = (async () => {
    const [socket] = (await once(server, 'connection')) as [Socket];
    socket.setEncoding('utf8');
    let buffer = '';
    while (!buffer.includes('\n')) buffer += ((await once(socket, 'data')) as [string])[0];
    return { info: JSON.parse(buffer.slice(0, buffer.indexOf('\n'))) as ChildReport, socket };
  })();
  return { path, server, report };
}

const parentEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  [ENV_BRIDGE_URL]: bridge.url,
  LATCHKEY_PASSPHRASE: 'owner-passphrase-CANARY',
  LATCHKEY_RUNTIME_DIR: dir,
});

describe('latchkey run', () => {
  it('B17: the session secret and placeholder tokens reach the child only through its environment, never argv (child and grandchild); exit code passed on; session ended', async () => {
    const envFile = join(dir, '.env.latchkey');
    await writeFile(
      envFile,
      ['# no secrets in here', 'API_TOKEN={{latchkey:https://mcp.example.com/mcp}}', 'export HEADER="Bearer {{latchkey:files}}"', 'PLAIN=hello world  # a comment', ''].join('\n'),
    );
    const channel = await childChannel();
    const wallet = sessionWallet();
    const run = startRun(['--agent', 'claude', '--env-file', envFile, '--', process.execPath, CHILD, channel.path], wallet, parentEnv());
    const { info, socket } = await channel.report;

    const canaries = [SESSION_SECRET, tokenFor('https://mcp.example.com/mcp'), tokenFor('files'), 'owner-passphrase-CANARY'];
    for (const pid of [info.pid, info.grandchild]) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline.length).toBeGreaterThan(0);
      for (const canary of canaries) expect(cmdline).not.toContain(canary);
    }
    const environ = await readFile(`/proc/${info.pid}/environ`, 'utf8');
    expect(environ.split('\0')).toContain(`LATCHKEY_SESSION=${SESSION_SECRET}`);
    expect(info.env).toEqual({
      LATCHKEY_SESSION: SESSION_SECRET,
      LATCHKEY_BRIDGE_URL: bridge.url,
      API_TOKEN: tokenFor('https://mcp.example.com/mcp'),
      HEADER: `Bearer ${tokenFor('files')}`,
      PLAIN: 'hello world',
    });
    // The placeholders were the agent's own hand-outs: asked with the session secret.
    expect(bridge.tokenRequests.slice(-2)).toEqual([
      { secret: SESSION_SECRET, resource: 'https://mcp.example.com/mcp', scopes: undefined },
      { secret: SESSION_SECRET, resource: 'files', scopes: undefined },
    ]);
    expect(wallet.ended).toEqual([]);

    socket.write('exit 7\n');
    expect(await run.exit).toBe(7);
    expect(wallet.started).toEqual([{ agent: 'claude', ttlSeconds: 8 * 3600, command: process.execPath }]);
    expect(wallet.ended).toEqual([{ id: 'ses_RRRRRRRRRRRRRRRRRRRR', reason: 'exited' }]);
    expect(run.stdout.text + run.stderr.text).toBe('');
    channel.server.close();
  });

  it('forwards SIGTERM and SIGINT to the child and exits with its code (128 + n when the signal ended it)', async () => {
    for (const [send, expected] of [
      ['SIGTERM', 42],
      ['SIGINT', 130],
    ] as const) {
      const channel = await childChannel();
      const wallet = sessionWallet();
      const run = startRun(['--agent', 'a', '--ttl', '1h', '--', process.execPath, CHILD, channel.path], wallet, parentEnv());
      await channel.report;
      if (send === 'SIGTERM') run.signals.emit('SIGTERM');
      else run.interrupts.interrupt();
      expect(await run.exit).toBe(expected);
      expect(wallet.started[0]?.ttlSeconds).toBe(3600);
      expect(wallet.ended).toEqual([{ id: 'ses_RRRRRRRRRRRRRRRRRRRR', reason: 'exited' }]);
      channel.server.close();
      await rm(channel.path, { force: true });
    }
  });

  it('a placeholder the bridge refuses stops run before the child starts, naming it; the session is ended', async () => {
    const envFile = join(dir, '.env');
    const marker = join(dir, 'child-ran');
    await writeFile(envFile, 'GOOD={{latchkey:files}}\nBAD={{latchkey:nope}}\n');
    const wallet = sessionWallet();
    const run = startRun(
      ['--agent', 'a', '--env-file', envFile, '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`],
      wallet,
      parentEnv(),
    );
    expect(await run.exit).toBe(1);
    expect(run.stderr.text).toMatch(/^error\[run\.placeholder_failed\]: No token for \{\{latchkey:nope\}\}: The owner denied the request\. \(grant\.denied\)/);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(wallet.ended).toEqual([{ id: 'ses_RRRRRRRRRRRRRRRRRRRR', reason: 'exited' }]);
    expect(run.stderr.text).not.toContain(tokenFor('files'));
  });

  it('a broken env file, or no bridge, fails before any session starts', async () => {
    const envFile = join(dir, '.env');
    await writeFile(envFile, 'OK=1\nthis line is wrong\n');
    const wallet = sessionWallet();
    const broken = startRun(['--agent', 'a', '--env-file', envFile, '--', 'true'], wallet, parentEnv());
    expect(await broken.exit).toBe(1);
    expect(broken.stderr.text).toMatch(/^error\[run\.env_file_invalid\]: Line 2 of the env file is not KEY=VALUE\./);

    await writeFile(envFile, 'LATCHKEY_SESSION=mine\n');
    const reserved = startRun(['--agent', 'a', '--env-file', envFile, '--', 'true'], wallet, parentEnv());
    expect(await reserved.exit).toBe(1);
    expect(reserved.stderr.text).toMatch(/^error\[run\.env_file_invalid\]: The env file may not set LATCHKEY_SESSION/);

    const noBridge = startRun(['--agent', 'a', '--', 'true'], wallet, { PATH: process.env['PATH'], LATCHKEY_RUNTIME_DIR: dir });
    expect(await noBridge.exit).toBe(1);
    expect(noBridge.stderr.text).toMatch(/^error\[bridge\.not_running\]/);
    expect(wallet.started).toEqual([]);
  });

  it('a command that does not exist is a clear error (no shell involved), and the session is ended', async () => {
    const wallet = sessionWallet();
    const run = startRun(['--agent', 'a', '--', 'no-such-command-latchkey-test', '--flag'], wallet, parentEnv());
    expect(await run.exit).toBe(1);
    expect(run.stderr.text).toMatch(/^error\[run\.command_failed\]: The command "no-such-command-latchkey-test" was not found\./);
    expect(wallet.ended).toHaveLength(1);
  });

  it('usage: --agent and -- are required, and nothing opens the wallet', async () => {
    for (const [argv, message] of [
      [['--', 'true'], /needs --agent NAME/],
      [['--agent', 'a', 'true'], /Put -- before the command/],
      [['--agent', 'a', '--'], /needs <command>/],
      [['--agent', 'a', '--ttl', 'forever', '--', 'true'], /--ttl "forever" is not a duration/],
    ] as const) {
      const run = startRun([...argv], sessionWallet(), parentEnv());
      expect(await run.exit).toBe(2);
      expect(run.stderr.text).toMatch(message);
      expect(run.opened()).toBe(0);
    }
  });

  it('words after -- are the command\'s, even when they look like latchkey options', async () => {
    const channel = await childChannel();
    const wallet = sessionWallet();
    const run = startRun(['--agent', 'a', '--', process.execPath, CHILD, channel.path, '--json', '--help'], wallet, parentEnv());
    const { socket } = await channel.report;
    socket.write('exit 0\n');
    expect(await run.exit).toBe(0);
    channel.server.close();
  });
});

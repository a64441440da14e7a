/**
 * `latchkey run` in-process (runCli) against the real wallet in memory and its real bridge server
 * (the broker hands out tokens from the fake AS of test/fakes/fake-token-endpoint.ts); the command
 * it starts is a REAL process (and grandchild), so the tests can read their /proc/<pid>/cmdline
 * and environ while they run (B17).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../shared/agents.js';
import { ENV_BRIDGE_URL } from '../../../shared/bridge.js';
import type { CliIo, InputStream } from '../../../electron/cli/io.js';
import { runCli } from '../../../electron/cli/run.js';
import type { ForwardedSignal, SignalSource } from '../../../electron/cli/spec.js';
import { startBridgeServer, type BridgeServer } from '../../../electron/wallet/bridge/server.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { openMemoryWallet, type MemoryWallet } from '../../support/memory-wallet.js';
import { CapturedStream, ManualInterrupts } from './harness.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/run-agent-child.mjs');
const MCP = 'https://mcp.example.com/mcp';
const FILES = 'https://files.example.com/mcp';

let dir: string;
let memory: MemoryWallet;
let bridge: BridgeServer;

/**
 * The real wallet in memory, connected to MCP and FILES, with agents claude and a granted both
 * (tokens as issued), and its bridge listening on 127.0.0.1 in this test's runtime directory.
 */
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-run-'));
  memory = await openMemoryWallet({ fetch: new FakeTokenEndpoint().fetch });
  for (const resource of [MCP, FILES]) await memory.connect(resource);
  for (const agent of ['claude', 'a']) {
    await memory.wallet.enrolAgent({ name: agent });
    for (const resource of [MCP, FILES]) await memory.wallet.createGrant({ agent, resource, scopes: ['mcp:read'] });
  }
  bridge = await startBridgeServer({ handler: memory.composed.bridge, runtimeDir: join(dir, 'runtime'), socket: false });
});
afterEach(async () => {
  await bridge?.close();
  await memory?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The wallet's sessions, newest last. */
async function sessions(): Promise<SessionSummary[]> {
  return (await memory.wallet.listSessions()).sort((x, y) => x.createdAt - y.createdAt);
}

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
  [ENV_BRIDGE_URL]: bridge.url ?? '',
  LATCHKEY_PASSPHRASE: 'owner-passphrase-CANARY',
  LATCHKEY_RUNTIME_DIR: dir,
});

describe('latchkey run', () => {
  it('B17: the session secret and placeholder tokens reach the child only through its environment, never argv (child and grandchild); exit code passed on; session ended', async () => {
    const envFile = join(dir, '.env.latchkey');
    await writeFile(envFile, ['# no secrets in here', `API_TOKEN={{latchkey:${MCP}}}`, `export HEADER="Bearer {{latchkey:${FILES}}}"`, 'PLAIN=hello world  # a comment', ''].join('\n'));
    const channel = await childChannel();
    const run = startRun(['--agent', 'claude', '--env-file', envFile, '--', process.execPath, CHILD, channel.path], memory.wallet, parentEnv());
    const { info, socket } = await channel.report;

    const sessionSecret = info.env['LATCHKEY_SESSION'] ?? '';
    expect(sessionSecret).toMatch(/^lk_session_/u);
    const apiToken = info.env['API_TOKEN'] ?? '';
    const fileToken = (info.env['HEADER'] ?? '').replace(/^Bearer /u, '');
    expect(info.env).toEqual({ LATCHKEY_SESSION: sessionSecret, LATCHKEY_BRIDGE_URL: bridge.url, API_TOKEN: apiToken, HEADER: `Bearer ${fileToken}`, PLAIN: 'hello world' });
    expect(apiToken).toMatch(/^at-\d+-refresh_token$/u);
    expect(fileToken).toMatch(/^at-\d+-refresh_token$/u);
    expect(fileToken).not.toBe(apiToken);
    const canaries = [sessionSecret, apiToken, fileToken, 'owner-passphrase-CANARY'];
    for (const pid of [info.pid, info.grandchild]) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline.length).toBeGreaterThan(0);
      for (const canary of canaries) expect(cmdline).not.toContain(canary);
    }
    const environ = await readFile(`/proc/${info.pid}/environ`, 'utf8');
    expect(environ.split('\0')).toContain(`LATCHKEY_SESSION=${sessionSecret}`);
    // The placeholders were the agent's own hand-outs: asked with the session's secret.
    const [session] = await sessions();
    const issued = await memory.wallet.queryAudit({ type: 'token.issued' });
    expect(issued.map((e) => [e.sessionId, e.resource])).toEqual([
      [session!.id, MCP],
      [session!.id, FILES],
    ]);
    expect(session!.endedAt).toBeUndefined();

    socket.write('exit 7\n');
    expect(await run.exit).toBe(7);
    const [ended] = await sessions();
    expect(ended).toMatchObject({ id: session!.id, command: process.execPath, endReason: 'exited' });
    expect(ended!.expiresAt - ended!.createdAt).toBe(8 * 3600 * 1000);
    expect((await memory.wallet.listAgents()).find((agent) => agent.id === ended!.agentId)?.name).toBe('claude');
    expect(run.stdout.text).toBe('');
    expect(run.stderr.text).toBe(`warning: ${memory.wallet.vaultStatus.warning}\n`); // the memory vault's, and nothing else
    channel.server.close();
  });

  it('forwards SIGTERM and SIGINT to the child and exits with its code (128 + n when the signal ended it)', async () => {
    for (const [send, expected] of [
      ['SIGTERM', 42],
      ['SIGINT', 130],
    ] as const) {
      const channel = await childChannel();
      const run = startRun(['--agent', 'a', '--ttl', '1h', '--', process.execPath, CHILD, channel.path], memory.wallet, parentEnv());
      await channel.report;
      if (send === 'SIGTERM') run.signals.emit('SIGTERM');
      else run.interrupts.interrupt();
      expect(await run.exit).toBe(expected);
      const session = (await sessions()).at(-1)!;
      expect(session.expiresAt - session.createdAt).toBe(3600 * 1000);
      expect(session.endReason).toBe('exited');
      channel.server.close();
      await rm(channel.path, { force: true });
    }
  });

  it('a placeholder the bridge refuses stops run before the child starts, naming it; the session is ended', async () => {
    const envFile = join(dir, '.env');
    const marker = join(dir, 'child-ran');
    await writeFile(envFile, `GOOD={{latchkey:${FILES}}}\nBAD={{latchkey:nope}}\n`);
    const run = startRun(
      ['--agent', 'a', '--env-file', envFile, '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`],
      memory.wallet,
      parentEnv(),
    );
    expect(await run.exit).toBe(1);
    expect(run.stderr.text).toMatch(/^error\[run\.placeholder_failed\]: No token for \{\{latchkey:nope\}\}: .+ \([a-z_]+\.[a-z_]+\)/mu);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await sessions()).map((session) => session.endReason)).toEqual(['exited']);
    expect(run.stderr.text).not.toMatch(/at-\d+-/u);
  });

  it('a broken env file, or no bridge, fails before any session starts', async () => {
    const envFile = join(dir, '.env');
    await writeFile(envFile, 'OK=1\nthis line is wrong\n');
    const broken = startRun(['--agent', 'a', '--env-file', envFile, '--', 'true'], memory.wallet, parentEnv());
    expect(await broken.exit).toBe(1);
    expect(broken.stderr.text).toMatch(/^error\[run\.env_file_invalid\]: Line 2 of the env file is not KEY=VALUE\./m);

    await writeFile(envFile, 'LATCHKEY_SESSION=mine\n');
    const reserved = startRun(['--agent', 'a', '--env-file', envFile, '--', 'true'], memory.wallet, parentEnv());
    expect(await reserved.exit).toBe(1);
    expect(reserved.stderr.text).toMatch(/^error\[run\.env_file_invalid\]: The env file may not set LATCHKEY_SESSION/m);

    const noBridge = startRun(['--agent', 'a', '--', 'true'], memory.wallet, { PATH: process.env['PATH'], LATCHKEY_RUNTIME_DIR: dir });
    expect(await noBridge.exit).toBe(1);
    expect(noBridge.stderr.text).toMatch(/^error\[bridge\.not_running\]/m);
    expect(await sessions()).toEqual([]);
  });

  it('a command that does not exist is a clear error (no shell involved), and the session is ended', async () => {
    const run = startRun(['--agent', 'a', '--', 'no-such-command-latchkey-test', '--flag'], memory.wallet, parentEnv());
    expect(await run.exit).toBe(1);
    expect(run.stderr.text).toMatch(/^error\[run\.command_failed\]: The command "no-such-command-latchkey-test" was not found\./m);
    expect((await sessions()).map((session) => session.endReason)).toEqual(['exited']);
  });

  it('usage: --agent and -- are required, and nothing opens the wallet', async () => {
    for (const [argv, message] of [
      [['--', 'true'], /needs --agent NAME/],
      [['--agent', 'a', 'true'], /Put -- before the command/],
      [['--agent', 'a', '--'], /needs <command>/],
      [['--agent', 'a', '--ttl', 'forever', '--', 'true'], /--ttl "forever" is not a duration/],
    ] as const) {
      const run = startRun([...argv], memory.wallet, parentEnv());
      expect(await run.exit).toBe(2);
      expect(run.stderr.text).toMatch(message);
      expect(run.opened()).toBe(0);
    }
  });

  it('words after -- are the command\'s, even when they look like latchkey options', async () => {
    const channel = await childChannel();
    const run = startRun(['--agent', 'a', '--', process.execPath, CHILD, channel.path, '--json', '--help'], memory.wallet, parentEnv());
    const { socket } = await channel.report;
    socket.write('exit 0\n');
    expect(await run.exit).toBe(0);
    channel.server.close();
  });
});

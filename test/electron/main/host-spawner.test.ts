/**
 * The two ways the desktop app starts its wallet host, behind one port: a utilityProcess of
 * Electron (a fake of `utilityProcess.fork` here: Electron 45, the only one whose Node can run the
 * host, cannot launch on this machine), a child of the project's Node (a real child here, and in
 * the real Electron in test/desktop); and host-process.ts reading readiness and failure through
 * that port alike.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ForkOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { createLogger } from '../../../electron/base/log/logger.js';
import { attachOrStartHost } from '../../../electron/main/host-process.js';
import { HOST_SERVICE_NAME, nodeSpawner, utilityProcessSpawner, type ForkUtility, type HostChild } from '../../../electron/main/host-spawner.js';

/** A stand-in for an Electron UtilityProcess: events, a piped stderr, kill() as SIGTERM. */
class FakeUtility extends EventEmitter {
  pid: number | undefined = 4242;
  readonly stderr = new PassThrough();
  readonly killed: string[] = [];
  /** Whether it exits when asked to stop, as the daemon does on SIGTERM. */
  exitsOnKill = false;
  kill(): boolean {
    this.killed.push('SIGTERM');
    if (this.exitsOnKill) setImmediate(() => this.emit('exit', 0));
    return true;
  }
}

interface FakeFork {
  fork: ForkUtility;
  forks: { modulePath: string; args: string[]; options: ForkOptions }[];
  last: () => FakeUtility;
  /** Settles with the next child forked. */
  forked: () => Promise<FakeUtility>;
}

function fakeFork(): FakeFork {
  const forks: FakeFork['forks'] = [];
  const children: FakeUtility[] = [];
  const events = new EventEmitter();
  const fork = (modulePath: string, args: string[], options: ForkOptions): FakeUtility => {
    forks.push({ modulePath, args, options });
    const child = new FakeUtility();
    children.push(child);
    events.emit('fork', child);
    return child;
  };
  return {
    fork: fork as unknown as ForkUtility,
    forks,
    last: () => children[children.length - 1]!,
    forked: () => new Promise((resolve) => events.once('fork', resolve)),
  };
}

const lines = (child: HostChild): Promise<string> =>
  new Promise((resolve) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.once('data', (chunk: string | Buffer) => resolve(String(chunk)));
  });

describe('the utilityProcess spawner', () => {
  it('forks the CLI entry with the daemon arguments, the service name, stdin and stdout ignored, stderr piped and the given environment', async () => {
    const { fork, forks, last } = fakeFork();
    const spawner = utilityProcessSpawner(fork, () => undefined);
    expect(spawner.kind).toBe('utility-process');
    const env = { LATCHKEY_HOME: '/tmp/home' };
    const child = spawner.start('/opt/Latchkey/resources/app.asar.unpacked/dist/cli/main.js', ['daemon', '--no-ui'], env);
    expect(forks).toEqual([
      {
        modulePath: '/opt/Latchkey/resources/app.asar.unpacked/dist/cli/main.js',
        args: ['daemon', '--no-ui'],
        options: { serviceName: HOST_SERVICE_NAME, stdio: ['ignore', 'ignore', 'pipe'], env },
      },
    ]);
    expect(child.pid).toBe(4242);
    const read = lines(child);
    last().stderr.write('  owner socket: /run/x/owner.sock\n');
    expect(await read).toContain('owner socket:');
  });

  it('terminates with kill(), kills by pid with SIGKILL, and does nothing to a process that has exited', () => {
    const { fork, last } = fakeFork();
    const signals: [number, string][] = [];
    const child = utilityProcessSpawner(fork, (pid, signal) => signals.push([pid, signal])).start('/cli.js', [], {});
    let exits = 0;
    let errors: string[] = [];
    child.onExit(() => (exits += 1));
    child.onError((detail) => (errors = [...errors, detail]));
    expect(child.isRunning()).toBe(true);
    child.terminate();
    expect(last().killed).toEqual(['SIGTERM']);
    child.forceKill();
    expect(signals).toEqual([[4242, 'SIGKILL']]);
    last().emit('error', 'FatalError', 'somewhere', 'report');
    last().emit('exit', 0);
    expect(errors).toEqual(['the utility process failed: FatalError']);
    expect(exits).toBe(1);
    expect(child.isRunning()).toBe(false);
    child.forceKill();
    expect(signals).toHaveLength(1);
  });
});

describe('the project-Node spawner', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-spawner-'));
    await writeFile(join(dir, 'host.mjs'), "process.stderr.write(`ready ${process.argv.slice(2).join(' ')} ${process.env['HOST_MARK']}\\n`);\nsetInterval(() => undefined, 1000);\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the entry on the given Node with the arguments and environment, reads its stderr, and stops it with SIGTERM', async () => {
    const spawner = nodeSpawner(process.execPath);
    expect(spawner.kind).toBe('node');
    const child = spawner.start(join(dir, 'host.mjs'), ['daemon', '--no-ui'], { HOST_MARK: 'marked' });
    expect(await lines(child)).toBe('ready daemon --no-ui marked\n');
    expect(child.pid).toBeGreaterThan(0);
    expect(child.isRunning()).toBe(true);
    const exited = new Promise<void>((resolve) => child.onExit(resolve));
    child.terminate();
    await exited;
    expect(child.isRunning()).toBe(false);
  });

  it('reports a Node that cannot be started as an error', async () => {
    const child = nodeSpawner(join(dir, 'no-such-node')).start(join(dir, 'host.mjs'), [], {});
    const detail = await new Promise<string>((resolve) => child.onError(resolve));
    expect(detail).toMatch(/ENOENT/);
    expect(child.isRunning()).toBe(false);
  });
});

describe('starting a host through the port', () => {
  let runtimeDir: string;
  beforeAll(async () => {
    runtimeDir = await mkdtemp(join(tmpdir(), 'latchkey-runtime-'));
  });
  afterAll(async () => {
    await rm(runtimeDir, { recursive: true, force: true });
  });
  const logger = createLogger({ level: 'error' });

  it('a utilityProcess host that exits before it is ready fails the start with its last line, and is not killed again', async () => {
    const { fork, forked } = fakeFork();
    const signals: [number, string][] = [];
    const spawner = utilityProcessSpawner(fork, (pid, signal) => signals.push([pid, signal]));
    const next = forked();
    const starting = attachOrStartHost({ runtimeDir, spawner, cliEntry: '/cli.js', env: {}, logger });
    const child = await next;
    const seen = new Promise((resolve) => child.stderr.once('data', resolve));
    child.stderr.write('latchkey: the vault is locked\n');
    await seen;
    child.emit('exit', 1);
    const error = await starting.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LatchkeyError);
    expect((error as LatchkeyError).code).toBe(ErrorCode.CommandFailed);
    expect((error as LatchkeyError).message).toContain('latchkey: the vault is locked');
    expect(child.killed).toEqual([]);
    expect(signals).toEqual([]);
  });

  it('a host that never announces its owner socket is stopped after the ready timeout', async () => {
    const { fork, forked } = fakeFork();
    const spawner = utilityProcessSpawner(fork, () => undefined);
    const next = forked();
    const starting = attachOrStartHost({ runtimeDir, spawner, cliEntry: '/cli.js', env: {}, logger, readyTimeoutMs: 50, graceMs: 10_000 });
    const child = await next;
    child.exitsOnKill = true;
    await expect(starting).rejects.toThrow(/no answer in time/);
    expect(child.killed).toEqual(['SIGTERM']);
  });

  it('a host that ignores SIGTERM is killed by pid after the grace period', async () => {
    const { fork, forked, last } = fakeFork();
    const signals: [number, string][] = [];
    const next = forked();
    const spawner = utilityProcessSpawner(fork, (pid, signal) => {
      signals.push([pid, signal]);
      setImmediate(() => last().emit('exit', 0));
    });
    const starting = attachOrStartHost({ runtimeDir, spawner, cliEntry: '/cli.js', env: {}, logger, readyTimeoutMs: 20, graceMs: 20 });
    const child = await next;
    await expect(starting).rejects.toThrow(/no answer in time/);
    expect(child.killed).toEqual(['SIGTERM']);
    expect(signals).toEqual([[4242, 'SIGKILL']]);
  });
});

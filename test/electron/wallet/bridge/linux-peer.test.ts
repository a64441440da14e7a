/**
 * Naming the process at the other end of the bridge's Unix socket on Linux (T32): the ss parser
 * read from the right (a client's socket name cannot shift or forge the fields we use), and the
 * real identifier against a real socket and a real child process: its pid, program and working
 * directory, and "unknown" whenever ss or /proc cannot confirm them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LinuxPeerIdentifier, createPeerIdentifier, parseSsUnix, socketFd } from '../../../../electron/wallet/bridge/linux-peer.js';
import { unknownPeers } from '../../../../electron/wallet/bridge/peer.js';

const onLinux = process.platform === 'linux';

describe('parseSsUnix', () => {
  it('reads local inode, peer inode and holders from the right of each line', () => {
    const output = [
      'u_str ESTAB 0      0      /tmp/lk/bridge.sock 9087 * 9086 users:(("node",pid=7276,fd=21))',
      'u_str ESTAB 0      0                     * 9086 * 9087 users:(("node",pid=7276,fd=20),("sh",pid=7300,fd=3))',
      'u_str LISTEN 0 511 /run/a b c.sock 100 * 0',
      '',
    ].join('\n');
    expect(parseSsUnix(output)).toEqual([
      { localInode: 9087, peerInode: 9086, holders: [{ pid: 7276, fd: 21 }] },
      { localInode: 9086, peerInode: 9087, holders: [{ pid: 7276, fd: 20 }, { pid: 7300, fd: 3 }] },
      { localInode: 100, peerInode: 0, holders: [] },
    ]);
  });

  it('T32: a client socket named with a newline and a forged line cannot move the real fields', () => {
    // What ss prints for a client bound to "\0evil name\nu_str ESTAB 0 0 * 1 * 2 users:(("x",pid=1,fd=3))".
    const output = [
      'u_str ESTAB 0 0 /tmp/lk/bridge.sock 10599 * 11578 users:(("node",pid=8089,fd=20))',
      'u_str ESTAB 0      0      @evil name',
      'u_str ESTAB 0 0 * 1 * 2 users:(("x",pid=1,fd=3)) 11578 * 10599 users:(("python3",pid=8096,fd=3))',
    ].join('\n');
    const peer = parseSsUnix(output).find((line) => line.localInode === 11578);
    expect(peer).toEqual({ localInode: 11578, peerInode: 10599, holders: [{ pid: 8096, fd: 3 }] });
    expect(parseSsUnix(output).some((line) => line.holders.some((h) => h.pid === 1))).toBe(false);
  });

  it('a process name holding quotes and commas does not add a holder', () => {
    const [line] = parseSsUnix('u_str ESTAB 0 0 * 5 * 6 users:(("a",pid=1,fd=2",pid=999,fd=3))');
    expect(line?.holders).toEqual([{ pid: 999, fd: 3 }]);
  });
});

describe.skipIf(!onLinux)('LinuxPeerIdentifier (real socket, real processes; Linux only)', () => {
  let dir: string | undefined;
  let server: Server | undefined;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A Unix socket server; resolves with the accepted socket of the first connection. */
  async function listen(): Promise<{ path: string; accepted: Promise<Socket> }> {
    dir = await mkdtemp('/tmp/lkp-');
    const path = join(dir, 's.sock');
    let accept: (socket: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((resolve) => (accept = resolve));
    server = createServer((socket) => accept(socket));
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    return { path, accepted };
  }

  /** A child process in `cwd` that connects to `path` and stays until killed. */
  function connectFrom(path: string, cwd: string): ChildProcess {
    const script = "const c = require('node:net').connect(process.argv[1]); c.on('error', () => process.exit(3)); setInterval(() => {}, 1000);";
    return spawn(process.execPath, ['-e', script, path], { cwd, stdio: 'ignore' });
  }

  it('T32: names the connecting child: its pid, executable and working directory, and its uid', async () => {
    const { path, accepted } = await listen();
    const cwd = await mkdtemp(join(dir!, 'work-'));
    child = connectFrom(path, cwd);
    const socket = await accepted;
    expect(socketFd(socket)).toBeGreaterThanOrEqual(0);
    const identity = await new LinuxPeerIdentifier().identify(socket);
    expect(identity).toEqual({ pid: child.pid, uids: [process.getuid!()], exe: await realpath(process.execPath), cwd: await realpath(cwd) });
  });

  it('parallel identifications share ss runs and each gets its own peer', async () => {
    const { path } = await listen();
    const sockets: Socket[] = [];
    const all = new Promise<void>((resolve) => {
      server!.on('connection', (socket: Socket) => {
        sockets.push(socket);
        if (sockets.length === 5) resolve();
      });
    });
    const children = Array.from({ length: 5 }, () => connectFrom(path, dir!));
    // An ss that counts its runs (the identifier runs it with a scrubbed env and a fixed PATH).
    const runs = join(dir!, 'runs');
    const counting = join(dir!, 'counting-ss');
    await writeFile(counting, `#!/bin/sh\necho run >> '${runs}'\nexec ss "$@"\n`, { mode: 0o700 });
    try {
      await all;
      const identifier = new LinuxPeerIdentifier({ command: counting });
      const identities = await Promise.all(sockets.map((socket) => identifier.identify(socket)));
      expect(new Set(identities.map((identity) => identity?.pid)).size).toBe(5);
      expect(identities.every((identity) => children.some((c) => c.pid === identity?.pid))).toBe(true);
      expect((await readFile(runs, 'utf8')).trim().split('\n').length).toBeLessThanOrEqual(2);
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  });

  it('without ss (or a socket without an fd) the peer is unknown, never guessed', async () => {
    const { path, accepted } = await listen();
    child = connectFrom(path, dir!);
    const socket = await accepted;
    await expect(new LinuxPeerIdentifier({ command: 'latchkey-no-such-ss' }).identify(socket)).resolves.toBeUndefined();
    const { Socket: NetSocket } = await import('node:net');
    await expect(new LinuxPeerIdentifier().identify(new NetSocket())).resolves.toBeUndefined();
  });
});

describe('createPeerIdentifier', () => {
  it('other platforms answer unknown', () => {
    expect(createPeerIdentifier('darwin')).toBe(unknownPeers);
    expect(createPeerIdentifier('win32')).toBe(unknownPeers);
    expect(createPeerIdentifier('linux')).toBeInstanceOf(LinuxPeerIdentifier);
  });
});

/**
 * The peer of an accepted Unix socket on Linux (threat T32), without SO_PEERCRED (Node has none):
 *   1. our end's inode: fstat of the accepted socket's fd;
 *   2. `ss -xpnH` (iproute2; no shell, scrubbed env, a timeout) lists every Unix socket with its
 *      inode, its peer's inode and the processes holding it; our line gives the peer's inode, the
 *      peer's line (which must name our inode back) gives its holders' pid and fd;
 *   3. each holder is confirmed in /proc: /proc/<pid>/fd/<fd> must be `socket:[<peer inode>]`;
 *      then /proc/<pid>/status (effective uid), /proc/<pid>/exe and /proc/<pid>/cwd.
 * Anything ambiguous (a line claimed twice, a holder /proc does not confirm) answers unknown, never
 * a guess: a client may bind its socket to a name with spaces or newlines to forge ss lines. One ss
 * run serves every request that arrived before it started, so a flood costs a few runs, not one each.
 */
import { execFile } from 'node:child_process';
import { fstat as fstatCallback } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { silentLogger } from '../../base/log/logger.js';
import type { Logger } from '../../base/ports.js';
import { unknownPeers, type PeerIdentifier, type PeerIdentity } from './peer.js';

const fstat = promisify(fstatCallback);

export interface LinuxPeerOptions {
  /** The ss binary, looked up on a fixed system PATH. Default 'ss'. */
  command?: string;
  /** ss must answer within this. Default 3 s. */
  timeoutMs?: number;
  logger?: Logger;
}

/** One line of `ss -xpnH`: our socket's inode, its peer's, and who holds it. */
export interface UnixSocketLine {
  localInode: number;
  peerInode: number;
  holders: Array<{ pid: number; fd: number }>;
}

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const MAX_HOLDERS = 16;

/**
 * Parses `ss -xpnH` output: each line ends `<local inode> <peer address> <peer inode>` and then,
 * when ss could see the holders, `users:(("name",pid=N,fd=M),…)`. It is read from the right, so
 * whatever a client put in its socket's name (left of those fields) cannot shift them.
 */
export function parseSsUnix(output: string): UnixSocketLine[] {
  const lines: UnixSocketLine[] = [];
  for (const line of output.split('\n')) {
    const usersAt = line.lastIndexOf(' users:((');
    const fields = (usersAt < 0 ? line : line.slice(0, usersAt)).trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [localInode, , peerInode] = fields.slice(-3);
    if (localInode === undefined || peerInode === undefined || !/^\d{1,15}$/.test(localInode) || !/^\d{1,15}$/.test(peerInode)) continue;
    const holders: Array<{ pid: number; fd: number }> = [];
    if (usersAt >= 0) {
      // A process name never holds ')' (ss reads it up to the first one), so each entry ends at its own ')'.
      for (const match of line.slice(usersAt).matchAll(/\("[^)]*",pid=(\d{1,10}),fd=(\d{1,10})\)/g)) {
        holders.push({ pid: Number(match[1]), fd: Number(match[2]) });
      }
    }
    lines.push({ localInode: Number(localInode), peerInode: Number(peerInode), holders });
  }
  return lines;
}

/** The accepted socket's fd: libuv's handle keeps it as `fd` on Unix. */
export function socketFd(socket: Socket): number | undefined {
  const handle: unknown = Reflect.get(socket, '_handle');
  if (!hasFd(handle)) return undefined;
  return Number.isInteger(handle.fd) && handle.fd >= 0 ? handle.fd : undefined;
}

function hasFd(value: unknown): value is { fd: number } {
  return typeof value === 'object' && value !== null && 'fd' in value && typeof value.fd === 'number';
}

export class LinuxPeerIdentifier implements PeerIdentifier {
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private running: Promise<string> | undefined;
  private queued: Promise<string> | undefined;
  private warned = false;

  constructor(options: LinuxPeerOptions = {}) {
    this.command = options.command ?? 'ss';
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.logger = options.logger ?? silentLogger;
  }

  async identify(socket: Socket): Promise<PeerIdentity | undefined> {
    const fd = socketFd(socket);
    if (fd === undefined) return undefined;
    try {
      const ownInode = (await fstat(fd)).ino;
      const lines = parseSsUnix(await this.snapshot());
      const peerInode = onlyOne(lines.filter((line) => line.localInode === ownInode))?.peerInode;
      if (peerInode === undefined || peerInode === 0) return undefined;
      const peer = onlyOne(lines.filter((line) => line.localInode === peerInode));
      if (peer === undefined || peer.peerInode !== ownInode) return undefined;
      const pids = await confirmHolders(peer.holders.slice(0, MAX_HOLDERS), peerInode);
      const [pid] = pids;
      if (pid === undefined) return undefined;
      const uids = (await Promise.all(pids.map(readEffectiveUid))).filter((uid): uid is number => uid !== undefined);
      const [exe, cwd] = await Promise.all([readLink(`/proc/${pid}/exe`), readLink(`/proc/${pid}/cwd`)]);
      return { pid, uids, ...(exe === undefined ? {} : { exe }), ...(cwd === undefined ? {} : { cwd }) };
    } catch (error) {
      this.warnOnce(error);
      return undefined;
    }
  }

  /** An ss listing taken after this call: the running one only if none is running yet. */
  private snapshot(): Promise<string> {
    if (this.running === undefined) return this.start();
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<string> {
    this.queued = undefined;
    return this.start();
  }

  private start(): Promise<string> {
    const run = runSs(this.command, this.timeoutMs).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : error instanceof Error ? error.name : 'unknown';
    this.logger.warn('cannot tell who is at the other end of the bridge socket; enrolment prompts say "requester unknown"', { reason: code.slice(0, 40) });
  }
}

function runSs(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-xpnH'],
      { env: { PATH: SYSTEM_PATH, LC_ALL: 'C' }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, shell: false, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
    );
  });
}

function onlyOne<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** The holders /proc confirms hold the peer's end, each pid once, in ss's order. */
async function confirmHolders(holders: ReadonlyArray<{ pid: number; fd: number }>, peerInode: number): Promise<number[]> {
  const pids: number[] = [];
  for (const { pid, fd } of holders) {
    if (pid <= 0 || pids.includes(pid)) continue;
    if ((await readLink(`/proc/${pid}/fd/${fd}`)) === `socket:[${peerInode}]`) pids.push(pid);
  }
  return pids;
}

/** The effective uid from /proc/<pid>/status (`Uid: real effective saved fs`). */
async function readEffectiveUid(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Uid:\s+\d+\s+(\d+)\s/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function readLink(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch {
    return undefined;
  }
}

/** The platform's identifier: Linux asks ss and /proc; elsewhere every peer is unknown. */
export function createPeerIdentifier(platform: NodeJS.Platform, options: LinuxPeerOptions = {}): PeerIdentifier {
  return platform === 'linux' ? new LinuxPeerIdentifier(options) : unknownPeers;
}

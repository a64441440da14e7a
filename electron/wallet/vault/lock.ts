/**
 * One process per vault (threats T25, T39; test V8), held by the operating system rather than by
 * a pid file: a pid outlives its process (reuse), a listening socket does not.
 *
 * Unix: every contender binds its own listening socket, under a random name, in
 * `<data dir>/vault.lock.d` (0700, ours), and then looks at the others. A socket that accepts a
 * connection belongs to a live process; one that refuses was left by a process that died (the
 * kernel closes a dead process's sockets, whatever happens to its pid later). A contender that
 * finds another live socket withdraws its own; otherwise it holds the vault.
 *
 * Why two racing starters cannot both win: each looks only after its own socket is listening,
 * so whichever of them starts listening second sees the first one live and withdraws (a socket
 * is never removed while its process lives, and a dead one is only removed once it is minutes
 * old). There is no takeover step to race on: a dead holder's socket is simply ignored.
 *
 * Windows: a named pipe per data directory, which only one process can create and which
 * disappears with it.
 *
 * A holder answers each connection with its pid, so VaultInUse can name it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Logger } from '../../base/ports.js';

/** The directory of lock sockets inside the data directory. */
export const LOCK_DIR = 'vault.lock.d';
const SOCKET_SUFFIX = '.sock';
const POLL_MS = 50;
/** A refusing socket older than this is removed (it is only ever left by a process that died). */
const DEBRIS_AGE_MS = 5 * 60_000;
/** Contenders that saw each other all withdraw; past the deadline they retry (with jitter) this many times, ×4 for contention. */
const CONTENTION_RETRIES = 8;
/** How long to wait for a live holder to say its pid. */
const PID_READ_MS = 500;
/** sun_path holds 108 bytes on Linux (104 on macOS) including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export interface VaultLock {
  /** The socket (or pipe) that holds the vault. */
  readonly path: string;
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** How long to wait for a live holder to let go. Default 0: fail at once. */
  waitMs?: number;
  logger: Logger;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function inUse(dir: string, pid: number): LatchkeyError {
  const who = pid === process.pid ? 'this process' : pid > 0 ? `process ${pid}` : 'another process';
  return new LatchkeyError(ErrorCode.VaultInUse, `The vault in ${dir} is in use by ${who}.`, {
    hint: 'Only one Latchkey may use a data directory at a time: close the other one (or wait for it to finish), or use another LATCHKEY_HOME.',
    details: { pid },
  });
}

function insecure(path: string, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.VaultInsecurePermissions, `The vault lock directory ${path} ${why}.`, {
    hint: 'Remove it; Latchkey creates it itself.',
    details: { path },
  });
}

/** Creates `<dir>/vault.lock.d` 0700, or checks the existing one: a real directory of ours, never a link. */
async function prepareLockDir(dir: string): Promise<string> {
  const path = join(dir, LOCK_DIR);
  await mkdir(path, { mode: 0o700 }).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST') throw error;
  });
  const info = await lstat(path);
  if (info.isSymbolicLink()) throw insecure(path, 'is a symbolic link');
  if (!info.isDirectory()) throw insecure(path, 'is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw insecure(path, `belongs to another user (uid ${info.uid})`);
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o700);
  return path;
}

/** Whether a socket's owner holds the vault or is still looking at the others. */
type LockState = 'held' | 'contending';

/**
 * Listens on `path`; the server answers every connection with our pid and state ("1234 held\n")
 * and never keeps the process alive.
 */
function listenOn(path: string, state: () => LockState): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${process.pid} ${state()}\n`);
    });
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      server.unref();
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

type Probe = { live: true; pid: number; held: boolean } | { live: false };

/**
 * 'live' with the owner's pid and whether it holds the vault, or not live when nothing listens
 * (or the owner closed without answering: a contender withdrawing). A socket that accepts but
 * stays silent (a stopped process) counts as a holder of unknown pid (0).
 */
function probe(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    let text = '';
    let connected = false;
    const finish = (timedOut: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const said = /^(\d{1,10}) (held|contending)\n/.exec(text);
      if (said !== null) resolve({ live: true, pid: Number(said[1]), held: said[2] === 'held' });
      // Connected but silent until the deadline: a stopped process, still holding. Closed unanswered: it went away.
      else resolve(connected && timedOut ? { live: true, pid: 0, held: true } : { live: false });
    };
    const timer = setTimeout(() => finish(true), PID_READ_MS);
    socket.setEncoding('utf8');
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n') || text.length > 32) finish(false);
    });
    socket.once('end', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

interface Other {
  path: string;
  pid: number;
  /** It holds the vault (else it is another contender, who may still withdraw). */
  held: boolean;
}

interface Contention {
  /** Our own socket: bound, listening, still in place, nobody else live. */
  won: boolean;
  /** A live socket we saw: a holder if there is one, else a contender. */
  other?: Other;
}

class UnixVaultLock {
  private server: Server | undefined;
  private directory: FileHandle | undefined;

  constructor(
    private readonly lockDir: string,
    private readonly logger: Logger,
  ) {}

  /** One attempt: listen on a fresh name, then look at everyone else's. */
  async contend(): Promise<{ result: Contention; path: string }> {
    const name = `${randomBytes(8).toString('hex')}${SOCKET_SUFFIX}`;
    const path = join(this.lockDir, name);
    let state: LockState = 'contending';
    let server: Server;
    try {
      server = await listenOn(await this.addressOf(name), () => state);
    } catch (error) {
      if (errorCode(error) === 'EADDRINUSE') return { result: { won: false }, path }; // a name clash: draw again
      // Another process released its lock and removed the empty directory in between (ENOENT, or
      // EACCES while that directory is being removed): make it again, checked as before.
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'EACCES') throw error;
      await this.closeDirectory();
      await prepareLockDir(dirname(this.lockDir));
      return { result: { won: false }, path };
    }
    await chmod(path, 0o600);
    const mine = await lstat(path);
    const other = await this.findLiveOther(path);
    const stillMine = await lstat(path).then(
      (now) => sameFile(now, mine),
      () => false,
    );
    if (other === undefined && stillMine) {
      state = 'held';
      this.server = server;
      return { result: { won: true }, path };
    }
    await closeServer(server);
    await unlink(path).catch(() => undefined);
    return { result: { won: false, ...(other === undefined ? {} : { other }) }, path };
  }

  async release(path: string): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await closeServer(server);
    await unlink(path).catch(() => undefined);
    await this.closeDirectory();
    // Leave no trace when nobody else is there; a directory someone just entered is not empty and stays.
    await rmdir(this.lockDir).catch(() => undefined);
  }

  /** Closes the directory handle a long path needed (see addressOf). */
  async closeDirectory(): Promise<void> {
    const handle = this.directory;
    this.directory = undefined;
    await handle?.close();
  }

  /**
   * Where to bind or connect for `name`: its path, or, when that is longer than a socket address
   * holds, the same file through an open handle of the directory (Linux: /proc/self/fd/N/name).
   */
  private async addressOf(name: string): Promise<string> {
    const path = join(this.lockDir, name);
    if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return path;
    if (process.platform !== 'linux') throw tooLong(this.lockDir);
    this.directory ??= await open(this.lockDir, constants.O_RDONLY | constants.O_DIRECTORY);
    return `/proc/self/fd/${this.directory.fd}/${name}`;
  }

  /** Another live socket: a holder when there is one, else a contender; undefined when all others are dead. */
  private async findLiveOther(own: string): Promise<Other | undefined> {
    const names = (await readdir(this.lockDir)).filter((name) => name.endsWith(SOCKET_SUFFIX));
    let found: Other | undefined;
    for (const name of names) {
      const path = join(this.lockDir, name);
      if (path === own) continue;
      const info = await lstat(path).catch(() => undefined);
      if (info === undefined || !info.isSocket()) continue;
      const state = await probe(await this.addressOf(name));
      if (!state.live) await this.removeDebris(path, info);
      else if (found === undefined || (!found.held && state.held)) found = { path, pid: state.pid, held: state.held };
    }
    return found;
  }

  /** A socket nobody listens on, bound minutes ago: its process died. Removed, with a note. */
  private async removeDebris(path: string, info: Stats): Promise<void> {
    if (Date.now() - info.mtimeMs < DEBRIS_AGE_MS) return;
    await unlink(path).catch(() => undefined);
    this.logger.warn('removed the vault lock of a process that exited without releasing it', { path });
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

function tooLong(lockDir: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.VaultWriteFailed, `The data directory path is too long for the vault lock (${lockDir}).`, {
    hint: 'Use a shorter data directory (LATCHKEY_HOME); a Unix socket path holds at most 107 bytes.',
    details: { path: lockDir },
  });
}

async function acquireUnix(dir: string, options: AcquireLockOptions): Promise<VaultLock> {
  const lock = new UnixVaultLock(await prepareLockDir(dir), options.logger);
  try {
    return await contendUntilDecided(lock, dir, options.waitMs ?? 0);
  } catch (error) {
    await lock.closeDirectory();
    throw error;
  }
}

async function contendUntilDecided(lock: UnixVaultLock, dir: string, waitMs: number): Promise<VaultLock> {
  const deadline = Date.now() + waitMs;
  let retries = 0;
  for (;;) {
    const { result, path } = await lock.contend();
    if (result.won) {
      let released: Promise<void> | undefined;
      return { path, release: () => (released ??= lock.release(path)) };
    }
    const other = result.other;
    if (other === undefined) {
      // Our socket (or the directory) was removed under us by someone releasing or cleaning: try again, a few times (or until the deadline).
      if (retries++ < CONTENTION_RETRIES) continue;
      if (Date.now() < deadline) {
        await delay(2 + Math.floor(Math.random() * POLL_MS));
        continue;
      }
      throw inUse(dir, 0);
    }
    if (Date.now() < deadline) {
      await delay(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
      continue;
    }
    if (other.held) throw inUse(dir, other.pid);
    // Past the deadline, but what we saw was another contender: one of us will hold it in a moment.
    if (retries++ >= CONTENTION_RETRIES * 4) throw inUse(dir, other.pid);
    await delay(2 + Math.floor(Math.random() * 20));
  }
}

/** Windows: one named pipe per data directory; creating it is the lock. */
async function acquirePipe(dir: string, options: AcquireLockOptions): Promise<VaultLock> {
  const path = `\\\\.\\pipe\\latchkey-vault-${createHash('sha256').update(dir.toLowerCase()).digest('hex').slice(0, 32)}`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      const server = await listenOn(path, () => 'held');
      let released: Promise<void> | undefined;
      return { path, release: () => (released ??= closeServer(server)) };
    } catch (error) {
      if (errorCode(error) !== 'EADDRINUSE') throw error;
    }
    const state = await probe(path);
    if (Date.now() >= deadline) throw inUse(dir, state.live ? state.pid : 0);
    await delay(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}

export async function acquireVaultLock(dir: string, options: AcquireLockOptions): Promise<VaultLock> {
  return process.platform === 'win32' ? acquirePipe(dir, options) : acquireUnix(dir, options);
}

/**
 * The bridge's runtime directory and socket file (threat T11): a 0700 directory owned by the
 * current user, never a symlink; the socket inside it 0600. Anything wider, foreign or linked is
 * refused rather than repaired, because someone else may be waiting in it.
 */
import { Buffer } from 'node:buffer';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type * as Crypto from 'node:crypto';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { builtinModule } from '../builtin-module.js';

export const SOCKET_FILE = 'bridge.sock';
export const DISCOVERY_FILE = 'bridge.json';

/** sun_path holds 108 bytes on Linux (104 on macOS) including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

const currentUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function unsafe(message: string, path: string, hint: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.BridgeUnsafePath, message, { hint, details: { path } });
}

/** The socket path in `runtimeDir`, or undefined when it is too long for a Unix socket (use TCP). */
export function bridgeSocketPath(runtimeDir: string): string | undefined {
  const path = join(runtimeDir, SOCKET_FILE);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES ? path : undefined;
}

/** Refuses a path that is a symlink, not a directory, someone else's, or open to group/other. */
export function assertPrivateDirectory(info: Stats, path: string): void {
  if (info.isSymbolicLink()) {
    throw unsafe(`The bridge directory ${path} is a symbolic link.`, path, 'Remove the link; Latchkey creates the directory itself.');
  }
  if (!info.isDirectory()) throw unsafe(`The bridge directory ${path} is not a directory.`, path, 'Remove it or set LATCHKEY_RUNTIME_DIR.');
  const uid = currentUid();
  if (uid !== undefined && info.uid !== uid) {
    throw unsafe(`The bridge directory ${path} belongs to another user (uid ${info.uid}).`, path, 'Use a directory you own (LATCHKEY_RUNTIME_DIR).');
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw unsafe(
      `The bridge directory ${path} is open to other users (mode ${(info.mode & 0o777).toString(8)}).`,
      path,
      `Run chmod 700 ${path}, or remove it and let Latchkey create it.`,
    );
  }
}

/** Refuses a file that is a symlink, not a regular file, someone else's, or open to group/other. */
export function assertPrivateFile(info: Stats, path: string, what: string): void {
  const uid = currentUid();
  if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (process.platform !== 'win32' && (info.mode & 0o077) !== 0)) {
    throw unsafe(`The ${what} ${path} is not private to you.`, path, 'Remove it and restart `latchkey daemon`.');
  }
}

/** Creates the runtime directory 0700 (parents too, if missing) and checks it. Returns its lstat. */
export async function prepareRuntimeDir(dir: string): Promise<Stats> {
  if (!isAbsolute(dir)) throw unsafe(`The bridge directory ${dir} is not an absolute path.`, dir, 'Give an absolute path.');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') {
      throw new LatchkeyError(ErrorCode.BridgeUnsafePath, `Could not create the bridge directory ${dir}.`, {
        hint: 'Check that its parent exists and is writable, or set LATCHKEY_RUNTIME_DIR.',
        details: { path: dir },
        cause: error,
      });
    }
  }
  const info = await lstat(dir);
  assertPrivateDirectory(info, dir);
  return info;
}

/** Re-checks the directory after listening: the same inode, still private (no swap in between). */
export async function assertSameDirectory(dir: string, before: Stats): Promise<void> {
  const now = await lstat(dir);
  assertPrivateDirectory(now, dir);
  if (now.ino !== before.ino || now.dev !== before.dev) {
    throw unsafe(`The bridge directory ${dir} was replaced while the bridge was starting.`, dir, 'Start the bridge again.');
  }
}

/** True when something accepts connections on the socket. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Removes a socket left by a dead bridge; refuses when a live one answers or the path is not a socket. */
export async function clearStaleSocket(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw error;
  }
  if (!info.isSocket()) {
    throw unsafe(`${path} exists and is not a socket.`, path, 'Remove it; the bridge creates its socket itself.');
  }
  if (await socketAnswers(path)) {
    throw new LatchkeyError(ErrorCode.BridgeInUse, 'Another Latchkey bridge is already running for this user.', {
      hint: 'Stop the other daemon first, or give this one another LATCHKEY_RUNTIME_DIR.',
      details: { path },
    });
  }
  await unlink(path);
}

/** Narrows the fresh socket to 0600 and checks it is ours. */
export async function secureSocketFile(path: string): Promise<void> {
  await chmod(path, 0o600);
  const info = await lstat(path);
  const uid = currentUid();
  if (!info.isSocket() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o177) !== 0) {
    throw unsafe(`The bridge socket ${path} could not be made private.`, path, 'Check the directory and start the bridge again.');
  }
}

/** Writes `text` to a fresh 0600 temp file (never through an existing name or link), syncs it and renames it over `path`. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  // node:crypto loads here, for a writer: an agent's `latchkey token` only reads the discovery file, and node:crypto costs a spawn some 15 ms.
  const { randomBytes } = builtinModule<typeof Crypto>('node:crypto');
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await removeIfPresent(temp);
    throw error;
  }
}

/** Removes a file, ignoring one that is already gone. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}

/**
 * The vault's files on disk (threats T23, T25): a 0700 directory, 0600 files, never a symlink,
 * and crash-safe replacement: temp file → fsync → keep the current file as the previous
 * generation → rename over → fsync the directory. A crash at any point leaves the current file
 * (generation n) or the new one (n + 1), never a torn file.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Logger } from '../../base/ports.js';

export const VAULT_FILE = 'vault.enc';
export const PREVIOUS_FILE = 'vault.enc.prev';
const TEMP_FILE = 'vault.enc.tmp';
const PREVIOUS_TEMP_FILE = 'vault.enc.prev.tmp';

export interface VaultPaths {
  dir: string;
  current: string;
  previous: string;
  temp: string;
  previousTemp: string;
}

export function vaultPathsIn(dir: string): VaultPaths {
  return {
    dir,
    current: join(dir, VAULT_FILE),
    previous: join(dir, PREVIOUS_FILE),
    temp: join(dir, TEMP_FILE),
    previousTemp: join(dir, PREVIOUS_TEMP_FILE),
  };
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function insecure(message: string, hint: string, path: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.VaultInsecurePermissions, message, { hint, details: { path } });
}

const currentUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/**
 * Creates the data dir 0700, or checks an existing one: owned by someone else → refused; group or
 * other bits set on our own dir → narrowed to 0700 with a warning. Returns the real path.
 */
export async function prepareVaultDirectory(dir: string, logger: Logger): Promise<string> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new LatchkeyError(ErrorCode.VaultWriteFailed, `Could not create the data directory ${dir}.`, {
      hint: 'Check that the parent directory exists and is writable, or choose another one with LATCHKEY_HOME.',
      cause: error,
    });
  }
  const real = await realpath(dir);
  const info = await stat(real);
  if (!info.isDirectory()) {
    throw insecure(`${real} is not a directory.`, 'Point LATCHKEY_HOME at a directory.', real);
  }
  const uid = currentUid();
  if (uid !== undefined && info.uid !== uid) {
    throw insecure(
      `The data directory ${real} belongs to another user (uid ${info.uid}).`,
      'Use a data directory you own (LATCHKEY_HOME).',
      real,
    );
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    await chmod(real, 0o700);
    logger.warn('vault directory was readable by others; narrowed it to 0700', { path: real, was: (info.mode & 0o777).toString(8) });
  }
  return real;
}

/**
 * Reads a vault file. Missing → undefined. A symlink, a non-regular file or someone else's file is
 * refused (a planted link could redirect our writes); group/other bits are narrowed to 0600.
 */
export async function readVaultFile(path: string, logger: Logger): Promise<Buffer | undefined> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new LatchkeyError(ErrorCode.VaultCorrupt, `Could not read ${path}.`, { cause: error });
  }
  if (info.isSymbolicLink()) {
    throw insecure(`${path} is a symbolic link; Latchkey refuses to follow it.`, 'Replace the link with the vault file itself.', path);
  }
  if (!info.isFile()) throw insecure(`${path} is not a regular file.`, 'Move it away; it is not a Latchkey vault.', path);
  const uid = currentUid();
  if (uid !== undefined && info.uid !== uid) {
    throw insecure(`${path} belongs to another user (uid ${info.uid}).`, 'Use a data directory you own (LATCHKEY_HOME).', path);
  }
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      await handle.chmod(0o600);
      logger.warn('vault file was readable by others; narrowed it to 0600', { path, was: (info.mode & 0o777).toString(8) });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

/** Removes what an interrupted write may have left behind (half-written temp files). */
export async function removeLeftovers(paths: VaultPaths): Promise<void> {
  await removeIfPresent(paths.temp);
  await removeIfPresent(paths.previousTemp);
}

export async function removeVaultFiles(paths: VaultPaths): Promise<void> {
  for (const path of [paths.current, paths.previous, paths.temp, paths.previousTemp]) await removeIfPresent(path);
  await syncDirectory(paths.dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/** Runs `create`, which fails with EEXIST if `path` is there; if it was (a leftover of a failed write), removes it and runs `create` again. */
async function createReplacingLeftover<T>(path: string, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    await unlink(path);
    return create();
  }
}

/** Makes the current file the previous generation, without a moment where neither exists. */
async function keepPreviousGeneration(paths: VaultPaths): Promise<void> {
  try {
    await createReplacingLeftover(paths.previousTemp, () => link(paths.current, paths.previousTemp));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return; // first write: nothing to keep
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw error;
    await removeIfPresent(paths.previousTemp);
    await copyFile(paths.current, paths.previousTemp, constants.COPYFILE_EXCL);
    await chmod(paths.previousTemp, 0o600);
  }
  await rename(paths.previousTemp, paths.previous);
}

function writeError(error: unknown, dir: string): LatchkeyError {
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new LatchkeyError(ErrorCode.VaultDiskFull, `The disk holding ${dir} is full; the vault was not changed.`, {
      hint: 'Free some disk space and try again. The previous vault contents are intact.',
      cause: error,
    });
  }
  return new LatchkeyError(ErrorCode.VaultWriteFailed, `Writing the vault in ${dir} failed (${code ?? 'unknown error'}); the vault was not changed.`, {
    hint: 'Check that the data directory is writable and the disk is healthy, then try again.',
    cause: error,
  });
}

/** Replaces the vault file atomically and durably. On failure the current file is untouched. */
export async function writeVaultFileAtomically(paths: VaultPaths, bytes: Buffer): Promise<void> {
  try {
    const handle = await createReplacingLeftover(paths.temp, () =>
      open(paths.temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600),
    );
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await keepPreviousGeneration(paths);
    await rename(paths.temp, paths.current);
    await syncDirectory(paths.dir);
  } catch (error) {
    await removeIfPresent(paths.temp).catch(() => undefined);
    throw writeError(error, paths.dir);
  }
}

/**
 * One process per vault (threat T25, V8): a lock file created with O_EXCL holding our pid and a
 * random token, kept for the lifetime of the open vault. A lock whose pid is dead (or that
 * predates the last boot) is stale and taken over; a live one is VaultInUse, optionally after
 * waiting for it to be released.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Logger } from '../ports.js';

export const LOCK_FILE = 'vault.lock';
const POLL_MS = 50;
/** A lock file with no readable owner yet is being written; after this long it is debris. */
const UNREADABLE_GRACE_MS = 5_000;
/** Tokens of the locks this process holds: a lock with our pid but another token is from a previous process that had our pid. */
const tokensHeldHere = new Set<string>();

export interface VaultLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  token: string;
  raw: string;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function parseOwner(raw: string): LockOwner | undefined {
  const match = /^(\d+) ([0-9a-f]{32})\n$/.exec(raw);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { pid: Number(match[1]), token: match[2], raw };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

type LockState = { kind: 'gone' } | { kind: 'held'; pid: number } | { kind: 'stale'; raw: string; pid: number | undefined };

async function inspectLock(path: string): Promise<LockState> {
  let raw: string;
  let modifiedMs: number;
  try {
    [raw, modifiedMs] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  const owner = parseOwner(raw);
  const bootMs = Date.now() - uptime() * 1000;
  if (owner === undefined) {
    return Date.now() - modifiedMs > UNREADABLE_GRACE_MS ? { kind: 'stale', raw, pid: undefined } : { kind: 'held', pid: 0 };
  }
  const ours = owner.pid === process.pid;
  const dead = ours ? !tokensHeldHere.has(owner.token) : !isProcessAlive(owner.pid) || modifiedMs < bootMs;
  if (dead) return { kind: 'stale', raw, pid: owner.pid };
  return { kind: 'held', pid: owner.pid };
}

/**
 * Moves a stale lock aside. Only one contender wins the rename; if what it moved turns out to be
 * a fresh lock someone else just created, it is put back.
 */
async function removeStaleLock(path: string, stale: string, logger: Logger, pid: number | undefined): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== stale) await link(aside, path).catch(() => undefined);
  else logger.warn('took over a stale vault lock', { pid: pid ?? 'unknown' });
  await unlink(aside).catch(() => undefined);
}

async function createLockFile(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

function inUse(dir: string, pid: number): LatchkeyError {
  const who = pid === process.pid ? 'this process' : pid > 0 ? `process ${pid}` : 'another process';
  return new LatchkeyError(ErrorCode.VaultInUse, `The vault in ${dir} is in use by ${who}.`, {
    hint: 'Only one Latchkey may use a data directory at a time: close the other one (or wait for it to finish), or use another LATCHKEY_HOME.',
    details: { pid },
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface AcquireLockOptions {
  /** How long to wait for a live holder to let go. Default 0: fail at once. */
  waitMs?: number;
  logger: Logger;
}

export async function acquireVaultLock(dir: string, options: AcquireLockOptions): Promise<VaultLock> {
  const path = join(dir, LOCK_FILE);
  const token = randomBytes(16).toString('hex');
  const content = `${process.pid} ${token}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  tokensHeldHere.add(token); // before the file exists, so no sibling in this process takes it for stale
  try {
    for (;;) {
      if (await createLockFile(path, content)) break;
      const state = await inspectLock(path);
      if (state.kind === 'stale') await removeStaleLock(path, state.raw, options.logger, state.pid);
      else if (state.kind === 'held') {
        if (Date.now() >= deadline) throw inUse(dir, state.pid);
        await delay(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
      }
    }
  } catch (error) {
    tokensHeldHere.delete(token);
    throw error;
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      // Remove the lock only while it is still ours.
      const raw = await readFile(path, 'utf8').catch(() => undefined);
      if (raw === content) await unlink(path).catch(() => undefined);
      tokensHeldHere.delete(token);
    },
  };
}

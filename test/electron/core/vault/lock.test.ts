import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { openVault } from '../../../../electron/core/vault/index.js';
import { MemorySecretStore } from '../../../fakes/memory-secret-store.js';
import { expectCode } from './expect-code.js';
import { createLogCollector, createTempDirs } from './temp-dirs.js';

const dirs = createTempDirs();
afterAll(() => dirs.removeAll());

const store = new MemorySecretStore();
const open = (dir: string, extra: { lockWaitMs?: number; logger?: ReturnType<typeof createLogCollector>['logger'] } = {}) =>
  openVault({ dir, mode: 'keychain', secretStore: store, ...extra });
const writeLock = (dir: string, pid: number) => writeFileSync(join(dir, 'vault.lock'), `${pid} ${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return child.pid;
}

describe('vault lock: one process per vault (T25)', () => {
  it('V8: a second openVault on the same dir is VaultInUse naming the holder; after close it opens', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const error = await expectCode(open(dir), ErrorCode.VaultInUse);
    expect(error.details.pid).toBe(process.pid);
    expect(error.message).toMatch(/in use by this process/);
    await first.close();
    expect(existsSync(join(dir, 'vault.lock'))).toBe(false);
    const second = await open(dir);
    await second.close();
  });

  it('V8: a lock held by another live process is VaultInUse naming its pid', async () => {
    const dir = dirs.make();
    writeLock(dir, process.ppid);
    const error = await expectCode(open(dir), ErrorCode.VaultInUse);
    expect(error.message).toContain(`process ${process.ppid}`);
    expect(error.details.pid).toBe(process.ppid);
  });

  it('V8: lockWaitMs waits for the holder to close', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const waiting = open(dir, { lockWaitMs: 10_000 });
    await first.close();
    const second = await waiting;
    expect(second.generation).toBe(1);
    await second.close();
  });

  it('V8: lockWaitMs gives up with VaultInUse when the holder keeps it', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const started = Date.now();
    await expectCode(open(dir, { lockWaitMs: 150 }), ErrorCode.VaultInUse);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await first.close();
  });

  it('V8: a stale lock of a dead pid is taken over, with a warning', async () => {
    const dir = dirs.make();
    const pid = deadPid();
    writeLock(dir, pid);
    const { lines, logger } = createLogCollector();
    const vault = await open(dir, { logger });
    expect(lines.some((line) => line.includes('stale vault lock') && line.includes(String(pid)))).toBe(true);
    await vault.close();
  });

  it('V8: stale too — a lock from before the last boot, a lock with our pid but not ours, and unreadable debris older than 5 s', async () => {
    const dir = dirs.make();
    writeLock(dir, process.ppid);
    utimesSync(join(dir, 'vault.lock'), new Date(0), new Date(0));
    await (await open(dir)).close();

    writeLock(dir, process.pid);
    await (await open(dir)).close();

    writeFileSync(join(dir, 'vault.lock'), 'garbage');
    await expectCode(open(dir), ErrorCode.VaultInUse); // fresh: may be a lock being written
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'vault.lock'), old, old);
    await (await open(dir)).close();
  });
});

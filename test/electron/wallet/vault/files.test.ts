import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { MemorySecretStore } from '../../../fakes/memory-secret-store.js';
import { expectCode } from './expect-code.js';
import { createLogCollector, createTempDirs } from './temp-dirs.js';

const dirs = createTempDirs();
afterAll(() => dirs.removeAll());

const modeOf = (path: string) => statSync(path).mode & 0o777;
const isRoot = process.getuid?.() === 0;

describe('vault files: permissions (T23)', () => {
  it('V2: creates the data dir 0700 and the vault, previous generation and lock files 0600', async () => {
    const dir = join(dirs.make(), 'nested', 'home');
    const vault = await openVault({ dir, mode: 'keychain', secretStore: new MemorySecretStore() });
    await vault.update((doc) => {
      doc.a = 1;
    });
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, '..'))).toBe(0o700);
    expect(modeOf(join(dir, 'vault.enc'))).toBe(0o600);
    expect(modeOf(join(dir, 'vault.enc.prev'))).toBe(0o600);
    expect(modeOf(join(dir, 'vault.lock.d'))).toBe(0o700);
    const [lockSocket, ...others] = readdirSync(join(dir, 'vault.lock.d'));
    expect(others).toEqual([]);
    expect(modeOf(join(dir, 'vault.lock.d', lockSocket!))).toBe(0o600);
    await vault.close();
  });

  it('V2: narrows a pre-existing 0755 data dir to 0700, and a 0644 vault file to 0600, with warnings', async () => {
    const dir = dirs.make();
    chmodSync(dir, 0o755);
    const store = new MemorySecretStore();
    const { lines, logger } = createLogCollector();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store, logger });
    await vault.close();
    expect(modeOf(dir)).toBe(0o700);
    chmodSync(join(dir, 'vault.enc'), 0o644);
    const again = await openVault({ dir, mode: 'keychain', secretStore: store, logger });
    await again.close();
    expect(modeOf(join(dir, 'vault.enc'))).toBe(0o600);
    expect(lines.filter((line) => line.includes('"level":"warn"') && line.includes('narrowed'))).toHaveLength(2);
  });

  it('V2: refuses a vault file that is a symbolic link, and leaves its target alone', async () => {
    const dir = dirs.make();
    const target = join(dirs.make(), 'elsewhere.enc');
    writeFileSync(target, 'not yours', { mode: 0o644 });
    symlinkSync(target, join(dir, 'vault.enc'));
    const error = await expectCode(openVault({ dir, mode: 'keychain', secretStore: new MemorySecretStore() }), ErrorCode.VaultInsecurePermissions);
    expect(error.message).toMatch(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('not yours');
    expect(modeOf(target)).toBe(0o644);
  });

  it('V2: a data dir reached through a symlink is fine: its real directory is checked and used', async () => {
    const real = dirs.make();
    const link = join(dirs.make(), 'link');
    symlinkSync(real, link);
    const vault = await openVault({ dir: link, mode: 'keychain', secretStore: new MemorySecretStore() });
    expect(vault.path).toBe(join(real, 'vault.enc'));
    await vault.close();
  });

  it.skipIf(!isRoot)('V2: refuses a data dir owned by another user (skipped unless root: only root can create one)', async () => {
    const dir = dirs.make();
    chownSync(dir, 65534, 65534);
    const error = await expectCode(openVault({ dir, mode: 'keychain', secretStore: new MemorySecretStore() }), ErrorCode.VaultInsecurePermissions);
    expect(error.message).toMatch(/another user/);
  });
});

/** A 64 KiB tmpfs: a real ENOSPC. Mounting needs root (CAP_SYS_ADMIN); otherwise V7 is skipped. */
function mountTinyTmpfs(): string | undefined {
  if (!isRoot) return undefined;
  const mountpoint = dirs.make();
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountpoint], { stdio: 'ignore' });
  return result.status === 0 ? mountpoint : undefined;
}
const tinyDisk = mountTinyTmpfs();
afterAll(() => {
  if (tinyDisk !== undefined) spawnSync('umount', [tinyDisk], { stdio: 'ignore' });
});

describe('vault files: disk full (T25)', () => {
  it.skipIf(tinyDisk === undefined)('V7: a full disk is VaultDiskFull and the old generation stays intact (skipped when a tmpfs cannot be mounted: needs root)', async () => {
    const dir = join(tinyDisk ?? '', 'home');
    mkdirSync(dir, { mode: 0o700 });
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.keep = 'intact';
    });
    const before = readFileSync(join(dir, 'vault.enc'));
    const big = 'x'.repeat(100 * 1024); // larger than the whole disk
    const error = await expectCode(
      vault.update((doc) => {
        doc.big = big;
      }),
      ErrorCode.VaultDiskFull,
    );
    expect(error.hint).toMatch(/Free some disk space/);
    expect(vault.generation).toBe(2);
    expect(vault.read()).toEqual({ keep: 'intact' });
    expect(readFileSync(join(dir, 'vault.enc'))).toEqual(before);
    // Still usable for small writes, and a reopen sees the last good generation.
    await vault.update((doc) => {
      doc.small = true;
    });
    await vault.close();
    const again = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(again.read()).toEqual({ keep: 'intact', small: true });
    expect(again.generation).toBe(3);
    await again.close();
  });
});

describe('vault files: leftovers of a failed write (T25)', () => {
  it('V2: a temp file or a planted symlink where the next write puts its temp files is replaced, never followed', async () => {
    const dir = dirs.make();
    const store = new MemorySecretStore();
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    await vault.update((doc) => {
      doc.first = 1;
    });
    const target = join(dirs.make(), 'target');
    writeFileSync(target, 'untouched');
    writeFileSync(join(dir, 'vault.enc.tmp'), 'half-written');
    symlinkSync(target, join(dir, 'vault.enc.prev.tmp'));
    await vault.update((doc) => {
      doc.second = 2;
    });
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await vault.close();
    const again = await openVault({ dir, mode: 'keychain', secretStore: store });
    expect(again.read()).toEqual({ first: 1, second: 2 });
    await again.close();
  });
});

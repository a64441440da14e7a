/**
 * The CLI's compile cache directory (compile-cache.ts): the platform's per-user cache, created
 * 0700, used only while it is a directory of this user's that no one else can reach, and never
 * when it is turned off.
 */
import { chmod, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheDir, prepareCompileCacheDir, type CompileCacheHost } from '../../../electron/cli/compile-cache.js';

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

describe('compileCacheDir', () => {
  const host = (platform: NodeJS.Platform, env: Record<string, string>): CompileCacheHost => ({ env, platform, uid: 1000, homeDir: () => '/home/ada' });

  it.each([
    ['linux', {}, '/home/ada/.cache/latchkey/compile-cache'],
    ['linux', { XDG_CACHE_HOME: '/var/cache/ada' }, '/var/cache/ada/latchkey/compile-cache'],
    ['linux', { XDG_CACHE_HOME: 'relative/cache' }, '/home/ada/.cache/latchkey/compile-cache'],
    ['darwin', {}, '/home/ada/Library/Caches/latchkey/compile-cache'],
  ] as const)('%s %j → %s', (platform, env, expected) => {
    expect(compileCacheDir(host(platform, env))).toBe(expected);
  });

  it('has no directory on Windows without an absolute LOCALAPPDATA', () => {
    expect(compileCacheDir(host('win32', {}))).toBeUndefined();
  });
});

describe.skipIf(uid === undefined || process.platform === 'win32')('prepareCompileCacheDir (POSIX: owner and mode are checked)', () => {
  let scratch: string;
  const host = (env: Record<string, string> = {}): CompileCacheHost => ({ env: { XDG_CACHE_HOME: scratch, ...env }, platform: process.platform, uid, homeDir: () => scratch });
  const dir = (): string => join(scratch, 'latchkey', 'compile-cache');

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'latchkey-compile-cache-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('creates the directory 0700 and uses it', async () => {
    expect(prepareCompileCacheDir(host())).toBe(dir());
    expect((await lstat(dir())).mode & 0o777).toBe(0o700);
  });

  it('leaves a directory others can reach unused, and unchanged', async () => {
    await mkdir(dir(), { recursive: true });
    await chmod(dir(), 0o755);
    expect(prepareCompileCacheDir(host())).toBeUndefined();
    expect((await lstat(dir())).mode & 0o777).toBe(0o755);
  });

  it('does not follow a symbolic link', async () => {
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await mkdir(join(scratch, 'latchkey'), { mode: 0o700 });
    await symlink(elsewhere, dir());
    expect(prepareCompileCacheDir(host())).toBeUndefined();
  });

  it('is refused for a directory owned by someone else', () => {
    expect(prepareCompileCacheDir({ ...host(), uid: (uid ?? 0) + 1 })).toBeUndefined();
  });

  it.each<Record<string, string>>([{ LATCHKEY_NO_COMPILE_CACHE: '1' }, { NODE_DISABLE_COMPILE_CACHE: '1' }, { NODE_COMPILE_CACHE: '/somewhere/else' }])('is off with %j, and creates nothing', async (env) => {
    expect(prepareCompileCacheDir(host(env))).toBeUndefined();
    await expect(lstat(join(scratch, 'latchkey'))).rejects.toThrow();
  });

  it('gives up quietly when the directory cannot be made', async () => {
    await writeFile(join(scratch, 'latchkey'), 'a file where the directory would go');
    expect(prepareCompileCacheDir(host())).toBeUndefined();
  });
});

/** writePrivateFile (runtime-dir.ts): the one way small private files (discovery, owner token) are written. */
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../../../electron/base/runtime/runtime-dir.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-private-file-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('writePrivateFile', () => {
  it('writes a 0600 file and replaces an old one, leaving no temp file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'token');
    await writeFile(path, 'old', { mode: 0o644 });
    await writePrivateFile(path, 'new\n');
    expect(await readFile(path, 'utf8')).toBe('new\n');
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['token']);
  });

  it('replaces a symlink at the name instead of writing through it', async () => {
    const dir = await tempDir();
    const target = join(dir, 'elsewhere');
    await writeFile(target, 'keep');
    const path = join(dir, 'token');
    await symlink(target, path);
    await writePrivateFile(path, 'secret');
    expect(await readFile(target, 'utf8')).toBe('keep');
    expect((await lstat(path)).isFile()).toBe(true);
  });
});

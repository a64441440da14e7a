import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf, isStale, recordBuilt, type BuildStep } from '../../scripts/build-if-stale.js';

const STEP: BuildStep = { name: 'cli', label: 'the CLI', script: 'build:cli', inputs: ['src', 'package.json'], outputs: ['dist/cli/main.js'] };

describe('npm start builds only what changed', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'latchkey-stale-'));
    await mkdir(join(root, 'src', 'nested'), { recursive: true });
    await mkdir(join(root, 'dist', 'cli'), { recursive: true });
    await writeFile(join(root, 'src', 'a.ts'), 'a');
    await writeFile(join(root, 'src', 'nested', 'b.ts'), 'b');
    await writeFile(join(root, 'package.json'), '{}');
    await writeFile(join(root, 'dist', 'cli', 'main.js'), '');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const built = async (): Promise<void> => recordBuilt(STEP, await fingerprintOf(STEP, root), root);

  it('a step never built is stale; after a build with nothing changed it is not', async () => {
    expect(await isStale(STEP, root)).toBe(true);
    await built();
    expect(await isStale(STEP, root)).toBe(false);
  });

  it('an edited source makes the step stale (even with an older mtime)', async () => {
    await built();
    await writeFile(join(root, 'src', 'nested', 'b.ts'), 'b changed');
    await utimes(join(root, 'src', 'nested', 'b.ts'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(await isStale(STEP, root)).toBe(true);
  });

  it('an added or a deleted source makes the step stale', async () => {
    await built();
    await writeFile(join(root, 'src', 'c.ts'), 'c');
    expect(await isStale(STEP, root)).toBe(true);
    await built();
    await unlink(join(root, 'src', 'a.ts'));
    expect(await isStale(STEP, root)).toBe(true);
  });

  it('a missing output makes the step stale whatever the stamp says', async () => {
    await built();
    await unlink(join(root, 'dist', 'cli', 'main.js'));
    expect(await isStale(STEP, root)).toBe(true);
  });
});

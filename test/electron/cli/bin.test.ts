import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../../scripts/bundle-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');

interface BinResult {
  code: number | null;
  stderr: string;
}

/** Runs the bundled bin as a program (its shebang picks node from PATH), as `latchkey …` does once installed. */
async function runBin(entry: string, args: string[], home: string): Promise<BinResult> {
  const child = spawn(entry, args, {
    cwd: home,
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, LATCHKEY_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

describe('the latchkey bin', () => {
  let scratch: string;
  let entry: string;
  beforeAll(async () => {
    // Inside the repo so the bundle's external keytar resolves from node_modules, as in dist/cli.
    await mkdir(join(ROOT, '.cache'), { recursive: true });
    scratch = await mkdtemp(join(ROOT, '.cache', 'bin-test-'));
    entry = (await bundleCli(join(scratch, 'cli'))).entry;
    await chmod(entry, 0o755);
  }, 60_000);
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it.each([['--env-file', 'missing.env'], ['--env-file=missing.env']])(
    'latchkey run %s … answers with its own error, not node\'s "missing.env: not found"',
    async (...option) => {
      const result = await runBin(entry, ['run', ...option, '--', 'true'], scratch);
      expect(result.stderr).not.toContain('not found');
      expect(result.stderr).toContain('error[input.invalid]: latchkey run needs --agent NAME');
      expect(result.code).toBe(2);
    },
  );
});

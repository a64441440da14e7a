/**
 * Before the desktop tests: the Electron test runtime in its cache (installed on first use, see
 * scripts/electron-test-runtime.ts) and the CLI, window and desktop app built if their sources
 * changed (scripts/build-if-stale.ts). The tests find the runtime again from its stamp.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { ensureElectronTestRuntime } from '../../scripts/electron-test-runtime.js';

const ROOT = resolve(import.meta.dirname, '../..');

export default async function setup(): Promise<void> {
  await ensureElectronTestRuntime();
  const build = spawn(process.execPath, ['--import', 'tsx', 'scripts/build-if-stale.ts'], { cwd: ROOT, stdio: 'inherit' });
  const [code] = (await once(build, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`building the app failed (exit ${String(code)})`);
}

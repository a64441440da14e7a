/**
 * Can the desktop app start here? `latchkey start` asks before choosing between Electron and the
 * headless host. It never loads the `electron` package (its index.js downloads the binary when it
 * is missing): it reads where the binary should be, checks it is there, runs `--version` briefly,
 * needs a display on Linux, and needs the built main process. Launching is a plain spawn, no shell.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ENV_PASSPHRASE, scrubEnv } from '../../base/process/scrub-env.js';

/** The main process entry, relative to the package root (electron/main/main.ts built by build:electron). */
export const DESKTOP_MAIN_ENTRY = join('dist', 'electron', 'main', 'main.cjs');

export type DesktopProbe = { ok: true; binary: string; version: string; mainEntry: string } | { ok: false; reason: string };

export interface DesktopProbeOptions {
  /** Latchkey's package root (where node_modules/electron is found from). */
  packageRoot: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** How long `electron --version` may take (default 5 s). */
  timeoutMs?: number;
}

export async function probeDesktop(options: DesktopProbeOptions): Promise<DesktopProbe> {
  const platform = options.platform ?? process.platform;
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(join(options.packageRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const binary = electronBinary(packageDir, options.env, platform);
  if (binary === undefined) return { ok: false, reason: 'the Electron binary was never downloaded' };
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing (${binary})` };
  if (platform === 'linux' && !options.env['DISPLAY'] && !options.env['WAYLAND_DISPLAY']) {
    return { ok: false, reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' };
  }
  const version = await runVersion(binary, options.env, options.timeoutMs ?? 5_000);
  if (!version.ok) return { ok: false, reason: `the Electron binary does not run (${version.reason})` };
  const mainEntry = join(options.packageRoot, DESKTOP_MAIN_ENTRY);
  if (!existsSync(mainEntry)) return { ok: false, reason: `the desktop app is not built (${DESKTOP_MAIN_ENTRY} is missing: run npm run build:electron)` };
  return { ok: true, binary, version: version.version, mainEntry };
}

/** Where the electron package put (or would have put) its binary, as its own index.js computes it. */
function electronBinary(packageDir: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  let relative: string | undefined;
  try {
    relative = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim() || undefined;
  } catch {
    relative = undefined;
  }
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) return join(override, relative ?? (platform === 'win32' ? 'electron.exe' : 'electron'));
  return relative === undefined ? undefined : join(packageDir, 'dist', relative);
}

function runVersion(binary: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: timeoutMs, env: desktopEnv(env, 'probe'), windowsHide: true }, (error, stdout) => {
      const version = stdout.trim().split('\n')[0] ?? '';
      if (error !== null) {
        const reason = error.killed ? `no answer to --version within ${timeoutMs} ms` : (error as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : `exit ${String(error.code ?? 'error')}`;
        resolve({ ok: false, reason });
      } else if (!/^v?\d+\.\d+/.test(version)) resolve({ ok: false, reason: 'unexpected --version output' });
      else resolve({ ok: true, version });
    });
  });
}

/**
 * The environment for Electron: never in run-as-node mode, and without Latchkey's secrets (T34).
 * The desktop app itself is Latchkey and opens the vault, so it keeps the vault passphrase; the
 * `--version` probe gets nothing secret.
 */
function desktopEnv(env: NodeJS.ProcessEnv, use: 'probe' | 'app'): NodeJS.ProcessEnv {
  const copy = scrubEnv(env, use === 'app' ? { keep: [ENV_PASSPHRASE] } : {});
  delete copy['ELECTRON_RUN_AS_NODE'];
  return copy;
}

export interface DesktopLaunch {
  binary: string;
  mainEntry: string;
  env: NodeJS.ProcessEnv;
  /** Subscribes to SIGTERM/SIGHUP; returns the unsubscribe function. */
  onSignal?: (handler: (signal: 'SIGTERM' | 'SIGHUP') => void) => () => void;
  signal?: AbortSignal;
}

/** Runs the desktop app until it exits; its exit code (signals forwarded, Ctrl-C ends it). */
export function launchDesktop(launch: DesktopLaunch): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.binary, [launch.mainEntry], { stdio: 'inherit', env: desktopEnv(launch.env, 'app'), windowsHide: false });
    const stopForwarding = launch.onSignal?.((signal) => child.kill(signal));
    const onAbort = (): void => void child.kill('SIGTERM');
    launch.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = (): void => {
      stopForwarding?.();
      launch.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      cleanUp();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      cleanUp();
      resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal)));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : signal === 'SIGKILL' ? 9 : 15;
}

/**
 * A Latchkey home and a short runtime dir in fresh temporary folders, a `latchkey daemon` (a child
 * process) serving them, and the environment every CLI child of the test shares: the world's
 * BROWSER relay (Chromium answers the sign-in pages), loopback servers allowed, this machine's
 * keychain mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Approval } from '../../shared/agents.js';
import type { World } from '../world/index.js';
import { keychainMode } from './keychain-env.js';
import { runCliOk, startCli, stopCli, waitForOutput, type RunningCli } from './run-cli.js';

export interface CliDaemon {
  readonly env: Record<string, string>;
  readonly home: string;
  readonly runtimeDir: string;
  readonly daemon: RunningCli;
  /** `latchkey <args>` that must succeed: its stdout. */
  cli(args: readonly string[]): Promise<string>;
  /** Stops the daemon (if it still runs) and removes the folders; the world is the caller's. */
  close(): Promise<void>;
}

export interface CliDaemonOptions {
  /** The home folder's name prefix under the system temporary folder. */
  homePrefix: string;
  /** `latchkey daemon` options; default `--approval-timeout 60`. */
  daemonArgs?: readonly string[];
}

export async function startCliDaemon(world: World, options: CliDaemonOptions): Promise<CliDaemon> {
  const home = await mkdtemp(join(tmpdir(), options.homePrefix));
  const runtimeDir = await mkdtemp('/tmp/lkr-'); // short: Unix socket paths are limited to 108 bytes
  const env = {
    ...world.browserRelayEnv(),
    LATCHKEY_HOME: home,
    LATCHKEY_RUNTIME_DIR: runtimeDir,
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    ...keychainMode(),
  };
  const daemon = startCli(['daemon', ...(options.daemonArgs ?? ['--approval-timeout', '60'])], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
  return {
    env,
    home,
    runtimeDir,
    daemon,
    cli: (args) => runCliOk([...args], env),
    close: async () => {
      await stopCli(daemon);
      for (const dir of [home, runtimeDir]) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The first pending approval that `matches`, polled through `latchkey approvals --json` for up to 30 s. */
export async function waitForPendingApproval(env: Record<string, string>, matches: (approval: Approval) => boolean): Promise<Approval> {
  let found: Approval | undefined;
  await expect
    .poll(
      async () => {
        const approvals = JSON.parse(await runCliOk(['approvals', '--json'], env)) as Approval[];
        found = approvals.find((approval) => approval.status === 'pending' && matches(approval));
        return found !== undefined;
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(true);
  if (found === undefined) throw new Error('no pending approval matched');
  return found;
}

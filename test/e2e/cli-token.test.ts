/**
 * `latchkey token` as a credential helper, through the real command in child processes against
 * the test world: a cached token with its minute left is handed out as it is, with no request to
 * the authorization server, whether the command opens the vault itself (no daemon) or asks the
 * daemon serving the data directory over its owner socket. Wall times and AS requests printed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { keychainMode } from '../support/keychain-env.js';
import { runCli, startCli, stopCli, waitForOutput, type RunningCli } from '../support/run-cli.js';

let world: World;
let home: string;
let runtimeDir: string;
let env: Record<string, string>;
let daemon: RunningCli | undefined;

beforeAll(async () => {
  // Access tokens live 300 s: well over the minute `latchkey token` wants left.
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-token-'));
  runtimeDir = await mkdtemp('/tmp/lkr-'); // short: Unix socket paths are limited to 108 bytes
  env = { ...world.browserRelayEnv(), LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir, LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1', ...keychainMode() };
});

afterAll(async () => {
  await stopCli(daemon);
  await world?.close();
  for (const dir of [home, runtimeDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** `latchkey token <mcp-url>`: the token printed, how long the process took, and how many requests reached the AS meanwhile. */
async function timedToken(): Promise<{ token: string; ms: number; asRequests: number }> {
  const before = world.as.tokenRequestCount();
  const started = performance.now();
  const result = await runCli(['token', world.mcpUrl], env);
  const ms = Math.round(performance.now() - started);
  expect(result.code, result.stderr).toBe(0);
  return { token: result.stdout.trim(), ms, asRequests: world.as.tokenRequestCount() - before };
}

describe('latchkey token hands out the cached token', () => {
  it('T2: no request to the AS for a token with its minute left, without a daemon and through one', async () => {
    const connect = await runCli(['connect', world.mcpUrl], env);
    expect(connect.code, connect.stderr).toBe(0);
    expect(world.as.tokenRequestCount('authorization_code')).toBe(1);

    // No daemon: the command opens the vault itself and finds the token from the sign-in still fresh.
    const first = await timedToken();
    const second = await timedToken();
    expect(first.token.split('.')).toHaveLength(3);
    expect(second.token).toBe(first.token);
    expect([first.asRequests, second.asRequests]).toEqual([0, 0]);

    // A daemon serves the data directory: the command asks it over the owner socket, and it too hands out the cached token.
    daemon = startCli(['daemon', '--approval-timeout', '60'], env);
    await waitForOutput(daemon, 'Press Ctrl-C to stop.');
    const viaDaemon = await timedToken();
    expect(viaDaemon.token).toBe(first.token);
    expect(viaDaemon.asRequests).toBe(0);
    expect(world.as.tokenRequestCount()).toBe(1); // the sign-in's code exchange, and nothing since

    console.info(
      `latchkey token (from source, tsx): no daemon ${first.ms} ms then ${second.ms} ms, through the daemon ${viaDaemon.ms} ms; ` +
        `AS token requests for the three: ${first.asRequests + second.asRequests + viaDaemon.asRequests}`,
    );
  }, 180_000);
});

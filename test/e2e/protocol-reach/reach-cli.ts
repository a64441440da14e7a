/**
 * Shared ground for the protocol-reach end-to-end tests: a test world, a Latchkey home with a
 * running `latchkey daemon` (child process), and the real CLI in child processes for `connect`
 * (timed; Chromium answers the sign-in pages through the BROWSER relay), `token`, and agents
 * that are MCP SDK clients talking to `latchkey mcp <url>` over stdio (test/support/agent-mcp.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import { keychainMode } from '../../support/keychain-env.js';
import { startAgentMcp } from '../../support/agent-mcp.js';
import { runCli, startCli, stopCli, waitForOutput, type CliResult, type RunningCli } from '../../support/run-cli.js';
import { startWorld, type World, type WorldOptions } from '../../world/index.js';

export { toolText } from '../../support/agent-mcp.js';

export interface TimedConnect {
  result: CliResult;
  /** Wall-clock milliseconds of the whole `latchkey connect` process (start, discovery, sign-in, exit). */
  ms: number;
}

export interface ReachCli {
  readonly world: World;
  readonly env: Record<string, string>;
  /** `latchkey connect <url> --allow-insecure-loopback --timeout <timeoutSeconds, default 60> …args`, timed. */
  connect(url: string, args?: readonly string[], timeoutSeconds?: number): Promise<TimedConnect>;
  /** `latchkey <args>`. */
  run(args: readonly string[]): Promise<CliResult>;
  /** `latchkey token <url>` that must succeed; the access token. */
  token(url: string): Promise<string>;
  /** The first pending approval of `kind` (polled through `latchkey approvals --json`). */
  pendingApproval(kind: Approval['kind']): Promise<Approval>;
  /** Enrols an agent with a grant on `url` and connects an MCP SDK client to `latchkey mcp <url>` as it (LATCHKEY_AGENT_SECRET). */
  startAgent(name: string, url: string, scopes: readonly string[]): Promise<Client>;
  /** The same, with `latchkey mcp <url>` started inside a `latchkey run --agent <name>` session. */
  startRunAgent(name: string, url: string, scopes: readonly string[]): Promise<Client>;
  close(): Promise<void>;
}

export async function startReachCli(options: WorldOptions = {}): Promise<ReachCli> {
  const world = await startWorld(options);
  const home = await mkdtemp(join(tmpdir(), 'latchkey-reach-'));
  const runtimeDir = await mkdtemp('/tmp/lkr-'); // short: Unix socket paths are limited
  const env = {
    ...world.browserRelayEnv(),
    LATCHKEY_HOME: home,
    LATCHKEY_RUNTIME_DIR: runtimeDir,
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    ...keychainMode(),
  };
  const daemon: RunningCli = startCli(['daemon', '--approval-timeout', '60'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
  const agents: Client[] = [];

  const run = (args: readonly string[]): Promise<CliResult> => runCli([...args], env);
  return {
    world,
    env,
    run,
    connect: async (url, args = [], timeoutSeconds = 60) => {
      const started = performance.now();
      const result = await run(['connect', url, '--allow-insecure-loopback', '--timeout', String(timeoutSeconds), ...args]);
      return { result, ms: Math.round(performance.now() - started) };
    },
    token: async (url) => {
      const result = await run(['token', url]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout.trim();
    },
    pendingApproval: async (kind) => {
      let found: Approval | undefined;
      await expect
        .poll(
          async () => {
            const listed = await run(['approvals', '--json']);
            found = (JSON.parse(listed.stdout) as Approval[]).find((approval) => approval.kind === kind && approval.status === 'pending');
            return found !== undefined;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      if (found === undefined) throw new Error(`no pending ${kind} approval`);
      return found;
    },
    startAgent: async (name, url, scopes) => {
      const client = await startAgentMcp({ env, name, url, scopes, via: 'secret' });
      agents.push(client);
      return client;
    },
    startRunAgent: async (name, url, scopes) => {
      const client = await startAgentMcp({ env, name, url, scopes, via: 'run' });
      agents.push(client);
      return client;
    },
    close: async () => {
      await Promise.allSettled(agents.map((client) => client.close()));
      await stopCli(daemon);
      await world.close();
      await rm(home, { recursive: true, force: true });
      await rm(runtimeDir, { recursive: true, force: true });
    },
  };
}

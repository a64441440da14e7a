/**
 * Shared ground for the protocol-reach end-to-end tests: a test world, a Latchkey home with a
 * running `latchkey daemon` (child process), and the real CLI in child processes for `connect`
 * (timed; Chromium answers the sign-in pages through the BROWSER relay), `token`, and agents
 * that are MCP SDK clients talking to `latchkey mcp <url>` over stdio (test/support/agent-mcp.ts).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import { startAgentMcp } from '../../support/agent-mcp.js';
import { startCliDaemon, waitForPendingApproval } from '../../support/cli-daemon.js';
import { runCli, type CliResult } from '../../support/run-cli.js';
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
  /** Closes `server` (a test-world addition the test started) in close(), before the world. */
  track<T extends { close(): Promise<void> }>(server: T): T;
  close(): Promise<void>;
}

/**
 * The file's ReachCli: started before its tests and closed after them (what a file's own hooks
 * start is closed first). Use it inside tests and hooks: before the file's tests start there is none.
 */
export function useReachCli(options: WorldOptions = {}): ReachCli {
  let started: ReachCli | undefined;
  beforeAll(async () => {
    started = await startReachCli(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const now = (): ReachCli => {
    if (started === undefined) throw new Error('the CLI and its daemon are not started yet: use them inside a test or hook');
    return started;
  };
  return {
    get world() {
      return now().world;
    },
    get env() {
      return now().env;
    },
    connect: (url, args, timeoutSeconds) => now().connect(url, args, timeoutSeconds),
    run: (args) => now().run(args),
    token: (url) => now().token(url),
    pendingApproval: (kind) => now().pendingApproval(kind),
    startAgent: (name, url, scopes) => now().startAgent(name, url, scopes),
    startRunAgent: (name, url, scopes) => now().startRunAgent(name, url, scopes),
    track: (server) => now().track(server),
    close: () => now().close(),
  };
}

export async function startReachCli(options: WorldOptions = {}): Promise<ReachCli> {
  const world = await startWorld(options);
  const setup = await startCliDaemon(world, { homePrefix: 'latchkey-reach-' });
  const { env } = setup;
  const agents: Client[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];

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
    pendingApproval: (kind) => waitForPendingApproval(env, (approval) => approval.kind === kind),
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
    track: (server) => {
      servers.push(server);
      return server;
    },
    close: async () => {
      await Promise.allSettled(agents.map((client) => client.close()));
      await Promise.allSettled(servers.map((server) => server.close()));
      await setup.close();
      await world.close();
    },
  };
}

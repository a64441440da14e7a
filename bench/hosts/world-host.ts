/**
 * Host for the proxy and refresh-storm benchmarks (a child process): the real test world, a wallet
 * (encrypted vault file + audit file in a temp dir) connected to the world's MCP server through a
 * real Chromium sign-in, agents with grants, and the real bridge serving the real broker.
 *
 * The wallet's clock can be moved forward (op `advance`) so the connection's access token, or an
 * agent's cached token, is expired without waiting; the AS keeps real time, and the refresh token
 * stays valid there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridgeServer } from '../../electron/wallet/bridge/server.js';
import { composeWallet } from '../../electron/wallet/wallet.js';
import type { Clock } from '../../electron/base/ports.js';
import { MemorySecretStore } from '../../test/fakes/memory-secret-store.js';
import { startWorld } from '../../test/world/index.js';
import type { StormRun, WorldCounters, WorldHostReady } from '../world.js';
import { serveHost } from './ipc.js';

async function main(): Promise<void> {
  const started = performance.now();
  const world = await startWorld();
  const home = await mkdtemp(join(tmpdir(), 'latchkey-bench-world-'));
  const runtimeDir = await mkdtemp('/tmp/lkw-');
  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs };
  const composed = await composeWallet(
    { home, allowInsecureLoopback: true, vault: { mode: 'keychain' } },
    { opener: world.opener, secretStore: new MemorySecretStore(), clock, env: {} },
  );
  const { wallet, broker } = composed;
  await wallet.connect({ url: world.mcpUrl });
  // The sign-in is done: Chromium would only compete for the CPU while measuring.
  await world.opener.close();
  await world.chromium.close();
  const proxyAgent = await wallet.enrolAgent({ name: 'bench-proxy' });
  await wallet.createGrant({ agent: proxyAgent.agent.id, resource: world.mcpUrl, scopes: ['mcp:read'] });
  const stormAgent = await wallet.enrolAgent({ name: 'bench-storm' });
  await wallet.createGrant({ agent: stormAgent.agent.id, resource: world.mcpUrl, scopes: ['mcp:read'] });
  const never = new AbortController().signal;
  const stormCaller = broker.authenticate(stormAgent.secret);
  if (stormCaller === undefined) throw new Error('the storm agent did not authenticate');
  await broker.token(stormCaller, { resource: world.mcpUrl }, never); // cached, to expire later
  await wallet.accessToken({ url: world.mcpUrl });
  const bridge = await startBridgeServer({ handler: composed.bridge, runtimeDir });
  if (bridge.socketPath === undefined || bridge.url === undefined) throw new Error('the bridge needs both a socket and TCP here');

  const refreshRequests = (): number => world.as.tokenRequestCount('refresh_token');
  /** Fires `count` asks at once; counts the AS refresh requests they caused. */
  const storm = async (count: number, ask: () => Promise<string>): Promise<StormRun> => {
    const before = refreshRequests();
    const samplesMs: number[] = [];
    const tokens = new Set<string>();
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: count }, async () => {
        const s = performance.now();
        try {
          tokens.add(await ask());
        } catch {
          failures += 1;
        }
        samplesMs.push(performance.now() - s);
      }),
    );
    return { asRequests: refreshRequests() - before, samplesMs, wallMs: performance.now() - t0, distinctTokens: tokens.size, failures };
  };

  const ready: WorldHostReady = {
    mcpUrl: world.mcpUrl,
    issuer: world.issuer,
    bridge: { socketPath: bridge.socketPath, url: bridge.url },
    proxyAgentSecret: proxyAgent.secret,
    setupMs: performance.now() - started,
  };
  serveHost(
    ready,
    {
      counters: async (): Promise<WorldCounters> => {
        const tokenRequests: Record<string, number> = {};
        for (const record of world.as.tokenRequests) tokenRequests[record.grantType] = (tokenRequests[record.grantType] ?? 0) + 1;
        return { tokenRequests, mcpRequests: world.mcp.counters.requests, toolCalls: { ...world.mcp.counters.toolCalls } };
      },
      /** Moves the wallet's clock past every access token it holds (AS tokens live 300 s). */
      advance: async () => {
        offsetMs += 2 * 3600_000;
        return offsetMs;
      },
      stormOwner: async (args) => {
        const { count } = args as { count: number };
        return storm(count, async () => (await wallet.accessToken({ url: world.mcpUrl })).accessToken);
      },
      stormAgent: async (args) => {
        const { count } = args as { count: number };
        return storm(count, async () => (await broker.token(stormCaller, { resource: world.mcpUrl }, never)).access_token);
      },
    },
    async () => {
      await bridge.close();
      await wallet.close();
      await world.close();
      for (const dir of [home, runtimeDir]) await rm(dir, { recursive: true, force: true });
    },
  );
}

await main();

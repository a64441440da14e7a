/**
 * Host for the hand-out benchmark (a child process): the composed wallet (encrypted vault file,
 * audit log on a real file in a temp dir, a fake token endpoint: only cache hits are measured),
 * the real bridge server on a Unix socket and 127.0.0.1, and the bare baseline servers.
 *
 * N agents are enrolled, each with a grant, and each gets one token first so every measured
 * request is a cache hit. The bridge's per-agent rate limit is raised for the benchmark: with the
 * default (20/s, burst 40) a back-to-back agent is refused after 40 requests.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { capYoungGeneration } from '../../electron/base/runtime/young-generation.js';
import { startBridgeServer } from '../../electron/wallet/bridge/server.js';
import { composeWallet } from '../../electron/wallet/wallet.js';
import { FakeTokenEndpoint } from '../../test/fakes/fake-token-endpoint.js';
import { MemorySecretStore } from '../../test/fakes/memory-secret-store.js';
import { startBareServer } from '../bare-server.js';
import { serveHost } from './ipc.js';
import { seedConnection } from '../../test/support/seed-connection.js';

export const HANDOUT_RESOURCE = 'https://mcp.example.test/mcp';

export interface HandoutHostReady {
  bridge: { socketPath: string; url: string };
  bare: { socketPath: string; url: string };
  secrets: string[];
  resource: string;
  /** The bridge's answer to agent 0, byte length (the bare server answers the same size). */
  answerBytes: number;
  setupMs: number;
  vaultBytes: number;
}

export interface HandoutHostStats {
  /** Requests the fake AS token endpoint has seen (must not move while measuring). */
  tokenRequests: number;
  /** Audit events written so far. */
  auditEvents: number;
  auditBytes: number;
  /** CPU time (user + system) the host has used so far, µs: its difference over a run, per request, is what a request cost. */
  cpuMicros: number;
  /** The event loop's longest delay since the previous stats call, ms. */
  loopDelay: { maxMs: number };
}

async function main(): Promise<void> {
  const started = performance.now();
  // As a wallet host does (electron/cli/launch.ts).
  capYoungGeneration();
  const agentCount = Number(process.env['BENCH_AGENTS'] ?? '200');
  const home = await mkdtemp(join(tmpdir(), 'latchkey-bench-'));
  const runtimeDir = await mkdtemp('/tmp/lkb-'); // short: Unix socket paths are limited to 108 bytes
  const bareDir = await mkdtemp('/tmp/lkbb-');
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  // Mint without rotating the refresh token: warming 200 agents then costs no vault write each.
  let minted = 0;
  endpoint.replies['refresh_token'] = async () => ({
    status: 200,
    body: { access_token: `bench-at-${++minted}`, token_type: 'Bearer', expires_in: 3600, scope: 'mcp:read' },
  });
  const composed = await composeWallet(
    { home, allowInsecureLoopback: false, vault: { mode: 'keychain' } },
    { fetch: endpoint.fetch, secretStore: new MemorySecretStore(), env: {} },
  );
  const { wallet, broker, audit } = composed;
  await seedConnection(composed.vault, HANDOUT_RESOURCE);

  const secrets: string[] = [];
  for (let i = 0; i < agentCount; i += 1) {
    const enrolled = await wallet.enrolAgent({ name: `bench-agent-${i}` });
    await wallet.createGrant({ agent: enrolled.agent.id, resource: HANDOUT_RESOURCE, scopes: ['mcp:read'] });
    secrets.push(enrolled.secret);
  }
  // Warm the cache: one minted token per agent.
  const never = new AbortController().signal;
  let answer = '';
  for (const secret of secrets) {
    const caller = broker.authenticate(secret);
    if (caller === undefined) throw new Error('an enrolled agent did not authenticate');
    const token = await broker.token(caller, { resource: HANDOUT_RESOURCE }, never);
    if (answer === '') answer = JSON.stringify(token);
  }

  const bridge = await startBridgeServer({ handler: composed.bridge, runtimeDir, limits: { ratePerSecond: 1e9, rateBurst: 1e9 } });
  const bareUnix = await startBareServer(answer, { socketPath: join(bareDir, 'bare.sock') });
  const bareTcp = await startBareServer(answer, { tcp: true });
  if (bridge.socketPath === undefined || bridge.url === undefined) throw new Error('the bridge needs both a socket and TCP here');

  const ready: HandoutHostReady = {
    bridge: { socketPath: bridge.socketPath, url: bridge.url },
    bare: { socketPath: bareUnix.socketPath!, url: bareTcp.url! },
    secrets,
    resource: HANDOUT_RESOURCE,
    answerBytes: Buffer.byteLength(answer),
    setupMs: performance.now() - started,
    vaultBytes: (await stat(composed.vault.path)).size,
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  serveHost(
    ready,
    {
      stats: async (): Promise<HandoutHostStats> => {
        const cpu = process.cpuUsage();
        const delay = { maxMs: loopDelay.max / 1e6 };
        loopDelay.reset();
        return {
          tokenRequests: endpoint.requestsTo('/token').length,
          auditEvents: (audit.head()?.seq ?? -1) + 1,
          auditBytes: (await stat(audit.path)).size,
          cpuMicros: cpu.user + cpu.system,
          loopDelay: delay,
        };
      },
    },
    async () => {
      loopDelay.disable();
      await bridge.close();
      await bareUnix.close();
      await bareTcp.close();
      await wallet.close();
      for (const dir of [home, runtimeDir, bareDir]) await rm(dir, { recursive: true, force: true });
    },
  );
}


await main();

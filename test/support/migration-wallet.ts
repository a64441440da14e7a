/**
 * The real wallet, composed with a memory vault, against the real test world and its migration
 * scenarios (test/world/migration.ts: an MCP SDK server whose metadata moves from the world's
 * oidc-provider to a second one), for wallet tests of a server that moves its sign-in. Sign-ins go
 * through the world's Chromium opener.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeWallet, type ComposedWallet } from '../../electron/wallet/wallet.js';
import { startWorld, type World } from '../world/index.js';
import { startMigrationScenario, type MigrationScenario } from '../world/migration.js';

export interface MigrationWallet {
  readonly world: World;
  readonly composed: ComposedWallet;
  /** A new migration scenario on the world, closed with the rest. */
  moving(): Promise<MigrationScenario>;
  close(): Promise<void>;
}

export async function startMigrationWallet(homePrefix: string): Promise<MigrationWallet> {
  const world = await startWorld();
  const home = await mkdtemp(join(tmpdir(), homePrefix));
  const composed = await composeWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener });
  const scenarios: MigrationScenario[] = [];
  return {
    world,
    composed,
    moving: async () => {
      const scenario = await startMigrationScenario(world);
      scenarios.push(scenario);
      return scenario;
    },
    close: async () => {
      await composed.wallet.close();
      await Promise.all(scenarios.map((scenario) => scenario.close()));
      await world.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** An MCP `initialize` with a bearer token, as a 2025-06-18 client: the status and the challenge, if any. */
export async function initializeWithToken(url: string, token: string, clientName: string): Promise<{ status: number; wwwAuthenticate: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: clientName, version: '0' } },
    }),
  });
  await response.body?.cancel();
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
}

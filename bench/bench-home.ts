/**
 * A data directory for the benchmarks that spawn the real CLI or daemon, made through the wallet's
 * own APIs in this process (composeWallet over the real vault: the OS keychain or a passphrase
 * file): connections to a loopback AS, each with a valid cached access token, enrolled agents with
 * grants, and audit events appended through the audit log (hash chain and vault anchor included).
 */
import { realpath, rm } from 'node:fs/promises';
import { fingerprint } from '../electron/base/log/fingerprint.js';
import { deleteKeychainKey, keychainAccountFor } from '../electron/wallet/vault/key-source.js';
import { createKeytarSecretStore } from '../electron/wallet/vault/keytar-secret-store.js';
import { ConnectionStore } from '../electron/wallet/connections/connection-store.js';
import { composeWallet } from '../electron/wallet/wallet.js';
import type { WalletConfig } from '../electron/wallet/wallet-api.js';
import { fakeServerMetadata } from '../test/fakes/fake-token-endpoint.js';

export interface HomePlan {
  home: string;
  vault: WalletConfig['vault'];
  /** The loopback AS's issuer (bench/loopback-as.ts). */
  issuer: string;
  connections: number;
  agents: number;
  /** Each agent gets a grant on this many connections (at most `connections`). */
  grantsPerAgent: number;
  /** Audit events in all, counting those enrolment and grants wrote. */
  auditEvents: number;
}

export interface SeededHome {
  /** The connections' canonical URLs, first one first. */
  resources: string[];
  /** The agents' secrets, in enrolment order. */
  secrets: string[];
  grants: number;
  auditEvents: number;
  setupMs: number;
}

export function resourceOf(issuer: string, index: number): string {
  return `${issuer}/mcp/${index}`;
}

export async function seedHome(plan: HomePlan): Promise<SeededHome> {
  const started = performance.now();
  const composed = await composeWallet({ home: plan.home, allowInsecureLoopback: true, vault: plan.vault }, { env: {} });
  const { wallet, audit } = composed;
  try {
    const store = new ConnectionStore(composed.vault);
    await store.putClient({ issuer: plan.issuer, clientId: 'bench-client', tokenEndpointAuthMethod: 'none', registration: 'dcr', redirectUris: [], registeredAt: 0 });
    const resources: string[] = [];
    const now = Date.now();
    for (let i = 0; i < plan.connections; i += 1) {
      const resource = resourceOf(plan.issuer, i);
      resources.push(resource);
      await store.putConnection({
        resource,
        serverUrl: resource,
        issuer: plan.issuer,
        clientId: 'bench-client',
        serverMetadata: fakeServerMetadata({
          issuer: plan.issuer,
          authorization_endpoint: `${plan.issuer}/authorize`,
          token_endpoint: `${plan.issuer}/token`,
          revocation_endpoint: `${plan.issuer}/revoke`,
          registration_endpoint: `${plan.issuer}/register`,
        }),
        scopes: ['mcp:read', 'mcp:write'],
        deniedScopes: [],
        sendResource: true,
        refreshToken: `bench-rt-${i}`,
        accessToken: { value: `bench-owner-at-${i}`, expiresAt: now + 12 * 3600_000, scope: ['mcp:read', 'mcp:write'], lifetimeSeconds: 12 * 3600 },
        status: 'ok',
        connectedAt: now,
        updatedAt: now,
      });
    }
    const secrets: string[] = [];
    let grants = 0;
    for (let a = 0; a < plan.agents; a += 1) {
      const enrolled = await wallet.enrolAgent({ name: `bench-agent-${a}` });
      secrets.push(enrolled.secret);
      for (let g = 0; g < Math.min(plan.grantsPerAgent, resources.length); g += 1) {
        await wallet.createGrant({ agent: enrolled.agent.id, resource: resources[(a + g) % resources.length]!, scopes: ['mcp:read'] });
        grants += 1;
      }
    }
    const agents = await wallet.listAgents();
    let written = (audit.head()?.seq ?? -1) + 1;
    const appends: Array<Promise<void>> = [];
    for (; written < plan.auditEvents; written += 1) {
      const agent = agents[written % agents.length];
      appends.push(
        audit.record({
          type: written % 10 === 9 ? 'token.refused' : 'token.issued',
          ...(agent === undefined ? {} : { agentId: agent.id, agentName: agent.name }),
          resource: resources[written % resources.length]!,
          scopes: ['mcp:read'],
          outcome: written % 10 === 9 ? 'denied' : 'ok',
          ...(written % 10 === 9 ? { reason: 'grant.missing' } : { tokenFingerprint: fingerprint(`bench-token-${written}`) }),
        }),
      );
      // Bounded batches: the log's queue takes them in order, memory stays flat.
      if (appends.length === 2000) await Promise.all(appends.splice(0));
    }
    await Promise.all(appends);
    return { resources, secrets, grants, auditEvents: (audit.head()?.seq ?? -1) + 1, setupMs: performance.now() - started };
  } finally {
    await wallet.close();
  }
}

/** Removes a seeded data directory and, for a keychain vault, its key in the keychain (a developer's keyring keeps no bench keys). */
export async function removeHome(home: string, mode: WalletConfig['vault']['mode']): Promise<void> {
  if (mode === 'keychain') {
    const dir = await realpath(home).catch(() => undefined);
    if (dir !== undefined) await deleteKeychainKey(createKeytarSecretStore(), keychainAccountFor(dir));
  }
  await rm(home, { recursive: true, force: true });
}

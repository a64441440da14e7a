/**
 * Stores a connection to `resource` as `latchkey connect` would have, issued by the fake AS of
 * test/fakes/fake-token-endpoint.ts: for tests and benchmarks that need a connected wallet
 * without a browser round trip.
 */
import type { Vault } from '../../electron/wallet/vault/index.js';
import { ConnectionStore } from '../../electron/wallet/connections/connection-store.js';
import { FAKE_ISSUER, fakeServerMetadata } from '../fakes/fake-token-endpoint.js';

/** `account`: stored as that account of the server (T8), with a refresh token of its own (`rt-<account>`). */
export async function seedConnection(vault: Vault, resource: string, account?: string): Promise<void> {
  const store = new ConnectionStore(vault);
  await store.putClient({ issuer: FAKE_ISSUER, clientId: 'c1', tokenEndpointAuthMethod: 'none', registration: 'dcr', redirectUris: [], registeredAt: 0 });
  await store.putConnection({
    resource,
    ...(account === undefined ? {} : { account }),
    serverUrl: resource,
    issuer: FAKE_ISSUER,
    clientId: 'c1',
    serverMetadata: { ...fakeServerMetadata() },
    scopes: ['mcp:read', 'mcp:write'],
    deniedScopes: [],
    sendResource: true,
    refreshToken: account === undefined ? 'rt-0' : `rt-${account}`,
    status: 'ok',
    connectedAt: 0,
    updatedAt: 0,
  });
}

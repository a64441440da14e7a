/**
 * A connection's sign-in settings (resource left out, a fixed callback port, the kept channel)
 * hold for every later sign-in the wallet makes for it, not only the `latchkey connect` that set
 * them: here a 401 whose refresh is refused signs in again through the browser.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { ConnectionService } from '../../../../electron/wallet/connections/connection-service.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { ConnectionTokens } from '../../../../electron/wallet/connections/connection-tokens.js';
import type { ConnectionRecord } from '../../../../electron/wallet/oauth/records.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { CallbackBrowser } from '../../../fakes/callback-browser.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const vaults: Vault[] = [];
afterEach(async () => {
  await Promise.all(vaults.splice(0).map((v) => v.close()));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function setup(record: Partial<ConnectionRecord>, redirectUris: string[] = []) {
  const clock = { now: () => 1_000_000 };
  const vault = await openVault({ dir: '/nonexistent', mode: 'memory' });
  vaults.push(vault);
  const store = new ConnectionStore(vault);
  const endpoint = new FakeTokenEndpoint();
  endpoint.replies['refresh_token'] = { status: 400, body: { error: 'invalid_grant' } };
  await store.putClient({ issuer: FAKE_ISSUER, clientId: 'c1', tokenEndpointAuthMethod: 'none', registration: 'dcr', redirectUris, registeredAt: 0 });
  await store.putConnection({
    resource: RESOURCE,
    serverUrl: RESOURCE,
    issuer: FAKE_ISSUER,
    clientId: 'c1',
    serverMetadata: { ...fakeServerMetadata() },
    scopes: ['mcp:read'],
    deniedScopes: [],
    sendResource: true,
    refreshToken: 'rt-0',
    accessToken: { value: 'at-0', expiresAt: 2_000_000, scope: ['mcp:read'] },
    status: 'ok',
    connectedAt: 0,
    updatedAt: 0,
    ...record,
  });
  const browser = new CallbackBrowser(FAKE_ISSUER);
  const net = { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } };
  const tokens = new ConnectionTokens({ store, net, clock, logger: silentLogger });
  const service = new ConnectionService({ store, tokens, net, opener: browser, clock, logger: silentLogger });
  return { service, store, endpoint, browser };
}

describe('sign-in settings kept with the connection', () => {
  it('a re-sign-in after a 401 leaves resource out, binds the fixed port, and keeps every setting', async () => {
    const port = await freePort();
    const { service, store, endpoint, browser } = await setup(
      { sendResource: false, callbackPort: port, signIn: 'device' },
      [`http://127.0.0.1:${port}/callback`],
    );
    await expect(service.handleAuthChallenge(RESOURCE, 401, 'Bearer error="invalid_token"')).resolves.toMatchObject({ accessToken: expect.any(String) });
    const authorization = browser.opened[0]!;
    expect(authorization.searchParams.has('resource')).toBe(false);
    expect(authorization.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    const requests = endpoint.requestsTo('/token');
    expect(requests.map((r) => r.params.get('grant_type'))).toEqual(['refresh_token', 'authorization_code']);
    expect(requests.every((r) => !r.params.has('resource'))).toBe(true);
    expect(store.connection({ resource: RESOURCE })).toMatchObject({ sendResource: false, callbackPort: port, signIn: 'device', status: 'ok' });
    expect(service.list()[0]).toMatchObject({ sendResource: false, callbackPort: port, signIn: 'device' });
  });

  it('a fixed port the registration does not name is registration.outdated before any browser opens', async () => {
    const port = await freePort();
    const { service, browser } = await setup({ callbackPort: port }, ['http://127.0.0.1/callback']);
    await expect(service.handleAuthChallenge(RESOURCE, 401, null)).rejects.toMatchObject({ code: ErrorCode.RegistrationOutdated });
    expect(browser.opened).toEqual([]);
  });

  it('an explicit connect can change them: --resource sends it again, --callback-port 0 forgets the port, --browser the channel', async () => {
    const port = await freePort();
    const { service, store, browser } = await setup({ sendResource: false, callbackPort: port, signIn: 'paste' }, [`http://127.0.0.1:${port}/callback`]);
    // The connect probes the server first; here the re-sign-in path stands in for it with the same options.
    await service.handleAuthChallenge(RESOURCE, 401, null, { sendResource: true, callbackPort: 0, signIn: 'browser' });
    expect(browser.opened[0]?.searchParams.get('resource')).toBe(RESOURCE);
    expect(new URL(browser.opened[0]!.searchParams.get('redirect_uri')!).port).not.toBe(String(port));
    const record = store.connection({ resource: RESOURCE });
    expect(record?.sendResource).toBe(true);
    expect(record?.callbackPort).toBeUndefined();
    expect(record?.signIn).toBeUndefined();
  });
});

/**
 * A whole connect to 2025-03-26-style servers (protocol.md P5) through ConnectionService over real
 * HTTP: no protected resource metadata; the authorization server is the MCP server's origin. The
 * "browser" approves at once (CallbackBrowser) and, like those servers, sends no `iss`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../../electron/wallet/connections/connection-service.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { ConnectionTokens } from '../../../../electron/wallet/connections/connection-tokens.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { CallbackBrowser } from '../../../fakes/callback-browser.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';

let fx: HttpFixture;
let safeFetch: SafeFetch;
let vault: Vault;
let tokenCalls = 0;

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  vault = await openVault({ dir: '/nonexistent', mode: 'memory' });
  tokenCalls = 0;
});

afterEach(async () => {
  await vault.close();
  await safeFetch.close();
  await fx.close();
});

/** The MCP server's 401 and an authorization server at its origin, endpoints under `prefix`. */
function serveLegacyServer(prefix: string): void {
  fx.route('/mcp', (_req, res) => sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' }));
  // Like the 2025-03-26 fallback server: a secret, but no token_endpoint_auth_method and no expiry.
  fx.route(`${prefix}/register`, (req, res) => {
    const body = JSON.parse(req.body) as { redirect_uris?: string[] };
    sendJson(res, 201, { client_id: 'legacy-client', client_secret: 'legacy-secret', redirect_uris: body.redirect_uris ?? [] });
  });
  fx.route(`${prefix}/token`, (_req, res) => {
    tokenCalls += 1;
    sendJson(res, 200, { access_token: `at-${tokenCalls}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${tokenCalls}` });
  });
}

function compose() {
  const store = new ConnectionStore(vault);
  const net = { fetch: safeFetch, policy: { allowInsecureLoopback: true } };
  const clock = { now: () => Date.now() };
  const tokens = new ConnectionTokens({ store, net, clock, logger: silentLogger, audit: { record: async () => {} } });
  const browser = new CallbackBrowser(fx.origin);
  browser.tamper = (params) => ({ ...params, iss: null });
  const service = new ConnectionService({ store, tokens, net, opener: browser, clock, logger: silentLogger });
  return { store, tokens, browser, service };
}

describe('connect to a 2025-03-26 server (P5)', () => {
  it('P5: no metadata at all: registers, signs in and refreshes at the origin’s default endpoints, with S256 and state', async () => {
    serveLegacyServer('');
    const { store, tokens, browser, service } = compose();
    const connected = await service.connect(`${fx.origin}/mcp`);
    expect(connected.issuer).toBe(fx.origin);

    const [authorization] = browser.opened;
    expect(authorization?.origin + (authorization?.pathname ?? '')).toBe(`${fx.origin}/authorize`);
    expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization?.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/u);
    expect(authorization?.searchParams.get('state')).toBeTruthy();

    const record = store.connection({ resource: `${fx.origin}/mcp` });
    expect(record?.legacyDiscovery).toBe('default-endpoints');
    expect(record?.resourceMetadataUrl).toBeUndefined();
    expect(record?.serverMetadata).toMatchObject({ issuer: fx.origin, token_endpoint: `${fx.origin}/token` });

    const refreshed = await tokens.refresh(record!);
    expect(refreshed.accessToken?.value).toBe('at-2');
    expect(refreshed.legacyDiscovery).toBe('default-endpoints');
    const paths = fx.requests.map((r) => `${r.method} ${new URL(r.path, fx.origin).pathname}`);
    expect(paths.filter((p) => p.startsWith('POST /token'))).toHaveLength(2);
    expect(paths).toContain('POST /register');
  });

  it('P5: metadata at the origin: its endpoints (under /oauth) are used, not the defaults', async () => {
    serveLegacyServer('/oauth');
    fx.route('/.well-known/oauth-authorization-server', (_req, res) =>
      sendJson(res, 200, {
        issuer: fx.origin,
        authorization_endpoint: `${fx.origin}/oauth/authorize`,
        token_endpoint: `${fx.origin}/oauth/token`,
        registration_endpoint: `${fx.origin}/oauth/register`,
        code_challenge_methods_supported: ['S256'],
      }),
    );
    const { store, browser, service } = compose();
    await service.connect(`${fx.origin}/mcp`);
    expect(browser.opened[0]?.pathname).toBe('/oauth/authorize');
    expect(store.connection({ resource: `${fx.origin}/mcp` })?.legacyDiscovery).toBe('metadata');
    const paths = fx.requests.map((r) => new URL(r.path, fx.origin).pathname);
    expect(paths).not.toContain('/register');
    expect(paths).not.toContain('/token');
    expect(tokenCalls).toBe(1);
  });
});

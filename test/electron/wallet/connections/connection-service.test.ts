/**
 * Token lifecycle of a stored connection against a fake token endpoint (T2, T4, T08, O15, O17).
 * The browser flows and discovery run against the real test world in test/e2e.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { ConnectionService } from '../../../../electron/wallet/connections/connection-service.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { ConnectionTokens, type TokenAudit } from '../../../../electron/wallet/connections/connection-tokens.js';
import type { NetworkContext } from '../../../../electron/wallet/oauth/client-config.js';
import type { Clock } from '../../../../electron/base/ports.js';
import { openAuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import type { AuditEvent } from '../../../../shared/agents.js';
import type { ConnectionRecord } from '../../../../electron/wallet/oauth/records.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const vaults: Vault[] = [];
afterEach(async () => {
  await Promise.all(vaults.splice(0).map((v) => v.close()));
});

type Audited = Parameters<TokenAudit['record']>[0];

/** The service and the one owner of its connections' tokens, over one store. */
function compose(store: ConnectionStore, net: NetworkContext, clock: Clock, audited: Audited[] = []) {
  const tokens = new ConnectionTokens({ store, net, clock, logger: silentLogger, audit: { record: async (event) => void audited.push(event) } });
  const service = new ConnectionService({ store, tokens, net, opener: { open: async () => {} }, clock, logger: silentLogger });
  return { service, tokens };
}

async function setup(record: Partial<ConnectionRecord> = {}, metadata = fakeServerMetadata()) {
  let now = 1_000_000;
  const clock = { now: () => now };
  const vault = await openVault({ dir: '/nonexistent', mode: 'memory' });
  vaults.push(vault);
  const store = new ConnectionStore(vault);
  const endpoint = new FakeTokenEndpoint();
  await store.putClient({ issuer: FAKE_ISSUER, clientId: 'c1', tokenEndpointAuthMethod: 'none', registration: 'dcr', redirectUris: [], registeredAt: 0 });
  await store.putConnection({
    resource: RESOURCE,
    serverUrl: RESOURCE,
    issuer: FAKE_ISSUER,
    clientId: 'c1',
    serverMetadata: { ...metadata },
    scopes: ['mcp:read'],
    deniedScopes: [],
    sendResource: true,
    refreshToken: 'rt-0',
    accessToken: { value: 'at-expired', expiresAt: now - 1, scope: ['mcp:read'] },
    status: 'ok',
    connectedAt: 0,
    updatedAt: 0,
    ...record,
  });
  const opener = { opened: [] as URL[], open: async (url: URL) => void opener.opened.push(url) };
  const net = { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } };
  const audited: Audited[] = [];
  const tokens = new ConnectionTokens({ store, net, clock, logger: silentLogger, audit: { record: async (event) => void audited.push(event) } });
  const service = new ConnectionService({ store, tokens, net, opener, clock, logger: silentLogger });
  return { service, tokens, store, endpoint, vault, opener, audited, advance: (ms: number) => (now += ms) };
}

describe('access tokens (T2, T08)', () => {
  it('a fresh cached token is handed out without any request', async () => {
    const { service, endpoint } = await setup({ accessToken: { value: 'at-live', expiresAt: 1_000_000 + 600_000, scope: ['mcp:read'] } });
    await expect(service.accessToken(RESOURCE)).resolves.toMatchObject({ accessToken: 'at-live', tokenType: 'Bearer' });
    expect(endpoint.requests).toHaveLength(0);
  });

  it('O15: 50 parallel asks on an expired token share one refresh; the rotated token is stored', async () => {
    const { service, endpoint, store } = await setup();
    let release!: () => void;
    endpoint.gate = () => new Promise<void>((resolve) => (release = resolve));
    const asks = Array.from({ length: 50 }, () => service.accessToken(RESOURCE));
    await expect.poll(() => endpoint.requests.length).toBe(1);
    release();
    const tokens = await Promise.all(asks);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
    const sent = endpoint.requests[0]!.params;
    expect(sent.get('grant_type')).toBe('refresh_token');
    expect(sent.get('refresh_token')).toBe('rt-0');
    expect(sent.get('resource')).toBe(RESOURCE);
    const stored = store.connection({ resource: RESOURCE })!;
    expect(stored.refreshToken).toBe('rt-1');
    expect(stored.accessToken?.value).toBe(tokens[0]!.accessToken);
  });

  it('T2: a token about to expire (inside the minimum lifetime) is refreshed before use', async () => {
    const { service, endpoint } = await setup({ accessToken: { value: 'at-short', expiresAt: 1_000_000 + 30_000, scope: ['mcp:read'] } });
    const token = await service.accessToken(RESOURCE, { minTtlSeconds: 60 });
    expect(token.accessToken).not.toBe('at-short');
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
  });

  it('T2: the rotated refresh token is persisted before the new access token is handed out', async () => {
    const { service, vault } = await setup();
    const before = vault.generation;
    const token = await service.accessToken(RESOURCE);
    // The vault generation moved on before the promise resolved.
    expect(vault.generation).toBeGreaterThan(before);
    const doc = vault.read() as { connections: Record<string, ConnectionRecord> };
    expect(doc.connections[RESOURCE]?.refreshToken).toBe('rt-1');
    expect(doc.connections[RESOURCE]?.accessToken?.value).toBe(token.accessToken);
  });

  it('T2: invalid_grant marks the connection "needs re-auth", erases its tokens, and does not loop', async () => {
    const { service, endpoint, store } = await setup();
    endpoint.replies['refresh_token'] = { status: 400, body: { error: 'invalid_grant' } };
    await expect(service.accessToken(RESOURCE)).rejects.toMatchObject({ code: ErrorCode.NeedsReauth, hint: expect.stringContaining('latchkey connect') });
    const stored = store.connection({ resource: RESOURCE })!;
    expect(stored.status).toBe('needs-reauth');
    expect(stored.refreshToken).toBeUndefined();
    expect(stored.accessToken).toBeUndefined();
    await expect(service.accessToken(RESOURCE)).rejects.toMatchObject({ code: ErrorCode.NeedsReauth });
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
    expect(service.list()[0]).toMatchObject({ status: 'needs-reauth', hasRefreshToken: false });
  });

  it('T2: an unreachable AS is a clear error and loses nothing', async () => {
    const { service, store } = await setup();
    const broken = compose(store, { fetch: () => Promise.reject(new TypeError('fetch failed')), policy: { allowInsecureLoopback: false } }, { now: () => 1_000_000 }).service;
    await expect(broken.accessToken(RESOURCE)).rejects.toMatchObject({ code: ErrorCode.TokenRequestFailed });
    expect(store.connection({ resource: RESOURCE })).toMatchObject({ refreshToken: 'rt-0', status: 'ok' });
    await expect(service.accessToken(RESOURCE)).resolves.toMatchObject({ accessToken: expect.stringMatching(/^at-/) });
  });

  it('O17: a token is handed out only for the exact canonical resource', async () => {
    const { service } = await setup({ accessToken: { value: 'at-live', expiresAt: 9e15, scope: ['mcp:read'] } });
    await expect(service.accessToken('https://MCP.example.test:443/mcp')).resolves.toMatchObject({ accessToken: 'at-live' });
    for (const variant of [
      'https://mcp.example.test/mcp/',
      'https://mcp.example.test/mc',
      'https://mcp.example.test/mcp/admin',
      'https://mcp.example.test:8443/mcp',
      'https://mcp.example.test.evil.example/mcp',
    ]) {
      await expect(service.accessToken(variant), variant).rejects.toMatchObject({ code: ErrorCode.NotConnected });
    }
  });
});

describe('disconnect (T4)', () => {
  it('T4: revokes the refresh token at the AS, then erases the connection', async () => {
    const { service, endpoint, store } = await setup();
    await expect(service.disconnect(RESOURCE)).resolves.toEqual({ resource: RESOURCE, revocation: 'revoked' });
    const revoke = endpoint.requestsTo('/revoke');
    expect(revoke).toHaveLength(1);
    expect(revoke[0]!.params.get('token')).toBe('rt-0');
    expect(revoke[0]!.params.get('token_type_hint')).toBe('refresh_token');
    expect(store.connection({ resource: RESOURCE })).toBeUndefined();
  });

  it('T4: erases locally even when the AS is unreachable', async () => {
    const { store } = await setup();
    const offline = compose(store, { fetch: () => Promise.reject(new TypeError('fetch failed')), policy: { allowInsecureLoopback: false } }, { now: () => 1 }).service;
    await expect(offline.disconnect(RESOURCE)).resolves.toMatchObject({ revocation: 'failed' });
    expect(store.connection({ resource: RESOURCE })).toBeUndefined();
  });

  it('T4: without a revocation endpoint, says so and erases locally', async () => {
    const { service, store, endpoint } = await setup({}, fakeServerMetadata({ revocation_endpoint: undefined }));
    await expect(service.disconnect(RESOURCE)).resolves.toMatchObject({ revocation: 'unsupported' });
    expect(endpoint.requests).toHaveLength(0);
    expect(store.connection({ resource: RESOURCE })).toBeUndefined();
  });

  it('disconnecting an unknown server is a clear error', async () => {
    const { service } = await setup();
    await expect(service.disconnect('https://other.example.test/mcp')).rejects.toMatchObject({ code: ErrorCode.NotConnected });
  });
});

describe('step-up (T3)', () => {
  it('T3: a remembered declined upgrade is not asked again; the browser is not opened', async () => {
    const { service, opener } = await setup({ deniedScopes: ['mcp:admin'] });
    await expect(
      service.handleAuthChallenge(RESOURCE, 403, 'Bearer error="insufficient_scope", scope="mcp:read mcp:admin"'),
    ).rejects.toMatchObject({ code: ErrorCode.StepUpLimit });
    expect(opener.opened).toHaveLength(0);
  });

  it('T3: a 403 without insufficient_scope is not a step-up', async () => {
    const { service, opener } = await setup();
    await expect(service.handleAuthChallenge(RESOURCE, 403, 'Bearer error="invalid_token"')).rejects.toMatchObject({ code: ErrorCode.AuthorizationFailed });
    expect(opener.opened).toHaveLength(0);
  });

  it('T2: a 401 on a live token refreshes once and hands out the new token', async () => {
    const { service, endpoint, opener } = await setup({ accessToken: { value: 'at-live', expiresAt: 9e15, scope: ['mcp:read'] } });
    const token = await service.handleAuthChallenge(RESOURCE, 401, 'Bearer error="invalid_token"');
    expect(token.accessToken).not.toBe('at-live');
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
    expect(opener.opened).toHaveLength(0);
  });
});

describe('agent tokens (T5)', () => {
  it('T5: mints a token narrowed to the asked scopes with resource; the rotated refresh token is stored first', async () => {
    const { tokens, endpoint, store } = await setup({ scopes: ['mcp:read', 'mcp:write'] });
    const token = await tokens.mint({ resource: RESOURCE }, ['mcp:read']);
    const sent = endpoint.requestsTo('/token')[0]!.params;
    expect(sent.get('grant_type')).toBe('refresh_token');
    expect(sent.get('scope')).toBe('mcp:read');
    expect(sent.get('resource')).toBe(RESOURCE);
    expect(token.scope).toEqual(['mcp:read']);
    expect(store.connection({ resource: RESOURCE })!.refreshToken).toBe('rt-1');
    // The owner's cached token is left alone.
    expect(store.connection({ resource: RESOURCE })!.accessToken?.value).toBe('at-expired');
  });

  it('T5: an AS that cannot narrow gives grant.cannot_narrow, never a wider token', async () => {
    const { tokens, endpoint } = await setup({ scopes: ['mcp:read', 'mcp:write'] });
    endpoint.replies['refresh_token'] = { status: 400, body: { error: 'invalid_scope' } };
    await expect(tokens.mint({ resource: RESOURCE }, ['mcp:read'])).rejects.toMatchObject({ code: ErrorCode.CannotNarrow });
    endpoint.replies['refresh_token'] = { status: 200, body: { access_token: 'wide', token_type: 'Bearer', expires_in: 60, scope: 'mcp:read mcp:write' } };
    await expect(tokens.mint({ resource: RESOURCE }, ['mcp:read'])).rejects.toMatchObject({ code: ErrorCode.CannotNarrow });
  });

  it('T08: mints and refreshes never use the same refresh token at once', async () => {
    const { service, tokens, endpoint, store } = await setup({ scopes: ['mcp:read', 'mcp:write'] });
    await Promise.all([
      service.accessToken(RESOURCE),
      tokens.mint({ resource: RESOURCE }, ['mcp:read']),
      tokens.mint({ resource: RESOURCE }, ['mcp:write']),
      service.accessToken(RESOURCE),
    ]);
    expect(endpoint.maxConcurrent).toBe(1);
    const used = endpoint.requestsTo('/token').map((r) => r.params.get('refresh_token'));
    expect(new Set(used).size).toBe(used.length); // each request used the latest rotated token
    expect(store.connection({ resource: RESOURCE })!.refreshToken).toBe(`rt-${used.length}`);
  });
});

describe('token.refreshed', () => {
  it('a refresh of the connection’s token is audited with its fingerprint and expiry, never the token', async () => {
    const { service, audited } = await setup();
    const token = await service.accessToken(RESOURCE);
    expect(audited).toEqual([
      {
        type: 'token.refreshed',
        resource: RESOURCE,
        scopes: ['mcp:read'],
        outcome: 'ok',
        tokenFingerprint: expect.stringMatching(/^sha256:/),
        tokenExpiresAt: token.expiresAt,
      },
    ]);
    expect(JSON.stringify(audited)).not.toContain(token.accessToken);
    expect(JSON.stringify(audited)).not.toContain('rt-');
  });

  it('a refresh the AS refuses is audited as denied (the connection now needs a sign-in); agent mints are not refreshes', async () => {
    const { service, tokens, endpoint, audited } = await setup();
    await tokens.mint({ resource: RESOURCE }, ['mcp:read']);
    expect(audited).toEqual([]);
    endpoint.replies['refresh_token'] = { status: 400, body: { error: 'invalid_grant' } };
    await expect(service.accessToken(RESOURCE)).rejects.toMatchObject({ code: ErrorCode.NeedsReauth });
    expect(audited).toEqual([{ type: 'token.refreshed', resource: RESOURCE, outcome: 'denied', reason: 'invalid_grant' }]);
  });
  it('the audit log takes it as written and tells its listeners, which is what the wallet’s live events follow', async () => {
    const { store, endpoint } = await setup();
    const audit = await openAuditLog({ clock: { now: () => 1_000_000 } });
    const appended: AuditEvent[] = [];
    audit.on('appended', (event) => appended.push(event));
    const { service } = compose(store, { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } }, { now: () => 1_000_000 });
    const tokens = new ConnectionTokens({ store, net: { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } }, clock: { now: () => 1_000_000 }, logger: silentLogger, audit });
    await tokens.refresh(store.connection({ resource: RESOURCE })!);
    // The refresh does not wait for its audit write; a query waits for everything queued before it.
    await audit.query({ type: 'token.refreshed' });
    expect(appended).toMatchObject([{ type: 'token.refreshed', resource: RESOURCE, outcome: 'ok', tokenFingerprint: expect.stringMatching(/^sha256:/) }]);
    expect(await audit.verify()).toMatchObject({ ok: true });
    expect(service.list()[0]?.accessTokenExpiresAt).toBe(appended[0]?.tokenExpiresAt);
    await audit.close();
  });
});

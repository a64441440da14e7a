/**
 * T6: a connected server moves its sign-in to another authorization server. Against the real test
 * world (two oidc-provider instances, the MCP SDK server whose metadata switches from the first to
 * the second, Chromium for the sign-ins): the 401 after the move reads the metadata again, drops
 * and revokes the old issuer's tokens, registers at the new issuer and signs in there, never
 * sending the old client id; it is audited as connection.migrated; agents get
 * connection.needs_reauth until the owner has signed in at the new issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { IssuerChecks } from '../../../../electron/wallet/connections/migration.js';
import { createSafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import type { ConnectionRecord } from '../../../../electron/wallet/oauth/records.js';
import type { Fetch } from '../../../../electron/base/ports.js';
import { bearerChallenge } from '../../../../shared/www-authenticate.js';
import { MCP_READ, type World } from '../../../world/index.js';
import type { MigrationScenario } from '../../../world/migration.js';
import { initializeWithToken, startMigrationWallet, type MigrationWallet } from '../../../support/migration-wallet.js';
import { rejection as failure } from '../../../support/rejection.js';

const never = new AbortController().signal;

let setup: MigrationWallet;
let world: World;
let c: ComposedWallet;
let agents = 0;

beforeAll(async () => {
  setup = await startMigrationWallet('latchkey-migration-');
  ({ world, composed: c } = setup);
}, 60_000);

afterAll(async () => {
  await setup?.close();
});

const moving = (): Promise<MigrationScenario> => setup.moving();
const initialize = (url: string, token: string): ReturnType<typeof initializeWithToken> => initializeWithToken(url, token, 'migration-test');

async function agentFor(resource: string) {
  agents += 1;
  const { agent, secret } = await c.wallet.enrolAgent({ name: `migrating-${agents}` });
  await c.wallet.createGrant({ agent: agent.id, resource, scopes: [MCP_READ] });
  return c.broker.authenticate(secret)!;
}

describe('T6: a server moves its sign-in to another authorization server (real ASes, real MCP server, Chromium)', () => {
  it('the 401 after the move signs in at the new issuer with a new registration; the old tokens are revoked and never sent there', async () => {
    const scenario = await moving();
    const connected = await c.wallet.connect({ url: scenario.url });
    expect(connected.issuer).toBe(scenario.first.issuer);
    const oldClientId = connected.clientId;
    const oldToken = (await c.wallet.accessToken({ url: scenario.url })).accessToken;
    expect((await initialize(scenario.url, oldToken)).status).toBe(200);

    scenario.moveToSecond();
    const refused = await initialize(scenario.url, oldToken);
    expect(refused.status).toBe(401);
    const revocationsBefore = scenario.first.revocations.length;
    const opened = world.opener.opened.length;

    const renewed = await c.wallet.handleAuthChallenge({ url: scenario.url, status: 401, wwwAuthenticate: refused.wwwAuthenticate });
    expect((await initialize(scenario.url, renewed.accessToken)).status).toBe(200);

    const [after] = (await c.wallet.listConnections()).filter((x) => x.resource === connected.resource);
    expect(after?.issuer).toBe(scenario.second.issuer);
    expect(after?.clientId).not.toBe(oldClientId);
    expect(after?.status).toBe('ok');
    // One sign-in, at the new issuer, with a client registered there; the old client id never reached it.
    expect(world.opener.opened).toHaveLength(opened + 1);
    const authorization = world.opener.opened[opened]!;
    expect(authorization.origin).toBe(new URL(scenario.second.issuer).origin);
    expect(authorization.searchParams.get('client_id')).toBe(after?.clientId);
    expect(scenario.second.registrations.map((r) => r.clientId)).toContain(after?.clientId);
    expect(scenario.second.tokenRequests.length).toBeGreaterThan(0);
    expect(scenario.second.tokenRequests.every((r) => r.clientId !== oldClientId)).toBe(true);
    // The old refresh token was revoked at the old issuer.
    expect(scenario.first.revocations.slice(revocationsBefore)).toEqual([expect.objectContaining({ clientId: oldClientId, tokenTypeHint: 'refresh_token', revokedKind: 'RefreshToken' })]);

    const audit = await c.wallet.queryAudit({ resource: connected.resource });
    expect(audit.filter((e) => e.type === 'connection.migrated')).toEqual([
      expect.objectContaining({ resource: connected.resource, issuer: scenario.second.issuer, reason: 'authorization_server_moved', outcome: 'ok' }),
    ]);

    // A second 401 with the new issuer's token: no move, a refresh at the new issuer, no sign-in.
    const again = await c.wallet.handleAuthChallenge({ url: scenario.url, status: 401, wwwAuthenticate: refused.wwwAuthenticate });
    expect(again.accessToken).not.toBe(renewed.accessToken);
    expect(world.opener.opened).toHaveLength(opened + 1);
    expect(scenario.second.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 200 });
  }, 90_000);

  it('while the owner has not signed in at the new issuer, agents get connection.needs_reauth; after the sign-in they get its tokens', async () => {
    const scenario = await moving();
    const connected = await c.wallet.connect({ url: scenario.url });
    const caller = await agentFor(connected.resource);
    const before = (await c.wallet.accessToken({ url: scenario.url })).accessToken;
    expect((await initialize(scenario.url, before)).status).toBe(200);

    scenario.moveToSecond();
    const refused = await initialize(scenario.url, before);
    expect(refused.status).toBe(401);

    world.opener.behaviour.consent = 'deny';
    try {
      const denied = await failure(c.wallet.handleAuthChallenge({ url: scenario.url, status: 401, wwwAuthenticate: refused.wwwAuthenticate }));
      expect(denied.code).toBe(ErrorCode.AccessDenied);
    } finally {
      world.opener.behaviour.consent = 'approve';
    }
    const [waiting] = (await c.wallet.listConnections()).filter((x) => x.resource === connected.resource);
    expect(waiting).toMatchObject({ status: 'needs-reauth', hasRefreshToken: false });
    const refusedAgent = await failure(c.broker.token(caller, { resource: connected.resource }, never));
    expect(refusedAgent.code).toBe(ErrorCode.NeedsReauth);

    // The owner's next 401 (or connect) discovers the new issuer again and signs in there.
    const renewed = await c.wallet.handleAuthChallenge({ url: scenario.url, status: 401, wwwAuthenticate: refused.wwwAuthenticate });
    expect((await initialize(scenario.url, renewed.accessToken)).status).toBe(200);
    const after = await c.broker.token(caller, { resource: connected.resource }, never);
    expect((await initialize(scenario.url, after.access_token)).status).toBe(200);
    expect(scenario.second.tokenRequests.every((r) => r.clientId !== connected.clientId)).toBe(true);
  }, 90_000);
});

describe('IssuerChecks: the resource metadata read again on a 401 (real MCP server)', () => {
  function recordFor(scenario: MigrationScenario, issuer: string, legacy = false): ConnectionRecord {
    return {
      resource: scenario.url,
      serverUrl: scenario.url,
      issuer,
      clientId: 'client',
      serverMetadata: { issuer },
      ...(legacy ? { legacyDiscovery: 'metadata' as const } : {}),
      scopes: [MCP_READ],
      deniedScopes: [],
      sendResource: true,
      status: 'ok',
      connectedAt: 0,
      updatedAt: 0,
    };
  }

  it('one read for concurrent 401s with the same challenge, from the challenge’s resource_metadata; "moved" names the new issuer; none for 2025-03-26 connections', async () => {
    const scenario = await moving();
    const safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 5_000 });
    const read: string[] = [];
    const counting: Fetch = (input, init) => {
      read.push(String(input));
      return safeFetch(input, init);
    };
    try {
      const checks = new IssuerChecks({ fetch: counting, policy: { allowInsecureLoopback: true } });
      const text = `Bearer error="invalid_token", resource_metadata="${scenario.resourceMetadataUrl}"`;
      const challenge = bearerChallenge(text);
      const record = recordFor(scenario, scenario.first.issuer);

      const same = await Promise.all([1, 2, 3].map(() => checks.check({ record, challenge, challengeText: text })));
      expect(same.map((c) => c.kind)).toEqual(['same', 'same', 'same']);
      expect(read).toEqual([scenario.resourceMetadataUrl]);

      scenario.moveToSecond();
      const moved = await checks.check({ record, challenge, challengeText: text });
      expect(moved).toMatchObject({ kind: 'moved', from: scenario.first.issuer, to: scenario.second.issuer });
      expect(read).toHaveLength(2);

      expect(await checks.check({ record: recordFor(scenario, scenario.first.issuer, true), challenge, challengeText: text })).toEqual({ kind: 'same' });
      expect(read).toHaveLength(2);
    } finally {
      await safeFetch.close();
    }
  }, 30_000);

  it('metadata that cannot be read says nothing about a move: "unknown", and the 401 is handled as before', async () => {
    const scenario = await moving();
    const safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 5_000 });
    try {
      const checks = new IssuerChecks({ fetch: safeFetch, policy: { allowInsecureLoopback: true } });
      const record = { ...recordFor(scenario, scenario.first.issuer), resource: `${new URL(scenario.url).origin}/elsewhere` };
      const check = await checks.check({ record, challenge: undefined, challengeText: null });
      expect(check).toEqual({ kind: 'unknown', why: ErrorCode.ResourceMetadataNotFound });
    } finally {
      await safeFetch.close();
    }
  }, 30_000);
});

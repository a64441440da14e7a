/**
 * The broker with the real registry, grant store, approval queue and audit log over a memory
 * vault, and a fake token endpoint for what the real AS cannot show (opaque tokens, servers that
 * revoke access tokens). Lifetimes and revocation against the real AS and MCP server (B15, B16):
 * token-lifetimes.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const composed: ComposedWallet[] = [];
afterEach(async () => {
  await Promise.all(composed.splice(0).map((c) => c.wallet.close()));
});

/** A composed wallet whose vault already holds a connection to RESOURCE. */
async function setup(options: { approvalTimeoutMs?: number } = {}) {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  const c = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } }, { fetch: endpoint.fetch }, options);
  composed.push(c);
  await seedConnection(c.vault, RESOURCE);
  const { wallet, broker } = c;
  const a = await wallet.enrolAgent({ name: 'agent-a' });
  const b = await wallet.enrolAgent({ name: 'agent-b' });
  const callerA = broker.authenticate(a.secret)!;
  const callerB = broker.authenticate(b.secret)!;
  return { c, wallet, broker, endpoint, callerA, callerB, never: new AbortController().signal };
}


async function pending(wallet: Wallet) {
  let found;
  await expect.poll(async () => (found = (await wallet.listApprovals({ status: 'pending' }))[0]) !== undefined).toBe(true);
  return found!;
}

describe('token broker', () => {
  it('T13: a grant gives a token narrowed to it; more than the grant is never handed out without asking', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(token.scope).toBe('mcp:read');
    expect(endpoint.requestsTo('/token')[0]!.params.get('scope')).toBe('mcp:read');
    // More than the grant is never handed out without asking.
    const wider = broker.token(callerA, { resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'] }, never);
    const approval = await pending(wallet);
    expect(approval).toMatchObject({ kind: 'consent', agentName: 'agent-a', scopes: ['mcp:read', 'mcp:write'] });
    await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await expect(wider).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('a cached token is handed out again without asking the AS', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const first = await broker.token(callerA, { resource: RESOURCE }, never);
    const second = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(second.access_token).toBe(first.access_token);
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
  });

  it('after the connection moves to another issuer, no token cached from the old one is handed out; a connection needing a new sign-in reuses none', async () => {
    const { c, wallet, broker, endpoint, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const first = await broker.token(callerA, { resource: RESOURCE }, never);
    const store = new ConnectionStore(c.vault);
    await store.updateConnection({ resource: RESOURCE }, (current) => ({ ...current, status: 'needs-reauth' }));
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.NeedsReauth });
    await store.putClient({ issuer: 'https://moved.example.test', clientId: 'c1', tokenEndpointAuthMethod: 'none', registration: 'dcr', redirectUris: [], registeredAt: 0 });
    await store.updateConnection({ resource: RESOURCE }, (current) => ({ ...current, issuer: 'https://moved.example.test', status: 'ok' }));
    const after = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(after.access_token).not.toBe(first.access_token);
    expect(endpoint.requestsTo('/token')).toHaveLength(2);
  });

  it('an agent reporting its token refused (401): it is not handed out again, the metadata is read again once per token; a token it was not handed changes nothing', async () => {
    const { wallet, broker, endpoint, callerA, callerB, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await wallet.createGrant({ agent: 'agent-b', resource: RESOURCE, scopes: ['mcp:read'] });
    const metadataReads = () => endpoint.requests.filter((r) => new URL(r.url).host === 'mcp.example.test').length;
    const first = await broker.token(callerA, { resource: RESOURCE }, never);
    const refused = { status: 401 as const, token_fingerprint: fingerprint(first.access_token), www_authenticate: 'Bearer error="invalid_token"' };
    // Another agent cannot report agent a's token.
    expect((await broker.token(callerB, { resource: RESOURCE, rejected: refused }, never)).access_token).not.toBe(first.access_token);
    expect(metadataReads()).toBe(0);
    const renewed = await broker.token(callerA, { resource: RESOURCE, rejected: refused }, never);
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(metadataReads()).toBeGreaterThanOrEqual(1);
    const reads = metadataReads();
    // The same report again: heeded once; the new token comes from the cache.
    expect((await broker.token(callerA, { resource: RESOURCE, rejected: refused }, never)).access_token).toBe(renewed.access_token);
    expect(metadataReads()).toBe(reads);
    expect(endpoint.requestsTo('/token')).toHaveLength(3);
  });

  it('B10: agent b never rides agent a\'s grant: it raises its own approval', async () => {
    const { wallet, broker, callerA, callerB, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await broker.token(callerA, { resource: RESOURCE }, never);
    const asking = broker.token(callerB, { resource: RESOURCE }, never);
    const approval = await pending(wallet);
    expect(approval.agentName).toBe('agent-b');
    await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('approve once gives one token; approve and remember creates a grant, so the next request is not asked', async () => {
    const { wallet, broker, callerB, never } = await setup();
    const once = broker.token(callerB, { resource: RESOURCE, scopes: ['mcp:read'] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve' });
    await expect(once).resolves.toMatchObject({ scope: 'mcp:read' });
    expect(await wallet.listGrants({ agent: 'agent-b' })).toEqual([]);

    const remembered = broker.token(callerB, { resource: RESOURCE, scopes: ['mcp:write'] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve', remember: true });
    await expect(remembered).resolves.toMatchObject({ scope: 'mcp:write' });
    expect(await wallet.listGrants({ agent: 'agent-b' })).toEqual([expect.objectContaining({ scopes: ['mcp:write'], mode: 'allow' })]);
    await expect(broker.token(callerB, { resource: RESOURCE, scopes: ['mcp:write'] }, never)).resolves.toMatchObject({ scope: 'mcp:write' });
    expect(await wallet.listApprovals({ status: 'pending' })).toEqual([]);
  });

  it('B13: no decision in time is a denial', async () => {
    const { broker, callerB, never } = await setup({ approvalTimeoutMs: 50 });
    await expect(broker.token(callerB, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
  });

  it('B13: a second prompt for the same agent and server while one is pending is rate limited', async () => {
    const { wallet, broker, callerB, never } = await setup();
    const first = broker.token(callerB, { resource: RESOURCE }, never);
    await pending(wallet);
    await expect(broker.token(callerB, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(first).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('T38: at an AS that revokes access tokens, revoking a grant revokes the handed-out one (RFC 7009) and says none stays valid', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup({ approvalTimeoutMs: 50 });
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    await expect(wallet.revokeGrant({ id: grant.id })).resolves.toEqual({ grantId: grant.id, revokedTokens: 1, unrevokedTokens: 0 });
    const revoke = endpoint.requestsTo('/revoke');
    expect(revoke.map((r) => [r.params.get('token'), r.params.get('token_type_hint')])).toEqual([[token.access_token, 'access_token']]);
    expect((await wallet.queryAudit({ type: 'grant.revoked' })).at(-1)).toMatchObject({ reason: 'revocation:revoked' });
    expect((await wallet.queryAudit({ type: 'grant.revoked' })).at(-1)?.tokenExpiresAt).toBeUndefined();
    // The owner has just said no: the agent is refused at once, with no new consent prompt.
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.GrantRevoked });
    expect(await wallet.listApprovals({ status: 'pending' })).toEqual([]);
  });

  it('after a revoke, a session begun later may ask again, and a new grant applies at once', async () => {
    const { wallet, broker, callerA, never } = await setup({ approvalTimeoutMs: 50 });
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await wallet.revokeGrant({ id: grant.id });
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.GrantRevoked });
    const { secret } = await wallet.startSession({ agent: 'agent-a', ttlSeconds: 600, pid: process.pid });
    await expect(broker.token(broker.authenticate(secret)!, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).resolves.toMatchObject({ scope: 'mcp:read' });
  });

  it('T38: an opaque token is reported with the server\'s expires_in, whatever the grant\'s maximum above it', async () => {
    const { wallet, broker, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'], maxTokenLifetimeSeconds: 3600 });
    const before = Math.floor(Date.now() / 1000);
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(token.expires_at - before).toBeGreaterThanOrEqual(3599);
    expect(token.expires_at - before).toBeLessThanOrEqual(3601);
  });

  it('T38: a server that does not say how long its tokens live: a grant with a maximum is refused, as issued works', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    endpoint.replies.refresh_token = { status: 200, body: { access_token: 'opaque-no-expiry', token_type: 'Bearer', refresh_token: 'rt-x', scope: 'mcp:read' } };
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'], maxTokenLifetimeSeconds: 600 });
    const refused = await broker.token(callerA, { resource: RESOURCE }, never).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: ErrorCode.TokenLifetimeExceedsGrant, hint: expect.stringContaining('--ttl as-issued') as unknown });
    await wallet.updateGrant({ id: grant.id, maxTokenLifetimeSeconds: null });
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).resolves.toMatchObject({ access_token: 'opaque-no-expiry' });
  });

  it('B16: removing an agent makes its secret unknown at once', async () => {
    const { wallet, broker, c } = await setup();
    const enrolled = await wallet.enrolAgent({ name: 'short-lived' });
    expect(broker.authenticate(enrolled.secret)).toBeDefined();
    await wallet.removeAgent({ agent: 'short-lived' });
    expect(c.broker.authenticate(enrolled.secret)).toBeUndefined();
  });

  it('a server the owner never connected is a clear refusal, audited', async () => {
    const { wallet, broker, callerA, never } = await setup();
    await expect(broker.token(callerA, { resource: 'https://other.example.test/mcp' }, never)).rejects.toMatchObject({ code: ErrorCode.NotConnected });
    const audit = await wallet.queryAudit({ type: 'token.refused' });
    expect(audit.at(-1)).toMatchObject({ agentName: 'agent-a', outcome: 'denied', reason: ErrorCode.NotConnected });
  });

  it('every hand-out is audited with a fingerprint, never the token; the chain verifies', async () => {
    const { wallet, broker, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    const events = await wallet.queryAudit({});
    const issued = events.find((e) => e.type === 'token.issued')!;
    expect(issued).toMatchObject({ agentName: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'], outcome: 'ok' });
    expect(issued.tokenFingerprint).toMatch(/^sha256:/);
    expect(JSON.stringify(events)).not.toContain(token.access_token);
    await expect(wallet.verifyAudit()).resolves.toMatchObject({ ok: true });
  });

  it('whoami lists the caller\'s own grants only', async () => {
    const { wallet, broker, callerA, callerB } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    expect(broker.whoami(callerA).grants).toEqual([expect.objectContaining({ resource: RESOURCE, scopes: ['mcp:read'] })]);
    expect(broker.whoami(callerB).grants).toEqual([]);
  });
});


describe('token broker: concurrency', () => {
  it('T08: 200 concurrent asks of one agent on a cold cache mint one token (one AS request)', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const tokens = await Promise.all(Array.from({ length: 200 }, () => broker.token(callerA, { resource: RESOURCE }, never)));
    expect(new Set(tokens.map((t) => t.access_token)).size).toBe(1);
    expect(endpoint.requestsTo('/token')).toHaveLength(1);
  });

});

describe('token broker: bad resources', () => {
  it('T14: a resource that is not a usable URL is a 400-class input error, audited', async () => {
    const { broker, callerA, never, wallet } = await setup();
    await expect(broker.token(callerA, { resource: 'not a url' }, never)).rejects.toMatchObject({ code: ErrorCode.InvalidUrl });
    await expect(broker.token(callerA, { resource: 'http://mcp.example.test/mcp' }, never)).rejects.toMatchObject({ code: ErrorCode.InsecureUrl });
    const refused = await wallet.queryAudit({ type: 'token.refused' });
    expect(refused.map((e) => e.reason)).toEqual([ErrorCode.InvalidUrl, ErrorCode.InsecureUrl]);
  });
});

/**
 * The broker with the real registry, grant store, approval queue and audit log over a memory
 * vault, and a fake token endpoint (the end-to-end test uses the real AS).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/core/wallet.js';
import type { Wallet } from '../../../../electron/core/wallet-api.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';

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
  const a = await wallet.enrolAgent('agent-a');
  const b = await wallet.enrolAgent('agent-b');
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
  it('B15: a grant gives a token narrowed to it, no longer-lived than it, and never a refresh token', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'], maxTokenLifetimeSeconds: 600 });
    const before = Date.now();
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_at', 'scope', 'token_type']);
    expect(token.scope).toBe('mcp:read');
    expect(token.expires_at * 1000).toBeLessThanOrEqual(before + 600_000 + 1000);
    expect(endpoint.requestsTo('/token')[0]!.params.get('scope')).toBe('mcp:read');
    // More than the grant is never handed out without asking.
    const wider = broker.token(callerA, { resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'] }, never);
    const approval = await pending(wallet);
    expect(approval).toMatchObject({ kind: 'consent', agentName: 'agent-a', scopes: ['mcp:read', 'mcp:write'] });
    await wallet.decideApproval(approval.id, 'deny');
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

  it('B10: agent b never rides agent a\'s grant: it raises its own approval', async () => {
    const { wallet, broker, callerA, callerB, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await broker.token(callerA, { resource: RESOURCE }, never);
    const asking = broker.token(callerB, { resource: RESOURCE }, never);
    const approval = await pending(wallet);
    expect(approval.agentName).toBe('agent-b');
    await wallet.decideApproval(approval.id, 'deny');
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('approve once gives one token; approve and remember creates a grant, so the next request is not asked', async () => {
    const { wallet, broker, callerB, never } = await setup();
    const once = broker.token(callerB, { resource: RESOURCE, scopes: ['mcp:read'] }, never);
    await wallet.decideApproval((await pending(wallet)).id, 'approve');
    await expect(once).resolves.toMatchObject({ scope: 'mcp:read' });
    expect(await wallet.listGrants({ agent: 'agent-b' })).toEqual([]);

    const remembered = broker.token(callerB, { resource: RESOURCE, scopes: ['mcp:write'] }, never);
    await wallet.decideApproval((await pending(wallet)).id, 'approve', { remember: true });
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
    await wallet.decideApproval((await pending(wallet)).id, 'deny');
    await expect(first).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it('B16: revoking a grant refuses the next request at once and revokes the handed-out token (RFC 7009)', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup({ approvalTimeoutMs: 50 });
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    await wallet.revokeGrant(grant.id);
    const revoke = endpoint.requestsTo('/revoke');
    expect(revoke.map((r) => [r.params.get('token'), r.params.get('token_type_hint')])).toEqual([[token.access_token, 'access_token']]);
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
  });

  it('B16: removing an agent makes its secret unknown at once', async () => {
    const { wallet, broker, c } = await setup();
    const enrolled = await wallet.enrolAgent('short-lived');
    expect(broker.authenticate(enrolled.secret)).toBeDefined();
    await wallet.removeAgent('short-lived');
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

  it('B16: a token still being minted when the owner revokes goes to nobody and is revoked at the AS', async () => {
    const { wallet, broker, endpoint, callerA, never } = await setup();
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    let release!: () => void;
    endpoint.gate = () => new Promise<void>((resolve) => (release = resolve));
    const asking = broker.token(callerA, { resource: RESOURCE }, never);
    await expect.poll(() => endpoint.requestsTo('/token').length).toBe(1);
    const revoking = wallet.revokeGrant(grant.id);
    endpoint.gate = undefined;
    release();
    await revoking;
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    const minted = endpoint.requestsTo('/revoke').map((r) => r.params.get('token'));
    expect(minted).toEqual([expect.stringMatching(/^at-/)]);
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

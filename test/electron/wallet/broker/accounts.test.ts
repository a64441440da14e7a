/**
 * T8 at the broker: an agent gets tokens of its grant's account only. The connection's refresh
 * token the mint spends tells which account a token came from (each account has its own), so a
 * grant for `work` is seen never to spend `personal`'s, whatever the agent names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { TokenRequest } from '../../../../shared/bridge.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const composed: ComposedWallet[] = [];
afterEach(async () => {
  await Promise.all(composed.splice(0).map((c) => c.wallet.close()));
});

async function setup() {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  const c = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } }, { fetch: endpoint.fetch }, { approvalTimeoutMs: 60_000 });
  composed.push(c);
  await seedConnection(c.vault, RESOURCE, 'work');
  await seedConnection(c.vault, RESOURCE, 'personal');
  const { secret } = await c.wallet.enrolAgent({ name: 'agent-a' });
  const caller = c.broker.authenticate(secret)!;
  /** The refresh tokens the AS was asked to spend, in order. */
  const spent = (): string[] => endpoint.requestsTo('/token').map((r) => r.params.get('refresh_token') ?? '');
  return { c, wallet: c.wallet, broker: c.broker, caller, spent, never: new AbortController().signal };
}

describe('token broker: accounts', () => {
  it('an agent granted `work` gets work tokens, named or not, and never personal ones: refused without asking the owner', async () => {
    const { wallet, broker, caller, spent, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'work', scopes: ['mcp:read'] });
    const unnamed = await broker.token(caller, { resource: RESOURCE }, never);
    expect(spent()).toEqual(['rt-work']);
    await expect(broker.token(caller, { resource: RESOURCE, account: 'personal' }, never)).rejects.toMatchObject({ code: ErrorCode.NoGrant });
    await expect(broker.token(caller, { resource: RESOURCE, account: 'personal', scopes: ['mcp:read'] }, never)).rejects.toMatchObject({ code: ErrorCode.NoGrant });
    expect(await wallet.listApprovals({ status: 'pending' })).toEqual([]);
    expect(spent()).toEqual(['rt-work']);
    // The same cached work token, however the agent names the account.
    const named = await broker.token(caller, TokenRequest.parse({ resource: RESOURCE, account: 'WORK' }), never);
    expect(named.access_token).toBe(unnamed.access_token);
    const audit = await wallet.queryAudit({ type: 'token.issued' });
    expect(audit.map((e) => e.account)).toEqual(['work', 'work']);
    const refused = await wallet.queryAudit({ type: 'token.refused' });
    expect(refused.map((e) => [e.account, e.reason])).toEqual([
      ['personal', ErrorCode.NoGrant],
      ['personal', ErrorCode.NoGrant],
    ]);
    expect(JSON.stringify([...audit, ...refused])).not.toContain('at-');
  });

  it('two grants on two accounts: each account its own token; naming none is ambiguous', async () => {
    const { wallet, broker, caller, spent, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'work', scopes: ['mcp:read'] });
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'personal', scopes: ['mcp:read'] });
    const work = await broker.token(caller, { resource: RESOURCE, account: 'work' }, never);
    const personal = await broker.token(caller, { resource: RESOURCE, account: 'personal' }, never);
    expect(work.access_token).not.toBe(personal.access_token);
    expect(spent()).toEqual(['rt-work', 'rt-personal']);
    await expect(broker.token(caller, { resource: RESOURCE }, never)).rejects.toMatchObject({ code: ErrorCode.AccountAmbiguous });
  });

  it('without a grant, a consent names the account, and a remembered approval grants that account only', async () => {
    const { wallet, broker, caller, spent, never } = await setup();
    const asked = broker.token(caller, { resource: RESOURCE, account: 'personal', scopes: ['mcp:read'] }, never);
    let approval;
    await expect.poll(async () => (approval = (await wallet.listApprovals({ status: 'pending' }))[0]) !== undefined).toBe(true);
    expect(approval).toMatchObject({ kind: 'consent', resource: RESOURCE, account: 'personal' });
    await wallet.decideApproval({ id: approval!.id, decision: 'approve', remember: true });
    await asked;
    expect(spent()).toEqual(['rt-personal']);
    expect((await wallet.listGrants({ agent: 'agent-a' })).map((g) => g.account)).toEqual(['personal']);
    await expect(broker.token(caller, { resource: RESOURCE, account: 'work' }, never)).rejects.toMatchObject({ code: ErrorCode.NoGrant });
  });

  it('revoking the work grant takes the work tokens only', async () => {
    const { wallet, broker, caller, never } = await setup();
    const work = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'work', scopes: ['mcp:read'] });
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'personal', scopes: ['mcp:read'] });
    await broker.token(caller, { resource: RESOURCE, account: 'work' }, never);
    const personal = await broker.token(caller, { resource: RESOURCE, account: 'personal' }, never);
    const revoked = await wallet.revokeGrant({ id: work.id });
    expect(revoked.revokedTokens).toBe(1);
    const again = await broker.token(caller, { resource: RESOURCE, account: 'personal' }, never);
    expect(again.access_token).toBe(personal.access_token);
  });
});

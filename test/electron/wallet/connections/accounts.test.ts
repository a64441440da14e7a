/**
 * T8: more than one account on a server. The vault keys a connection by (resource, account), a
 * document written before labels reads unchanged as default accounts, and a request that names no
 * account gets the default or only one, never a guess among several.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { AccountLabel } from '../../../../shared/connections.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { connectionKey, grantAccount, pickAccount } from '../../../../electron/wallet/connections/accounts.js';
import { openMemoryWallet, type MemoryWallet } from '../../../support/memory-wallet.js';
import { seedConnection } from '../../../support/seed-connection.js';
import { FAKE_ISSUER, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const opened: Array<Vault | MemoryWallet> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

async function memoryVault(): Promise<Vault> {
  const vault = await openVault({ mode: 'memory', dir: '/nonexistent' });
  opened.push(vault);
  return vault;
}

describe('account labels', () => {
  it('are case-folded, short, and never an email address', () => {
    expect(AccountLabel.parse('Work')).toBe('work');
    expect(AccountLabel.parse('tenant-2.eu_west')).toBe('tenant-2.eu_west');
    for (const bad of ['', '-work', 'a'.repeat(33), 'me@example.com', 'two words', 'wörk']) expect(AccountLabel.safeParse(bad).success).toBe(false);
  });

  it('key a connection apart from the default account; a URL never holds the space between them', () => {
    expect(connectionKey({ resource: RESOURCE })).toBe(RESOURCE);
    expect(connectionKey({ resource: RESOURCE, account: 'work' })).toBe(`${RESOURCE} work`);
  });
});

describe('which connection a request means', () => {
  const work = { resource: RESOURCE, account: 'work' };
  const personal = { resource: RESOURCE, account: 'personal' };
  const byDefault = { resource: RESOURCE };

  it('the named account exactly; with none named the default one, else the only one', () => {
    expect(pickAccount(RESOURCE, 'work', [work, personal])).toBe(work);
    expect(pickAccount(RESOURCE, 'other', [work, personal])).toBeUndefined();
    expect(pickAccount(RESOURCE, undefined, [work, byDefault])).toBe(byDefault);
    expect(pickAccount(RESOURCE, undefined, [work])).toBe(work);
    expect(pickAccount(RESOURCE, undefined, [])).toBeUndefined();
    expect(pickAccount(RESOURCE, 'work', [byDefault])).toBeUndefined();
  });

  it('several labelled accounts and none named: connection.account_ambiguous listing the labels, never a guess', () => {
    let caught: unknown;
    try {
      pickAccount(RESOURCE, undefined, [work, personal, { resource: 'https://other.example.test/mcp' }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: ErrorCode.AccountAmbiguous, details: { accounts: 'personal, work' } });
    expect((caught as Error).message).toContain('personal, work');
  });

  it('a grant made without a label is pinned to the only connected account', () => {
    expect(grantAccount(RESOURCE, undefined, [work])).toEqual({ account: 'work' });
    expect(grantAccount(RESOURCE, undefined, [work, byDefault])).toEqual({});
    expect(grantAccount(RESOURCE, undefined, [])).toEqual({});
    expect(grantAccount(RESOURCE, 'personal', [work])).toEqual({ account: 'personal' });
    expect(() => grantAccount(RESOURCE, undefined, [work, personal])).toThrow(expect.objectContaining({ code: ErrorCode.AccountAmbiguous }) as Error);
  });
});

describe('the connection store', () => {
  it('reads a vault document written before account labels as default accounts, and keeps them on update', async () => {
    const vault = await memoryVault();
    // The shape an older Latchkey wrote: keyed by the resource, no account field.
    const old = {
      resource: RESOURCE,
      serverUrl: RESOURCE,
      issuer: FAKE_ISSUER,
      clientId: 'c1',
      serverMetadata: { ...fakeServerMetadata() },
      scopes: ['mcp:read'],
      refreshToken: 'rt-old',
      status: 'ok',
      connectedAt: 1,
      updatedAt: 1,
    };
    await vault.update((doc) => ({ ...doc, connections: { [RESOURCE]: old }, clients: {} }));
    const store = new ConnectionStore(vault);
    expect(store.connection({ resource: RESOURCE })).toMatchObject({ resource: RESOURCE, refreshToken: 'rt-old', deniedScopes: [], sendResource: true });
    expect(store.connection({ resource: RESOURCE })?.account).toBeUndefined();
    expect(store.resolve(RESOURCE, undefined)?.refreshToken).toBe('rt-old');
    await store.updateConnection({ resource: RESOURCE }, (current) => ({ ...current, scopes: ['mcp:read', 'mcp:write'] }));
    expect(Object.keys(vault.read()['connections'] as object)).toEqual([RESOURCE]);
  });

  it('keeps one connection per (resource, account); an update never moves one to another account', async () => {
    const vault = await memoryVault();
    await seedConnection(vault, RESOURCE);
    await seedConnection(vault, RESOURCE, 'work');
    await seedConnection(vault, RESOURCE, 'work');
    const store = new ConnectionStore(vault);
    expect(store.connections()).toHaveLength(2);
    expect(store.connection({ resource: RESOURCE, account: 'work' })?.refreshToken).toBe('rt-work');
    expect(store.connection({ resource: RESOURCE })?.refreshToken).toBe('rt-0');
    await store.updateConnection({ resource: RESOURCE, account: 'work' }, (current) => ({ ...current, account: 'personal', refreshToken: 'rt-2' }));
    expect(store.connection({ resource: RESOURCE, account: 'work' })?.refreshToken).toBe('rt-2');
    expect(store.connection({ resource: RESOURCE, account: 'personal' })).toBeUndefined();
    expect(await store.removeConnection({ resource: RESOURCE, account: 'work' })).toBe(true);
    expect(store.connections().map((c) => c.account)).toEqual([undefined]);
  });
});

describe('the owner API with two accounts on one server', () => {
  async function twoAccounts(): Promise<MemoryWallet> {
    const m = await openMemoryWallet();
    opened.push(m);
    await seedConnection(m.composed.vault, RESOURCE, 'work');
    await seedConnection(m.composed.vault, RESOURCE, 'personal');
    return m;
  }

  it('lists both with their labels; a call naming none is refused listing the labels', async () => {
    const m = await twoAccounts();
    const listed = await m.wallet.listConnections();
    expect(listed.map((c) => c.account).sort()).toEqual(['personal', 'work']);
    await expect(m.wallet.accessToken({ url: RESOURCE })).rejects.toMatchObject({ code: ErrorCode.AccountAmbiguous });
    await expect(m.wallet.disconnect({ url: RESOURCE })).rejects.toMatchObject({ code: ErrorCode.AccountAmbiguous });
    await expect(m.wallet.accessToken({ url: RESOURCE, account: 'other' })).rejects.toMatchObject({ code: ErrorCode.NotConnected, hint: expect.stringContaining('--account other') as string });
  });

  it('disconnects the named account only, audited with its label; then the other one needs no label', async () => {
    const m = await twoAccounts();
    const result = await m.wallet.disconnect({ url: RESOURCE, account: 'Work' });
    expect(result).toMatchObject({ resource: RESOURCE, account: 'work' });
    expect((await m.wallet.listConnections()).map((c) => c.account)).toEqual(['personal']);
    const audited = await m.wallet.queryAudit({ type: 'connection.disconnected' });
    expect(audited.at(-1)).toMatchObject({ resource: RESOURCE, account: 'work' });
    // The only account left answers without a label (it has no network here: the refresh is what fails).
    await expect(m.wallet.accessToken({ url: RESOURCE })).rejects.not.toMatchObject({ code: ErrorCode.AccountAmbiguous });
  });

  it('a grant names its account; one made without a label is pinned to the only account, refused among several', async () => {
    const m = await twoAccounts();
    await m.wallet.enrolAgent({ name: 'agent-a' });
    await expect(m.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] })).rejects.toMatchObject({ code: ErrorCode.AccountAmbiguous });
    const grant = await m.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'work', scopes: ['mcp:read'] });
    expect(grant.account).toBe('work');
    const other = await m.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'personal', scopes: ['mcp:read'] });
    expect(other.account).toBe('personal');
    await expect(m.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, account: 'work', scopes: ['mcp:write'] })).rejects.toMatchObject({ code: ErrorCode.GrantExists });
    await m.wallet.disconnect({ url: RESOURCE, account: 'personal' });
    await m.wallet.enrolAgent({ name: 'agent-b' });
    expect((await m.wallet.createGrant({ agent: 'agent-b', resource: RESOURCE, scopes: ['mcp:read'] })).account).toBe('work');
    const audited = await m.wallet.queryAudit({ type: 'grant.created' });
    expect(audited.map((e) => e.account)).toEqual(['work', 'personal', 'work']);
  });
});

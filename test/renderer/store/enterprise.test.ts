/**
 * The organisation's identity provider from the window's store, against the real wallet in memory
 * and the test world's enterprise IdP: the status is read at start, a provider that cannot be
 * discovered is refused back to the card (its code, no notice), naming the real one shows it
 * signed out (in this window and, live, in another), and forgetting it goes back to none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { startEnterpriseIdp, type EnterpriseIdp } from '../../world/enterprise-idp.js';
import { useMemoryWallets } from '../../support/memory-wallet.js';
import { waitForState } from './wait.js';

const openWallet = useMemoryWallets();
let idp: EnterpriseIdp;

beforeAll(async () => {
  idp = await startEnterpriseIdp();
});

afterAll(async () => {
  await idp?.close();
});

/** The real wallet (with the network, loopback allowed) and a started store of it. */
async function openStore() {
  const memory = await openWallet({ fetch: globalThis.fetch, allowInsecureLoopback: true });
  const store = createWalletStore(memory.client);
  await store.getState().start();
  return { ...memory, store };
}

describe('wallet store: the organisation sign-in', () => {
  it('reads the status at start: none set up', async () => {
    const { store } = await openStore();
    expect(store.getState().loads.enterprise).toEqual({ state: 'ready' });
    expect(store.getState().enterprise).toMatchObject({ state: 'not-configured', hasSecret: false, refreshable: false });
    store.getState().stop();
  });

  it('a provider that cannot be discovered comes back to the card with its code and raises no notice; nothing is set up', async () => {
    const { store, wallet } = await openStore();
    const outcome = await store.getState().setEnterprise({ issuer: `${idp.issuer}/nowhere`, clientId: idp.clientId, clientSecret: 'not-shown-back' });
    expect(outcome).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    if (outcome.ok) return;
    expect(JSON.stringify(outcome.error)).not.toContain('not-shown-back');
    expect(store.getState().notices).toEqual([]);
    expect(store.getState().enterprise?.state).toBe('not-configured');
    expect((await wallet.enterpriseStatus({})).state).toBe('not-configured');
    store.getState().stop();
  });

  it('naming the IdP shows it signed out here and, live, in another window; forgetting it goes back to none', async () => {
    const { store, client } = await openStore();
    const other = createWalletStore(client);
    await other.getState().start();

    const outcome = await store.getState().setEnterprise({ issuer: idp.issuer, clientId: idp.clientId });
    expect(outcome).toMatchObject({ ok: true, value: { state: 'signed-out', issuer: idp.issuer, clientId: idp.clientId, hasSecret: false } });
    expect(store.getState().enterprise).toMatchObject({ state: 'signed-out', issuer: idp.issuer });
    await waitForState(other, (state) => state.enterprise?.state === 'signed-out');

    expect(await store.getState().forgetEnterprise()).toEqual({ ok: true, value: true });
    expect(store.getState().enterprise?.state).toBe('not-configured');
    await waitForState(other, (state) => state.enterprise?.state === 'not-configured');
    expect(await store.getState().forgetEnterprise()).toEqual({ ok: true, value: false });
    expect(store.getState().notices).toEqual([]);
    other.getState().stop();
    store.getState().stop();
  });
});

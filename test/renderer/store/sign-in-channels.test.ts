/**
 * The window's store finishing sign-ins like the CLI, over the real wallet in memory on the test
 * world's network: a paste sign-in (the page opened through the wallet, a wrong address refused
 * with its reason and the flow still waiting, the right one connects), a device sign-in shown with
 * its code and cancelled, and "register again" for a client the owner registered (refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import type { Opener } from '../../../electron/base/ports.js';
import { ErrorCode } from '../../../shared/errors.js';
import { useMemoryWallets, probeClient } from '../../support/memory-wallet.js';
import { startWorld, type World } from '../../world/index.js';
import { signInElsewhere } from '../../world/remote-browser.js';
import { waitForState } from './wait.js';

let world: World;
const openWallet = useMemoryWallets();

beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterAll(async () => {
  await world?.close();
});

/** The store over the real wallet on the world's network; the wallet's opener only records (nobody signs in on this machine). */
async function windowStore() {
  const pages: string[] = [];
  const opener: Opener = { open: async (url) => void pages.push(url.href) };
  const memory = await openWallet({ fetch: (input, init) => fetch(input, init), allowInsecureLoopback: true, opener });
  const client = probeClient(memory.client);
  return { memory, client, pages, store: createWalletStore(client) };
}

describe('the store: paste sign-in', () => {
  it('shows the URL, opens it only through the wallet, explains a wrong address and connects with the right one', async () => {
    const { memory, client, pages, store } = await windowStore();
    const done = store.getState().connect({ url: world.mcpUrl, signIn: 'paste' });
    const waiting = await waitForState(store, (s) => s.connectFlow.phase === 'running' && s.connectFlow.signIn?.step === 'paste');
    const step = waiting.connectFlow.phase === 'running' ? waiting.connectFlow.signIn : undefined;
    if (step?.step !== 'paste') throw new Error('no paste step');
    expect(pages).toEqual([]); // a paste sign-in is never opened by itself

    await store.getState().openSignInPage(step.authorizationUrl);
    expect(pages).toEqual([step.authorizationUrl]);
    await store.getState().openSignInPage('https://elsewhere.example/');
    expect(pages).toHaveLength(1);
    expect(store.getState().notices.at(-1)).toMatchObject({ action: 'Open the sign-in page', code: ErrorCode.InvalidInput });

    const endedOn = await signInElsewhere(world.chromium, step.authorizationUrl);
    const wrong = new URL(endedOn);
    wrong.searchParams.set('state', 'not-this-one');
    const refused = await store.getState().deliverPastedSignIn(wrong.href);
    expect(refused).toMatchObject({ code: ErrorCode.PasteRejected });
    expect(refused?.message).toContain('belongs to another sign-in');
    expect(refused?.hint).toBeDefined();
    expect(store.getState().connectFlow.phase).toBe('running');

    expect(await store.getState().deliverPastedSignIn(endedOn.href)).toBeUndefined();
    expect(await done).toBe(true);
    expect(store.getState().connectFlow).toMatchObject({ phase: 'connected' });
    expect(await memory.wallet.listConnections()).toEqual([expect.objectContaining({ resource: world.mcpUrl, signIn: 'paste' })]);
    expect(client.callsTo('deliverPastedSignIn')).toHaveLength(2);
  }, 60_000);
});

describe('the store: device sign-in', () => {
  it('shows the code and the verification address; cancel ends the connect and stores nothing', async () => {
    const { memory, pages, store } = await windowStore();
    const done = store.getState().connect({ url: world.mcpUrl, signIn: 'device' });
    const waiting = await waitForState(store, (s) => s.connectFlow.phase === 'running' && s.connectFlow.signIn?.step === 'device');
    const step = waiting.connectFlow.phase === 'running' ? waiting.connectFlow.signIn : undefined;
    if (step?.step !== 'device') throw new Error('no device step');
    expect(step.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/u);
    expect(step.verificationUri).toBe(`${world.issuer}/device`);
    await store.getState().openSignInPage(step.verificationUri);
    expect(pages).toEqual([step.verificationUri]);

    await store.getState().cancelConnect();
    expect(await done).toBe(false);
    expect(store.getState().connectFlow).toMatchObject({ phase: 'failed', error: { code: ErrorCode.AuthorizationCancelled } });
    expect(await memory.wallet.listConnections()).toEqual([]);
  }, 60_000);
});

describe('the store: register again', () => {
  it('is refused, with the wallet’s reason, for a client the owner registered', async () => {
    const { memory, store } = await windowStore();
    await memory.wallet.setClient({ issuer: world.issuer, clientId: 'mine', tokenEndpointAuthMethod: 'none' });
    expect(await store.getState().connect({ url: world.mcpUrl, reregister: true })).toBe(false);
    const flow = store.getState().connectFlow;
    expect(flow).toMatchObject({ phase: 'failed', error: { code: ErrorCode.ClientPreRegistered } });
    expect(flow.phase === 'failed' && flow.error.message).toContain('registered by you');
  }, 60_000);
});

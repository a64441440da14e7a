/** The allowed-sites slice: loaded at start, re-read on changed{allowed-sites}, removed with a notice on failure. */
import { describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { selectAllowedSites } from '../../../renderer/store/selectors.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { useMemoryWallets, probeClient, type MemoryWallet } from '../../support/memory-wallet.js';
import { waitForState } from './wait.js';

const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://other.example.net/mcp';
const openWallet = useMemoryWallets();

/** An agent with a grant on `server` asks to open `url`; the owner opens it and always allows its site. */
async function allowSite(memory: MemoryWallet, server: string, url: string): Promise<void> {
  const { approval, answer } = await memory.askToOpen('pager', { server, url, message: 'Sign in.' });
  await memory.wallet.decideApproval({ id: approval.id, decision: 'approve', remember: true });
  await answer;
  const site = new URL(url).hostname.split('.').slice(-2).join('.');
  await expect.poll(async () => (await memory.wallet.listAllowedSites()).some((entry) => entry.server === server && entry.site === site)).toBe(true);
}

/** The real wallet in memory, connected to MCP and OTHER, whose owner always allowed pay.test (OTHER), stripe.com and auth.test (MCP). */
async function seeded() {
  const memory = await openWallet();
  await memory.enrol('pager');
  for (const server of [MCP, OTHER]) {
    await memory.connect(server);
    await memory.wallet.createGrant({ agent: 'pager', resource: server, scopes: ['mcp:read'] });
  }
  await allowSite(memory, OTHER, 'https://pay.test/checkout');
  await allowSite(memory, MCP, 'https://checkout.stripe.com/pay');
  await allowSite(memory, MCP, 'https://login.auth.test/');
  return { memory, client: probeClient(memory.client) };
}

describe('wallet store: allowed sites', () => {
  it('start() loads every allowed site, by server then site', async () => {
    const { client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(selectAllowedSites(store.getState()).map((s) => [s.server, s.site])).toEqual([
      [MCP, 'auth.test'],
      [MCP, 'stripe.com'],
      [OTHER, 'pay.test'],
    ]);
    expect(client.callsTo('listAllowedSites')).toEqual([{}]);
    expect(store.getState().loads.allowedSites.state).toBe('ready');
  });

  it('changed{allowed-sites} (an "always allow" elsewhere) re-reads the list without a reload', async () => {
    const { memory, client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    await allowSite(memory, MCP, 'https://docs.test/start');
    await waitForState(store, (s) => s.allowedSites.some((entry) => entry.site === 'docs.test'));
    expect(client.callsTo('listAllowedSites')).toHaveLength(2);
    // Other collections are not re-read for it.
    expect(client.callsTo('listConnections')).toHaveLength(1);
  });

  it('removeAllowedSite asks the wallet for exactly that server and site, and the list follows', async () => {
    const { memory, client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().removeAllowedSite(MCP, 'stripe.com')).toBe(true);
    expect(client.callsTo('removeAllowedSite')).toEqual([{ server: MCP, site: 'stripe.com' }]);
    expect(store.getState().allowedSites.map((s) => s.site)).toEqual(['auth.test', 'pay.test']);
    expect((await memory.wallet.listAllowedSites()).map((s) => s.site).sort()).toEqual(['auth.test', 'pay.test']);
  });

  it('a failed remove leaves a notice with the code and re-reads the list', async () => {
    const { client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    client.failNext('removeAllowedSite', new LatchkeyError(ErrorCode.VaultClosed, 'The vault is closed.', { hint: 'Start Latchkey again.' }));
    expect(await store.getState().removeAllowedSite(MCP, 'stripe.com')).toBe(false);
    expect(store.getState().notices.at(-1)).toMatchObject({ action: 'Remove allowed site', code: 'vault.closed', hint: 'Start Latchkey again.' });
    expect(store.getState().allowedSites).toHaveLength(3);
    expect(client.callsTo('listAllowedSites')).toHaveLength(2);
  });

  it('a failed first load is kept in loads.allowedSites; the rest of the window still loads', async () => {
    const { client } = await seeded();
    client.failNext('listAllowedSites', new LatchkeyError(ErrorCode.Internal, 'boom'));
    const store = createWalletStore(client);
    await store.getState().start();
    expect(store.getState().loads.allowedSites).toMatchObject({ state: 'error', error: { code: 'internal' } });
    expect(store.getState().loads.connections.state).toBe('ready');
  });
});

describe('wallet store: deciding pages to open and step-ups', () => {
  it('E3: "Open page" with always-allow sends remember=true; "Decline" sends a plain deny', async () => {
    const memory = await openWallet();
    await memory.connect(MCP);
    await memory.enrol('ci-bot');
    await memory.wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'] });
    const page = (await memory.askToOpen('ci-bot', { server: MCP, url: 'https://pay.test/checkout?session=abc', message: 'Pay here.' })).approval;
    const stepUp = (await memory.ask('ci-bot', { resource: MCP, scopes: ['mcp:read', 'files:write'] })).approval;
    const client = probeClient(memory.client);
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().decideApproval(page.id, 'approve', true)).toBe(true);
    expect(await store.getState().decideApproval(stepUp.id, 'deny')).toBe(true);
    expect(client.callsTo('decideApproval')).toEqual([
      { id: page.id, decision: 'approve', remember: true },
      { id: stepUp.id, decision: 'deny' },
    ]);
    expect(store.getState().approvals).toEqual([]);
    await expect.poll(() => memory.opened).toEqual(['https://pay.test/checkout?session=abc']);
    expect((await memory.wallet.listAllowedSites()).map((s) => s.site)).toEqual(['pay.test']);
  });
});

/** The allowed-sites slice: loaded at start, re-read on changed{allowed-sites}, removed with a notice on failure. */
import { describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { selectAllowedSites } from '../../../renderer/store/selectors.js';
import type { AllowedSite } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { createFakeWalletClient } from '../../fakes/fake-wallet-client.js';
import { waitForState } from './wait.js';

const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://other.example.net/mcp';

function site(server: string, name: string, createdAt = 1_700_000_000_000): AllowedSite {
  return { server, site: name, createdAt };
}

function seeded() {
  return createFakeWalletClient({ allowedSites: [site(OTHER, 'pay.test'), site(MCP, 'stripe.com'), site(MCP, 'auth.test')] });
}

describe('wallet store: allowed sites', () => {
  it('start() loads every allowed site, by server then site', async () => {
    const client = seeded();
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
    const client = seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    client.world.allowedSites = [...client.world.allowedSites, site(MCP, 'docs.test')];
    client.emit({ type: 'changed', what: 'allowed-sites' });
    await waitForState(store, (s) => s.allowedSites.some((entry) => entry.site === 'docs.test'));
    expect(client.callsTo('listAllowedSites')).toHaveLength(2);
    // Other collections are not re-read for it.
    expect(client.callsTo('listConnections')).toHaveLength(1);
  });

  it('removeAllowedSite asks the wallet for exactly that server and site, and the list follows', async () => {
    const client = seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().removeAllowedSite(MCP, 'stripe.com')).toBe(true);
    expect(client.callsTo('removeAllowedSite')).toEqual([{ server: MCP, site: 'stripe.com' }]);
    expect(store.getState().allowedSites.map((s) => s.site)).toEqual(['auth.test', 'pay.test']);
    expect(client.world.allowedSites.map((s) => s.site)).toEqual(['pay.test', 'auth.test']);
  });

  it('a failed remove leaves a notice with the code and re-reads the list', async () => {
    const client = seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    client.failNext('removeAllowedSite', new LatchkeyError(ErrorCode.VaultClosed, 'The vault is closed.', { hint: 'Start Latchkey again.' }));
    expect(await store.getState().removeAllowedSite(MCP, 'stripe.com')).toBe(false);
    expect(store.getState().notices.at(-1)).toMatchObject({ action: 'Remove allowed site', code: 'vault.closed', hint: 'Start Latchkey again.' });
    expect(store.getState().allowedSites).toHaveLength(3);
    expect(client.callsTo('listAllowedSites')).toHaveLength(2);
  });

  it('a failed first load is kept in loads.allowedSites; the rest of the window still loads', async () => {
    const client = seeded();
    client.failNext('listAllowedSites', new LatchkeyError(ErrorCode.Internal, 'boom'));
    const store = createWalletStore(client);
    await store.getState().start();
    expect(store.getState().loads.allowedSites).toMatchObject({ state: 'error', error: { code: 'internal' } });
    expect(store.getState().loads.connections.state).toBe('ready');
  });
});

describe('wallet store: deciding issue-5 approvals', () => {
  it('E3: "Open page" with always-allow sends remember=true; "Decline" sends a plain deny', async () => {
    const url = 'https://pay.test/checkout?session=abc';
    const client = createFakeWalletClient({
      approvals: [
        { id: 'apr_elicitation0000000001', kind: 'url-elicitation', agentId: 'agt_0000000000000001', agentName: 'ci-bot', resource: MCP, url, message: 'Pay here.', createdAt: 1, expiresAt: Date.now() + 60_000, status: 'pending' },
        { id: 'apr_stepup000000000000001', kind: 'step-up', agentId: 'agt_0000000000000001', agentName: 'ci-bot', resource: MCP, scopes: ['a', 'b'], currentScopes: ['a'], createdAt: 2, expiresAt: Date.now() + 60_000, status: 'pending' },
      ],
    });
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().decideApproval('apr_elicitation0000000001', 'approve', true)).toBe(true);
    expect(await store.getState().decideApproval('apr_stepup000000000000001', 'deny')).toBe(true);
    expect(client.callsTo('decideApproval')).toEqual([
      { id: 'apr_elicitation0000000001', decision: 'approve', remember: true },
      { id: 'apr_stepup000000000000001', decision: 'deny' },
    ]);
    expect(store.getState().approvals).toEqual([]);
  });
});

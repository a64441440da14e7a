/**
 * T8 in the window, in Chromium through the headless host: a server connected as two accounts
 * shows one row per account with its label; disconnecting one asks first and takes that account
 * only; an agent's grant shows the account it names.
 */
import { describe, expect, it } from 'vitest';
import { seedConnection } from '../../support/seed-connection.js';
import { openScreen, reopenWindow, useUiSuite } from './support.js';

const RESOURCE = 'https://accounts.example.test/mcp';

const suite = useUiSuite({
  prepare: async (ui) => {
    await seedConnection(ui.daemon.composed.vault, RESOURCE, 'work');
    await seedConnection(ui.daemon.composed.vault, RESOURCE, 'personal');
    await ui.daemon.wallet.enrolAgent({ name: 'ci-bot' });
    await ui.daemon.wallet.createGrant({ agent: 'ci-bot', resource: RESOURCE, account: 'work', scopes: ['mcp:read'] });
    // The seed bypasses the wallet's owner changes (no live event): open the window again to read them.
    await reopenWindow(ui);
  },
});

describe('the window: two accounts on one server', () => {
  it('one row per account, each with its label; disconnect takes the one asked for', async () => {
    const { ui, page } = suite;
    await openScreen(page, 'Connections');
    const rows = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: RESOURCE });
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const personal = rows.filter({ hasText: 'account personal' });
    expect(await personal.count()).toBe(1);
    expect(await rows.filter({ hasText: 'account work' }).count()).toBe(1);

    await personal.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect this server?' });
    expect(await dialog.innerText()).toContain('(account personal)');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(async () => (await ui.daemon.wallet.listConnections()).map((c) => c.account)).toEqual(['work']);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('account work');
  });

  it("the agent's grant shows its account", async () => {
    const { ui, page } = suite;
    await openScreen(page, 'Agents');
    const grant = page.getByRole('row').filter({ hasText: RESOURCE });
    await grant.waitFor();
    expect(await grant.innerText()).toContain('account work');
    await ui.watch.expectClean();
  });
});

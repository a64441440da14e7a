/**
 * Connections in the window: the owner adds the test world's MCP server by URL; the browser step
 * (the AS login and consent) runs in another tab, driven by the world's opener; the window follows
 * the progress live and then lists the server as connected, with its scopes. Disconnect asks first.
 */
import { describe, expect, it } from 'vitest';
import { MCP_READ } from '../../world/index.js';
import { openScreen, useUiSuite } from './support.js';

const suite = useUiSuite();

describe('the window: connections', () => {
  it('add a server by URL → the AS login completes in another tab → the connection shows as connected with its scopes', async () => {
    const { world, ui, page } = suite;
    await openScreen(page, 'Connections');
    await page.getByText('No connections yet.').waitFor();

    const flow = world.opener.nextFlow();
    const form = page.getByRole('region', { name: 'Add a server' });
    await form.getByLabel('MCP server URL').fill(world.mcpUrl);
    await form.getByRole('button', { name: 'Connect' }).click();

    // The browser step runs in another tab (not this page): login, then consent, then the redirect.
    const result = await flow;
    expect(result.steps).toEqual(['login', 'consent']);
    expect(result.redirectedTo.searchParams.get('code')).not.toBeNull();
    expect(world.opener.opened[0]?.origin).toBe(world.issuer);
    expect(ui.context.pages()).toEqual([page]); // the window itself never navigated away

    const progress = page.getByRole('region', { name: 'Connection progress' });
    await progress.getByRole('status').getByText('Connected.').waitFor();
    const steps = await progress.getByRole('list', { name: 'Steps' }).getByRole('listitem').evaluateAll((items) =>
      items.map((item) => (item as unknown as { dataset: Record<string, string> }).dataset['step']),
    );
    expect(steps).toEqual(['probing', 'discovered', 'registered', 'browser', 'exchanging', 'connected']);
    expect(await progress.innerText()).toContain(world.issuer);

    const row = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: world.mcpUrl });
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('connected');
    expect(text).toMatch(/expires in/);
    // The scopes shown are the ones the AS granted (the server's challenge asked for mcp:read).
    const [connection] = await ui.daemon.wallet.listConnections();
    expect(connection).toMatchObject({ resource: world.mcpUrl, status: 'ok' });
    expect(connection?.scopes).toContain(MCP_READ);
    expect(await row.getByRole('list', { name: 'Scopes' }).getByRole('listitem').allInnerTexts()).toEqual(connection?.scopes);
  });

  it('disconnect asks first, then revokes at the AS and the list is empty again', async () => {
    const { world, ui, page } = suite;
    const row = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: world.mcpUrl });
    await row.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect this server?' });
    await dialog.waitFor();
    // The safe choice has the focus.
    expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('No connections yet.').waitFor();
    expect(await ui.daemon.wallet.listConnections()).toEqual([]);
    expect(world.as.revocations.length).toBeGreaterThan(0);
    await ui.watch.expectClean();
  });
});

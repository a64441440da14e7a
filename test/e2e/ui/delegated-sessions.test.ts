/**
 * T40 in the window, in Chromium through the headless host: a session delegated over the real
 * bridge shows under the session it came from on the Agents screen, with its slice; ending the
 * parent from the window ends the delegated session too (its secret is refused at the bridge).
 */
import { describe, expect, it } from 'vitest';
import { openScreen, useUiSuite } from './support.js';

const suite = useUiSuite({
  prepare: async (ui) => {
    await ui.daemon.wallet.connect({ url: ui.world.mcpUrl });
  },
});

describe('T40: the Agents screen shows delegated sessions as a tree', () => {
  it('a delegated session sits under its parent with its slice, and ending the parent ends it', { timeout: 90_000 }, async () => {
    const { world, ui, page } = suite;
    await ui.daemon.wallet.enrolAgent({ name: 'lead-bot' });
    await ui.daemon.wallet.createGrant({ agent: 'lead-bot', resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] });
    const parent = await ui.daemon.wallet.startSession({ agent: 'lead-bot', ttlSeconds: 600, pid: process.pid, command: 'lead --plan' });
    const delegated = await ui.bridge(parent.secret).delegate({ scopes: ['mcp:read'], pid: process.pid, command: 'helper --read' });

    await openScreen(page, 'Agents');
    const card = page.getByRole('article', { name: 'lead-bot' });
    const children = card.getByRole('list', { name: 'Delegated sessions' });
    await children.getByText('helper --read').waitFor();
    expect(await children.getByText('delegated: mcp:read on every granted server').count()).toBe(1);
    expect(await children.getByText('lead --plan').count()).toBe(0);

    const top = card.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ hasText: 'lead --plan' }).first();
    await top.getByRole('button', { name: 'End session' }).first().click();
    const confirm = page.getByRole('dialog', { name: 'End this session?' });
    await confirm.getByText('The sessions delegated from it end too.', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'End session' }).click();
    await card.getByText('helper --read').waitFor({ state: 'detached' });
    await expect(ui.bridge(delegated.secret).whoami()).rejects.toMatchObject({ code: 'bridge.unauthenticated' });
    await ui.watch.expectClean();
  });
});

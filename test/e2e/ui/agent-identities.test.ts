/**
 * Agents with identities of their own in the window, in Chromium through the headless host: an
 * agent is given its own client with a generated key (the dialog shows the public JWK set to copy,
 * never a private member, and shows it again later) or with a secret (a password field, never
 * shown back); an autonomous agent is set up in one step with a client it registers, and removing
 * it deletes that client; a refusal stays in the dialog with its code and leaves nothing behind;
 * and the Activity log names who asked for a delegated hand-out, the chain down from the owner
 * (R5, T40, E12).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MCP_READ } from '../../world/index.js';
import { chooseTheme, openScreen, saveScreenshot, useUiSuite, type Theme } from './support.js';

const THEMES: readonly Theme[] = ['light', 'dark'];
const SECRET = 'own-client-secret-4d1f9c';

const suite = useUiSuite({
  prepare: async (ui) => {
    await ui.daemon.wallet.connect({ url: ui.world.mcpUrl });
    await ui.daemon.wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' });
    await ui.daemon.wallet.enrolAgent({ name: 'nightly-report', kind: 'autonomous' });
  },
});

/** Sets the theme as the window's theme control does (choosing it there would close the open dialog). */
async function setThemeAttribute(page: Page, theme: Theme): Promise<void> {
  await page.evaluate((chosen) => {
    (globalThis as unknown as { document: { documentElement: { setAttribute(name: string, value: string): void } } }).document.documentElement.setAttribute('data-theme', chosen);
  }, theme);
}

/** Opens the agent's "Give this agent its own client" dialog and fills the server and client id. */
async function openOwnClientDialog(page: Page, agent: string, server: string, clientId: string) {
  await openScreen(page, 'Agents');
  await page.getByRole('article', { name: agent }).getByRole('button', { name: 'Give this agent its own client' }).click();
  const dialog = page.getByRole('dialog', { name: 'Give this agent its own client' });
  await dialog.getByLabel('MCP server URL').fill(server);
  await dialog.getByLabel('Client id').fill(clientId);
  return dialog;
}

describe('the window: agents with clients of their own', () => {
  it('E12: a generated key: the dialog shows its public JWK set (no private member) to copy; the card lists the client', { timeout: 90_000 }, async () => {
    const { ui, page, world } = suite;
    await ui.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.daemon.ui!.url });
    const asRequests = world.as.tokenRequestCount();
    const dialog = await openOwnClientDialog(page, 'ci-bot', world.mcpUrl, 'ci-bot-key');
    expect(await dialog.getByRole('radio', { name: /Generate a key/u }).isChecked()).toBe(true);
    await dialog.getByLabel('Key algorithm').selectOption('ES256');
    const started = performance.now();
    await dialog.getByRole('button', { name: 'Add client' }).click();

    const shown = page.getByRole('dialog', { name: 'Register this public key' });
    const jwksText = await shown.getByLabel('Public key set (JWKS)').inputValue();
    const wallTimeMs = Math.round(performance.now() - started);
    const jwks = JSON.parse(jwksText) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    for (const theme of THEMES) {
      await setThemeAttribute(page, theme);
      await saveScreenshot(page, `agents-own-client-jwks-${theme}`);
    }
    await shown.getByRole('button', { name: 'Copy JWKS' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor(); // the window's permissions policy lets it write, never read, the clipboard
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });

    const [client] = await ui.daemon.wallet.listAgentClients({ agent: 'ci-bot' });
    expect(client).toMatchObject({ clientId: 'ci-bot-key', method: 'private_key_jwt', issuer: world.issuer });
    const row = page.getByRole('table', { name: 'Own clients of ci-bot' }).getByRole('row').filter({ hasText: 'ci-bot-key' });
    await row.getByRole('cell', { name: 'key', exact: true }).waitFor();
    await row.getByText(client!.keyThumbprint!).waitFor();
    // The same public key set again later, for an administrator who needs it (agentJwks).
    await row.getByRole('button', { name: 'Public key' }).click();
    const again = page.getByRole('dialog', { name: 'Public key of this client' });
    expect(await again.getByLabel('Public key set (JWKS)').inputValue()).toBe(jwksText);
    await again.getByRole('button', { name: 'Done' }).click();
    await again.waitFor({ state: 'detached' });
    const requests = world.as.tokenRequestCount() - asRequests;
    console.info(`own client with a generated key from the window: ${wallTimeMs} ms from "Add client" to the JWK set shown, ${requests} token requests to the authorization server`);
    expect(requests).toBe(0);
    for (const theme of THEMES) {
      await chooseTheme(page, theme, 'Agents');
      await page.getByRole('table', { name: 'Own clients of ci-bot' }).waitFor();
      await saveScreenshot(page, `agents-own-client-${theme}`);
    }
    await ui.watch.expectClean();
  });

  it('a client secret is typed into a password field, handed to the wallet and never shown back', { timeout: 60_000 }, async () => {
    const { ui, page, world } = suite;
    const dialog = await openOwnClientDialog(page, 'nightly-report', world.mcpUrl, 'nightly-basic');
    await dialog.getByRole('radio', { name: /A client secret/u }).check();
    const secret = dialog.getByLabel('Client secret', { exact: true });
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill(SECRET);
    await dialog.getByRole('button', { name: 'Add client' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.getByRole('table', { name: 'Own clients of nightly-report' }).getByRole('row').filter({ hasText: 'nightly-basic' });
    await row.getByRole('cell', { name: 'secret', exact: true }).waitFor();
    expect((await ui.daemon.wallet.listAgentClients({ agent: 'nightly-report' })).map((c) => c.method)).toEqual(['client_secret_basic']);
    expect(await page.content()).not.toContain(SECRET);
    await ui.watch.expectClean();
  });

  it('a refusal stays in the dialog with its code and what to do, never a stack', { timeout: 60_000 }, async () => {
    const { ui, page } = suite;
    const dialog = await openOwnClientDialog(page, 'nightly-report', 'http://127.0.0.1:9/mcp', 'nowhere');
    await dialog.getByRole('button', { name: 'Add client' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.locator('code').waitFor();
    const text = await refusal.innerText();
    expect(text).toMatch(/[a-z]+\.[a-z_]+/u);
    expect(text).not.toMatch(/\bat .+:\d+:\d+/u);
    expect(await page.getByRole('region', { name: 'Notices' }).getByRole('alert').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    ui.watch.consoleErrors.splice(0); // the browser logs the host's refusal
    await ui.watch.expectClean();
  });

  it('T40: the Activity log shows a delegated hand-out as sub-agent ← agent ← owner', { timeout: 60_000 }, async () => {
    const { ui, page, world } = suite;
    const { wallet } = ui.daemon;
    await wallet.enrolAgent({ name: 'lead-bot' });
    await wallet.createGrant({ agent: 'lead-bot', resource: world.mcpUrl, scopes: [MCP_READ] });
    const parent = await wallet.startSession({ agent: 'lead-bot', ttlSeconds: 600, pid: process.pid, command: 'lead --plan' });
    const delegated = await ui.bridge(parent.secret).delegate({ scopes: [MCP_READ], pid: process.pid, command: 'helper --read' });
    await ui.bridge(delegated.secret).token(world.mcpUrl);

    const issued = (await wallet.queryAudit({ limit: 50 })).filter((event) => event.type === 'token.issued').at(-1)!;
    expect(issued.chain?.slice(-2)).toEqual(['lead-bot', 'owner']);
    await openScreen(page, 'Activity');
    const row = page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'token.issued' }).first();
    const line = `${issued.chain!.slice(0, -1).join(' ← ')} ← ${issued.owner === undefined ? 'owner' : `owner ${issued.owner}`}`;
    await row.getByText(line).waitFor();
    await ui.watch.expectClean();
  });

  it('one step: an autonomous agent with a client it registers, tried at the AS, granted; removing it deletes the client', { timeout: 90_000 }, async () => {
    const { ui, page, world } = suite;
    const before = { tokens: world.as.tokenRequestCount(), registrations: world.as.registrations.length };
    await openScreen(page, 'Agents');
    await page.getByRole('button', { name: 'Add autonomous agent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add autonomous agent' });
    await dialog.getByLabel('Name').fill('dcr-bot');
    await dialog.getByLabel('MCP server URL').fill(world.mcpUrl);
    await dialog.getByLabel(/^Scopes/u).fill(MCP_READ);
    expect(await dialog.getByRole('radio', { name: /Register a client/u }).isChecked()).toBe(true);
    expect(await dialog.getByLabel('Client id').count()).toBe(0);
    for (const theme of THEMES) {
      await setThemeAttribute(page, theme);
      await saveScreenshot(page, `agents-add-autonomous-${theme}`);
    }
    const started = performance.now();
    await dialog.getByRole('button', { name: 'Add autonomous agent' }).click();

    const done = page.getByRole('dialog', { name: 'Autonomous agent added' });
    await done.getByText('The authorization server issued the client a token: it works.', { exact: false }).waitFor();
    const wallTimeMs = Math.round(performance.now() - started);
    expect(await done.getByLabel('Agent secret').inputValue()).toMatch(/^lk_agent_/u);
    const jwks = JSON.parse(await done.getByLabel('Public key set (JWKS)').inputValue()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const requests = { tokens: world.as.tokenRequestCount() - before.tokens, registrations: world.as.registrations.length - before.registrations };
    console.info(`autonomous agent in one step from the window (registered client): ${wallTimeMs} ms, ${requests.registrations} registration and ${requests.tokens} token request(s) at the authorization server`);
    expect(requests).toEqual({ tokens: 1, registrations: 1 });
    await done.getByRole('button', { name: 'Done' }).click();

    const card = page.getByRole('article', { name: 'dcr-bot' });
    await card.getByRole('table', { name: 'Own clients of dcr-bot' }).getByRole('cell', { name: 'key', exact: true }).waitFor();
    await card.getByText(MCP_READ).first().waitFor();
    const dcrBot = (await ui.daemon.wallet.listAgents()).find((agent) => agent.name === 'dcr-bot')!;
    await card.getByRole('button', { name: 'Remove agent' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove this agent?' });
    await confirm.getByText('Its 1 own client(s) and their keys are deleted from the vault.', { exact: false }).waitFor();
    // The card goes once the agent is removed; its own clients go after that, in the same call, the
    // last step audited as client.removed: wait for that entry, not the card, before reading them.
    let unsubscribe = (): void => undefined;
    const clientRemoved = new Promise<void>((resolve) => {
      unsubscribe = ui.daemon.wallet.subscribe((event) => {
        if (event.type === 'audit.appended' && event.event.type === 'client.removed' && event.event.agentId === dcrBot.id) resolve();
      });
    });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await card.waitFor({ state: 'detached' });
    await clientRemoved.finally(unsubscribe);
    expect((await ui.daemon.wallet.listAgentClients({})).filter((c) => c.agentId === dcrBot.id)).toEqual([]);
    await ui.watch.expectClean();
  });

  it('one step refused by the AS (an unknown client): the refusal is in the dialog and no agent is left behind', { timeout: 60_000 }, async () => {
    const { ui, page, world } = suite;
    await openScreen(page, 'Agents');
    await page.getByRole('button', { name: 'Add autonomous agent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add autonomous agent' });
    await dialog.getByLabel('Name').fill('stray-bot');
    await dialog.getByLabel('MCP server URL').fill(world.mcpUrl);
    await dialog.getByRole('radio', { name: /A client secret/u }).check();
    await dialog.getByLabel('Client id').fill('nobody-registered-this');
    await dialog.getByLabel('Client secret', { exact: true }).fill(SECRET);
    await dialog.getByRole('button', { name: 'Add autonomous agent' }).click();
    await dialog.getByRole('alert').getByText('identity.client_rejected').waitFor();
    expect((await ui.daemon.wallet.listAgents()).map((agent) => agent.name)).not.toContain('stray-bot');
    expect(await page.content()).not.toContain(SECRET);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    ui.watch.consoleErrors.splice(0); // the browser logs the host's refusal
    await ui.watch.expectClean();
  });
});

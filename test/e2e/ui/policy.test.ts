/**
 * Grants as code in the window (T41, E13), in Chromium through the headless host: the Policy screen
 * saves the wallet's file; an edited file, picked from disk, is planned in `latchkey policy diff`'s
 * words with the widening marked; "Apply" changes the agent's grant; a plan the wallet changed
 * under is refused with policy.stale and nothing is applied until the owner reviews again.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicyText, type PolicyFile } from '../../../shared/policy.js';
import { MCP_READ, MCP_WRITE } from '../../world/index.js';
import { chooseTheme, openScreen, saveScreenshot, useUiSuite, type Theme } from './support.js';

const AGENT = 'report-bot';

const suite = useUiSuite({
  prepare: async (ui) => {
    await ui.daemon.wallet.connect({ url: ui.world.mcpUrl });
    await ui.daemon.wallet.enrolAgent({ name: AGENT, kind: 'autonomous' });
    await ui.daemon.wallet.createGrant({ agent: AGENT, resource: ui.world.mcpUrl, scopes: [MCP_READ] });
  },
});

/** The file with the agent's one grant given these scopes. */
function withScopes(file: PolicyFile, scopes: string[]): string {
  return `${JSON.stringify({ ...file, agents: file.agents.map((agent) => ({ ...agent, grants: agent.grants.map((grant) => ({ ...grant, scopes })) })) }, null, 2)}\n`;
}

/** A change's text as one line (its sign, headline, mark and details are laid out apart). */
const words = (text: string): string => text.replace(/\s+/gu, ' ').trim();

/** Saves the policy file from the window, as the owner's browser would, and reads it. */
async function savePolicyFile(page: Page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save policy file' }).click()]);
  expect(download.suggestedFilename()).toBe('latchkey-policy.json');
  return readFile(await download.path(), 'utf8');
}

/** Picks a file with the window's file input; the window reads it into the text area. */
async function pickPolicyFile(page: Page, text: string): Promise<void> {
  await page.getByLabel('Open a policy file').setInputFiles({ name: 'policy.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect.poll(() => page.getByLabel('Policy file contents').inputValue()).toBe(text);
}

/** What the focused control is called: its label's text, or its own. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = (globalThis as unknown as { document: { activeElement: { textContent: string | null; closest(s: string): { textContent: string | null } | null } | null } }).document.activeElement;
    return (active?.closest('label')?.textContent ?? active?.textContent ?? '').trim();
  });
}

/** Presses Tab until the control named `name` has the focus (at most 30 times). */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 30 && !(await focusedName(page)).startsWith(name); i += 1) await page.keyboard.press('Tab');
  expect(await focusedName(page)).toMatch(new RegExp(`^${name}`, 'u'));
}

async function review(page: Page, text: string): Promise<void> {
  await page.getByLabel('Policy file contents').fill(text);
  await page.getByRole('button', { name: 'Review changes' }).click();
  await page.getByRole('heading', { name: 'What applying this file would change' }).waitFor();
}

describe('the window: grants as code', () => {
  it('E13: export → pick an edited file → the plan marks the widening → apply → the agent has the wider grant', { timeout: 90_000 }, async () => {
    const { ui, page, world } = suite;
    await openScreen(page, 'Policy');
    const exported = await savePolicyFile(page);
    expect(exported).toBe(formatPolicy(await ui.daemon.wallet.exportPolicy()));
    expect(await page.getByLabel('Exported policy file').inputValue()).toBe(exported); // to select and copy where downloads are refused (the desktop app)
    const edited = withScopes(parsePolicyText(exported), [MCP_READ, MCP_WRITE]);

    const started = performance.now();
    const asRequests = world.as.tokenRequestCount();
    await pickPolicyFile(page, edited);
    await page.getByRole('button', { name: 'Review changes' }).click();
    const changes = page.getByRole('list', { name: 'Planned changes' }).getByRole('listitem');
    await changes.first().waitFor();
    const reviewMs = Math.round(performance.now() - started);
    expect(await changes.count()).toBe(1);
    const change = words(await changes.first().innerText());
    expect(change).toContain(`~ grant ${AGENT} → ${world.mcpUrl}`);
    expect(change).toContain('widens access');
    expect(change).toContain(`scopes: ${MCP_READ} → ${MCP_READ} ${MCP_WRITE} (+ ${MCP_WRITE})`);
    await page.getByText("1 change: 1 widens an agent's access, 0 remove something.").waitFor();

    for (const theme of ['light', 'dark'] as const satisfies readonly Theme[]) {
      await chooseTheme(page, theme, 'Policy');
      await review(page, edited);
      await saveScreenshot(page, `policy-plan-${theme}`);
    }

    const applying = performance.now();
    await page.getByRole('button', { name: 'Apply 1 change' }).click();
    await page.getByText('Applied 1 change; each is in the audit log as yours.').waitFor();
    const applyMs = Math.round(performance.now() - applying);
    expect((await ui.daemon.wallet.listGrants({ agent: AGENT }))[0]?.scopes.sort()).toEqual([MCP_READ, MCP_WRITE].sort());
    const applied = (await ui.daemon.wallet.queryAudit({ limit: 20 })).filter((event) => event.type === 'grant.updated');
    expect(applied).toHaveLength(1);
    const requests = world.as.tokenRequestCount() - asRequests;
    console.info(`policy from the window: pick and review ${reviewMs} ms, apply ${applyMs} ms, ${requests} requests to the authorization server`);
    expect(requests).toBe(0);

    await openScreen(page, 'Agents');
    await page.getByRole('article', { name: AGENT }).getByText(MCP_WRITE).waitFor();
    await ui.watch.expectClean();
  });

  it('a plan the wallet changed under is refused as stale; nothing is applied until it is reviewed again', { timeout: 60_000 }, async () => {
    const { ui, page } = suite;
    const { wallet } = ui.daemon;
    await openScreen(page, 'Policy');
    const current = await wallet.exportPolicy();
    await review(page, `${JSON.stringify({ ...current, agents: current.agents.map((agent) => ({ ...agent, grants: [] })) }, null, 2)}\n`);
    const removal = page.getByRole('list', { name: 'Planned changes' }).getByRole('listitem').first();
    expect(words(await removal.innerText())).toContain(`- REMOVE grant ${AGENT} →`);
    expect(await removal.getAttribute('class')).toContain('plan-remove');

    const [grant] = await wallet.listGrants({ agent: AGENT });
    await wallet.updateGrant({ id: grant!.id, scopes: [MCP_READ] });
    await page.getByRole('button', { name: 'Apply 1 change' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'policy.stale' });
    await refusal.getByText('The wallet changed since the plan you confirmed; nothing was applied.').waitFor();
    await refusal.getByText('Review the changes again', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Apply 1 change' }).isDisabled()).toBe(true);
    expect((await wallet.listGrants({ agent: AGENT })).map((g) => g.scopes)).toEqual([[MCP_READ]]);

    await page.getByRole('button', { name: 'Review again' }).click();
    await page.getByRole('alert').filter({ hasText: 'policy.stale' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Apply 1 change' }).isEnabled()).toBe(true);
    // The browser logs the host's refusal of the stale plan; nothing else.
    expect(ui.watch.consoleErrors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
    await ui.watch.expectClean();
  });

  it('keyboard only: Alt+5 opens Policy, Tab reaches the file, Review changes and Apply', { timeout: 60_000 }, async () => {
    const { ui, page, world } = suite;
    await openScreen(page, 'Approvals');
    await page.keyboard.press('Alt+5');
    await page.getByRole('heading', { level: 1, name: 'Policy' }).waitFor();
    const current = await ui.daemon.wallet.exportPolicy();
    const text = `${JSON.stringify({ ...current, allowedSites: [{ server: world.mcpUrl, site: 'example.com' }] }, null, 2)}\n`;
    await tabTo(page, 'Policy file contents');
    await page.keyboard.insertText(text);
    await tabTo(page, 'Review changes');
    await page.keyboard.press('Enter');
    const change = page.getByRole('list', { name: 'Planned changes' }).getByRole('listitem').first();
    expect(words(await change.innerText())).toBe(`+ allowed site example.com for ${world.mcpUrl} widens access`);
    await tabTo(page, 'Apply 1 change');
    await page.keyboard.press('Enter');
    await page.getByText('Applied 1 change; each is in the audit log as yours.').waitFor();
    expect((await ui.daemon.wallet.listAllowedSites({})).map((entry) => entry.site)).toEqual(['example.com']);
    await ui.watch.expectClean();
  });
});

/**
 * Approvals, live, in the window served by the headless host: an enrolled agent asks the real
 * bridge for a token without a grant → the approval appears without a reload → the owner approves
 * (once with the mouse, then "approve and remember" with the keyboard only) → the agent gets its
 * token; the owner revokes the grant in Agents → the next request is refused at once, with no new card;
 * Activity shows the hand-outs and the refusals, and takes new entries live.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../shared/agents.js';
import { isLatchkeyError } from '../../../shared/errors.js';
import { MCP_READ } from '../../world/index.js';
import { openScreen, useUiSuite } from './support.js';

let secret: string;
const suite = useUiSuite({
  prepare: async (ui) => {
    await ui.daemon.wallet.connect({ url: ui.world.mcpUrl });
    secret = (await ui.daemon.wallet.enrolAgent({ name: 'agent-a' })).secret;
  },
});

/** The pending approval card of `agent` (its heading names the agent and what it asks). */
function approvalCard(agent: string) {
  return suite.page.getByRole('article', { name: `${agent} asks for a token` });
}

/** Presses Tab until the focused element is the button named `name` (at most `limit` presses). */
async function tabTo(name: string, limit = 40): Promise<void> {
  const { page } = suite;
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string | null } | null } }).document.activeElement;
      return active === null ? '' : `${active.tagName}:${(active.textContent ?? '').trim()}`;
    });
    if (focused === `BUTTON:${name}`) return;
  }
  throw new Error(`"${name}" was not reached with ${limit} Tab presses`);
}

describe('the window: approvals, grants and activity, live', () => {
  it('an agent without a grant asks → the approval appears without a reload → Approve once → the agent gets its token', async () => {
    const { world, ui, page } = suite;
    await page.getByText('Nothing is waiting for you.').waitFor();
    const agent = ui.bridge(secret);
    const asking = agent.token(world.mcpUrl, [MCP_READ]);

    const card = approvalCard('agent-a');
    await card.waitFor();
    await expect.poll(() => card.innerText()).toContain(world.mcpUrl);
    expect(await card.innerText()).toContain(MCP_READ);
    // The sidebar counts it too.
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByText('1', { exact: true }).count()).toBe(1);

    await card.getByRole('button', { name: 'Approve once' }).click();
    const token = await asking;
    expect(decodeJwt(token.access_token)).toMatchObject({ aud: world.mcpUrl, scope: MCP_READ });
    await card.waitFor({ state: 'detached' });
    await page.getByText('Nothing is waiting for you.').waitFor();
    // Once is once: no grant was made.
    expect(await ui.daemon.wallet.listGrants({ agent: 'agent-a' })).toEqual([]);
  });

  it('keyboard only: Tab to "Approve and remember", Enter → token and a grant', async () => {
    const { world, ui, page } = suite;
    const asking = ui.bridge(secret).token(world.mcpUrl, [MCP_READ]);
    const card = approvalCard('agent-a');
    await card.waitFor();
    // Start from the screen's heading (it takes focus when a screen opens) and move with Tab only.
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).focus();
    await tabTo('Approve and remember');
    await page.keyboard.press('Enter');
    const token = await asking;
    expect(token.scope).toBe(MCP_READ);
    await card.waitFor({ state: 'detached' });
    const grants = await ui.daemon.wallet.listGrants({ agent: 'agent-a' });
    expect(grants.map((g: Grant) => [g.resource, g.scopes, g.mode])).toEqual([[world.mcpUrl, [MCP_READ], 'allow']]);
    // With the grant the next request needs nobody.
    expect((await ui.bridge(secret).token(world.mcpUrl, [MCP_READ])).scope).toBe(MCP_READ);
  });

  it('keyboard only: the sections are reachable with Tab and Enter', async () => {
    const { page } = suite;
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).focus();
    await page.keyboard.press('Shift+Tab'); // back into the sidebar, which comes first
    for (let i = 0; i < 10; i += 1) {
      const label = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent ?? '');
      if (label.startsWith('Agents')) break;
      await page.keyboard.press(label.startsWith('Approvals') ? 'Tab' : 'Shift+Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor();
    await openScreen(page, 'Approvals');
  });

  it('revoke the grant in Agents → the next request is refused at once (grant.revoked), no new card; Activity shows it all, live', async () => {
    const { world, ui, page } = suite;
    await openScreen(page, 'Agents');
    const agentCard = page.getByRole('article', { name: 'agent-a' });
    const row = agentCard.getByRole('row').filter({ hasText: world.mcpUrl });
    await row.waitFor();
    // T38: a remembered grant lets tokens live as the server issues them, with the server's figure.
    await row.getByText('as issued (5 min)').waitFor();
    await row.getByRole('button', { name: 'Revoke grant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this grant?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    await agentCard.getByText('No grants.').waitFor();
    // T38/B16: the window says until when the token it already had stays valid at the server (JWTs cannot be revoked there).
    await agentCard.getByRole('status').filter({ hasText: /stays? valid at the server until/ }).waitFor();
    expect(await ui.daemon.wallet.listGrants({ agent: 'agent-a' })).toEqual([]);

    // The owner has just said no: the agent hears so at once, and nobody is asked again.
    const refused = await ui
      .bridge(secret)
      .token(world.mcpUrl, [MCP_READ])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isLatchkeyError(refused) ? refused.code : refused).toBe('grant.revoked');
    expect(await ui.daemon.wallet.listApprovals({ status: 'pending' })).toEqual([]);

    await openScreen(page, 'Activity');
    const audit = page.getByRole('table', { name: 'Audit log' });
    const issued = audit.getByRole('row').filter({ hasText: 'token.issued' });
    await expect.poll(() => issued.count()).toBe(3);
    expect(await issued.first().innerText()).toContain('agent-a');
    expect(await issued.first().innerText()).toMatch(/token sha256:/);
    const denied = audit.getByRole('row').filter({ hasText: 'token.refused' });
    await expect.poll(() => denied.count()).toBe(1);
    expect(await denied.first().innerText()).toContain('grant.revoked');
    // The owner's grant.revoked entry, and the refusal naming that code.
    expect(await audit.getByRole('row').filter({ hasText: 'grant.revoked' }).count()).toBe(2);

    // Live: a refusal while the owner watches Activity appears without a reload.
    const unknown = 'http://127.0.0.1:9/not-connected';
    await expect(ui.bridge(secret).token(unknown)).rejects.toMatchObject({ code: 'connection.not_found' });
    const live = audit.getByRole('row').filter({ hasText: unknown });
    await live.waitFor();
    expect(await live.innerText()).toContain('token.refused');
    expect(await live.getAttribute('data-outcome')).toBe('denied');
    await ui.watch.expectClean();
  });
});

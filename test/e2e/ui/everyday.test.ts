/**
 * The window's everyday use, in Chromium through the headless host: an agent and a grant
 * added from the window (the secret shown once, copyable, gone when the dialog closes, and working
 * at the real bridge), the edit-grant dialog naming the agent, the enrolment card naming the asking
 * process, Activity naming agents with session rows folded and no column cut off at 1280 px,
 * errors styled as errors, and Settings / the sidebar showing the version and whether Latchkey answers.
 */
import { describe, expect, it } from 'vitest';
import { requestEnrolment } from '../../../electron/agent/bridge-client/client.js';
import { MCP_READ } from '../../world/index.js';
import { openScreen, useUiSuite } from './support.js';

const suite = useUiSuite({
  prepare: async (ui) => {
    await ui.context.grantPermissions(['clipboard-write'], { origin: ui.daemon.ui!.url });
    await ui.daemon.wallet.connect({ url: ui.world.mcpUrl });
  },
});

function agentCard(name: string) {
  return suite.page.getByRole('article', { name });
}

describe('the window, everyday use', () => {
  it('adds an agent from the window and shows its secret once, copyable, then forgets it', { timeout: 60_000 }, async () => {
    const { world, ui, page } = suite;
    await openScreen(page, 'Agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const form = page.getByRole('dialog', { name: 'Add agent' });
    await form.getByLabel('Name').fill('report-bot');
    await form.getByLabel('Kind').selectOption('autonomous');
    await form.getByRole('button', { name: 'Add agent' }).click();

    const shown = page.getByRole('dialog', { name: 'Agent added' });
    const secret = await shown.getByLabel('Agent secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor(); // the host's Permissions-Policy blocks reading it back
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await agentCard('report-bot').waitFor();
    expect(await page.content()).not.toContain(secret);
    expect((await ui.daemon.wallet.listAgents()).find((a) => a.name === 'report-bot')?.kind).toBe('autonomous');

    // The grant, from the window: the dialog names the agent; the agent then gets its token.
    await agentCard('report-bot').getByRole('button', { name: 'Add grant' }).click();
    const grant = page.getByRole('dialog', { name: 'Add grant' });
    await grant.getByText('Agent: report-bot').waitFor();
    expect(await grant.getByRole('combobox', { name: /^Server/ }).inputValue()).toBe(world.mcpUrl);
    await grant.getByLabel('Scopes (separated by spaces)').fill(MCP_READ);
    await grant.getByRole('button', { name: 'Add grant' }).click();
    await grant.waitFor({ state: 'detached' });
    await agentCard('report-bot').getByRole('button', { name: 'Edit grant' }).waitFor();
    expect((await ui.bridge(secret, 10_000).token(world.mcpUrl)).scope).toBe(MCP_READ);

    await agentCard('report-bot').getByRole('button', { name: 'Edit grant' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit grant' });
    await edit.getByText('Agent: report-bot').waitFor();
    await page.keyboard.press('Escape');
    await edit.waitFor({ state: 'detached' });
    await ui.watch.expectClean();
  });

  it('a refused action shows as an error: the code, a danger-coloured edge, role alert', async () => {
    const { ui, page } = suite;
    await openScreen(page, 'Agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const form = page.getByRole('dialog', { name: 'Add agent' });
    await form.getByLabel('Name').fill('report-bot');
    await form.getByRole('button', { name: 'Add agent' }).click();
    await form.getByRole('button', { name: 'Cancel' }).click();
    const notice = page.getByRole('region', { name: 'Notices' }).getByRole('alert');
    await notice.getByText('agent.exists').waitFor();
    const [edge, danger] = await notice.evaluate((el) => {
      const view = globalThis as unknown as { getComputedStyle(node: unknown): { borderLeftColor: string; color: string } };
      return [view.getComputedStyle(el).borderLeftColor, view.getComputedStyle((el as unknown as { querySelector(s: string): unknown }).querySelector('strong')).color];
    });
    expect(edge).toBe(danger);
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    // The refused call is the one console line this test expects (Chromium logs the 409).
    expect(ui.watch.consoleErrors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });

  it('T32: the enrolment card says which process asks (pid, program, working directory)', async () => {
    const { ui, page } = suite;
    await openScreen(page, 'Approvals');
    const enrolment = requestEnrolment({ socketPath: ui.daemon.bridge.socketPath }, { name: 'asks-to-enrol' }, 60_000).catch(() => undefined);
    const requester = page.getByTestId('requester');
    await requester.waitFor();
    expect(await requester.innerText()).toContain(`pid ${process.pid}`);
    for (const approval of await ui.daemon.wallet.listApprovals({ status: 'pending' })) await ui.daemon.wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await enrolment;
  });

  it('Activity names agents, folds session rows until asked, and keeps every column inside 1280 px', async () => {
    const { ui, page } = suite;
    const session = await ui.daemon.wallet.startSession({ agent: 'report-bot', ttlSeconds: 600, pid: process.pid, command: 'report --nightly' });
    await ui.daemon.wallet.endSession({ id: session.session.id, reason: 'exited' });
    await openScreen(page, 'Activity');
    const table = page.getByRole('table', { name: 'Audit log' });
    const grantRow = table.getByRole('row').filter({ hasText: 'grant.created' });
    await expect.poll(() => grantRow.getByRole('cell').nth(3).innerText()).toBe('report-bot');
    await page.getByText(/session starts and ends are folded away/).waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'session.started' }).count()).toBe(0);
    await page.getByLabel('Show session starts and ends').check();
    await table.getByRole('row').filter({ hasText: 'session.ended' }).waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'session.started' }).getByRole('cell').nth(3).innerText()).toBe('report-bot');

    const widths = await table.evaluate((el) => ({ table: el.scrollWidth, wrap: el.parentElement!.clientWidth }));
    expect(widths.table).toBeLessThanOrEqual(widths.wrap);
    const reason = table.getByRole('row').filter({ hasText: 'token.issued' }).getByRole('cell').last();
    const box = await reason.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    await page.getByLabel('Show session starts and ends').uncheck();
    await ui.watch.expectClean();
  });

  it('Settings shows the version; the sidebar shows that Latchkey answers', async () => {
    const { page } = suite;
    await openScreen(page, 'Settings');
    const about = page.getByRole('region', { name: 'About' });
    await about.getByText(/^Latchkey \d+\.\d+\.\d+/).waitFor();
    expect(await page.getByRole('status', { name: 'Latchkey status' }).innerText()).toContain('Latchkey is running');
  });
});

/**
 * Screenshots of every screen in both themes, empty and with data, saved under
 * test-results/screenshots/ as artifacts (chosen with the window's own theme control). The data is
 * real: a connection to the test world, enrolled agents with a grant, a client of its own and a session, a token handed
 * out, a pending consent and a pending enrolment.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEnrolment } from '../../../electron/agent/bridge-client/client.js';
import { MCP_READ, MCP_WRITE, startWorld, type World } from '../../world/index.js';
import { postElicitation } from './elicitation-agent.js';
import { PageOpener } from './page-opener.js';
import { chooseTheme, openScreen, saveScreenshot, startUi, type ScreenName, type Theme, type UiFixture } from './support.js';

const SCREENS: readonly ScreenName[] = ['Approvals', 'Agents', 'Connections', 'Activity', 'Policy', 'Settings'];
const THEMES: readonly Theme[] = ['light', 'dark'];

let world: World;
let ui: UiFixture;
let page: Page;

beforeAll(async () => {
  world = await startWorld();
  ui = await startUi(world, { opener: new PageOpener(world) });
  page = ui.page;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await world?.close();
});

function backgroundOf(page: Page): Promise<string> {
  return page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
}

async function shootAll(suffix: string): Promise<string[]> {
  const saved: string[] = [];
  const backgrounds = new Set<string>();
  for (const theme of THEMES) {
    await chooseTheme(page, theme);
    backgrounds.add(await backgroundOf(page));
    for (const screen of SCREENS) {
      await openScreen(page, screen);
      await page.getByText('Loading…').waitFor({ state: 'detached' });
      saved.push(await saveScreenshot(page, `${screen.toLowerCase()}${suffix}-${theme}`));
    }
  }
  expect(backgrounds.size, 'light and dark differ').toBe(2);
  return saved;
}

describe('the window: screenshots of every screen in both themes', () => {
  it('empty screens tell a newcomer what to do next', async () => {
    const saved = await shootAll('-empty');
    expect(saved).toHaveLength(12);
    await openScreen(page, 'Approvals');
    await page.getByText('Nothing is waiting for you.').waitFor();
    await openScreen(page, 'Agents');
    await page.getByText('No agents yet.').waitFor();
    await openScreen(page, 'Connections');
    await page.getByText('No connections yet.').waitFor();
  });

  it('screens with data: a connection, agents with grants and sessions, activity, pending approvals', async () => {
    const { wallet } = ui.daemon;
    await wallet.connect({ url: world.mcpUrl });
    const claude = await wallet.enrolAgent({ name: 'claude-code' });
    const ci = await wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' });
    await wallet.createGrant({ agent: 'ci-bot', resource: world.mcpUrl, scopes: [MCP_READ], maxTokenLifetimeSeconds: 600 });
    await wallet.enrolAgent({ name: 'ops-bot', kind: 'autonomous' });
    await wallet.setAgentClient({ agent: 'ops-bot', server: world.mcpUrl, clientId: 'ops-bot-key', generateKey: 'ES256' });
    await wallet.startSession({ agent: 'claude-code', ttlSeconds: 3600, pid: process.pid, command: 'claude --mcp-config mcp.json' }); // a live process: sessions are bound to their runner (T36)
    expect((await ui.bridge(ci.secret).token(world.mcpUrl)).scope).toBe(MCP_READ);
    const consent = ui.bridge(claude.secret).token(world.mcpUrl, [MCP_READ]).catch(() => undefined);
    const enrolment = requestEnrolment({ socketPath: ui.daemon.bridge.socketPath }, { name: 'nightly-report' }, 60_000).catch(() => undefined);

    await openScreen(page, 'Approvals');
    await expect.poll(() => page.getByRole('list', { name: 'Pending approvals' }).getByRole('article').count()).toBe(2);
    const saved = await shootAll('');
    expect(saved).toHaveLength(12);

    // A confirmation dialog, in the dark theme.
    await openScreen(page, 'Agents');
    await page.getByRole('button', { name: 'Revoke grant' }).click();
    await page.getByRole('dialog', { name: 'Revoke this grant?' }).waitFor();
    await saveScreenshot(page, 'agents-revoke-dialog-dark');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    for (const approval of await wallet.listApprovals({ status: 'pending' })) await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await Promise.all([consent, enrolment]);
    await ui.watch.expectClean();
  });

  it('approval cards: a page to open (with warnings), a retry, a step-up; allowed sites', async () => {
    const { wallet } = ui.daemon;
    const agent = await wallet.enrolAgent({ name: 'shopper' });
    // An agent hands over pages only for servers it holds a grant for (T33).
    for (const server of ['https://shop.example.com/mcp', 'https://mcp.example.com/mcp', 'https://docs.example.com/mcp']) {
      await wallet.createGrant({ agent: 'shopper', resource: server, scopes: ['mcp:read'] });
    }
    const socket = ui.daemon.bridge.socketPath!;
    const message = 'Confirm the payment at https://pay.example.net/ to continue.';
    // An allowed site, chosen with "always allow" (here through the wallet, as the CLI does).
    const allowing = postElicitation(socket, agent.secret, { server: 'https://shop.example.com/mcp', url: 'https://checkout.pay.example.net/s/1', message });
    await expect.poll(async () => (await wallet.listApprovals({ status: 'pending' })).length).toBe(1);
    await wallet.decideApproval({ id: (await wallet.listApprovals({ status: 'pending' }))[0]!.id, decision: 'approve', remember: true });
    expect((await allowing).action).toBe('accept');

    const asks = [
      postElicitation(socket, agent.secret, { server: 'https://mcp.example.com/mcp', url: 'https://accounts.example.com.evil.test/login?next=%2Fpay', message }),
      postElicitation(socket, agent.secret, { server: 'https://docs.example.com/mcp', url: 'https://auth.example.org/link/42', message: 'Link your account.' }),
      postElicitation(socket, agent.secret, { server: 'https://shop.example.com/mcp', url: 'https://checkout.pay.example.net/s/2', message, stage: 'wait' }),
    ];
    const stepUp = ui.bridge(agent.secret).token(world.mcpUrl, [MCP_READ, MCP_WRITE]).catch(() => undefined);
    await openScreen(page, 'Approvals');
    await expect.poll(() => page.getByRole('list', { name: 'Pending approvals' }).getByRole('article').count()).toBe(4);
    for (const theme of THEMES) {
      await chooseTheme(page, theme, 'Approvals');
      await saveScreenshot(page, `approvals-pages-step-up-${theme}`);
      await openScreen(page, 'Connections');
      await page.getByRole('table', { name: 'Allowed sites' }).waitFor();
      await saveScreenshot(page, `connections-allowed-sites-${theme}`);
    }
    await openScreen(page, 'Approvals');
    for (const approval of await wallet.listApprovals({ status: 'pending' })) await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await Promise.all([...asks, stepUp]);
    await ui.watch.expectClean();
  });
});

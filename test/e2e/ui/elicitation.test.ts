/**
 * URL elicitation and step-up in the window (protocol.md E3, threats T21/E8/E9): an enrolled agent hands its server's URL
 * elicitations to the wallet (POST /v1/elicitations, stages 'open' and 'wait') and asks for more
 * scopes than the connection holds (step-up); the owner sees each request live in the window, with
 * the facts to judge it, and decides there. The agent gets only the action (never the URL); the
 * page is opened only after "Open page", once; allowed sites are listed and removable.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';
import { MCP_READ, MCP_WRITE, startWorld, type World } from '../../world/index.js';
import { postElicitation, type ElicitationAnswer } from './elicitation-agent.js';
import { PageOpener, startCountingServer, type CountingServer } from './page-opener.js';
import { openScreen, startUi, type UiFixture } from './support.js';

let world: World;
let ui: UiFixture;
let page: Page;
let opener: PageOpener;
let counter: CountingServer;
let secret: string;

const AGENT = 'agent-e';
/** A markup link in the server's message: it must stay text. */
const MESSAGE = 'Finish the checkout at <a href="https://evil.test/">https://evil.test/</a> to continue.';

beforeAll(async () => {
  world = await startWorld();
  counter = await startCountingServer();
  opener = new PageOpener(world);
  ui = await startUi(world, { opener });
  page = ui.page;
  secret = (await ui.daemon.wallet.enrolAgent({ name: AGENT })).secret;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await counter?.close();
  await world?.close();
});

/** Each test asks for its own server: the wallet rate-limits elicitations per server. */
function serverNamed(name: string): string {
  return `https://${name}.example.com/mcp`;
}

/** Servers the agent holds a grant for: it may hand over pages only for those (T33). */
const granted = new Set<string>();

async function ask(server: string, url: string, stage?: 'open' | 'wait', signal?: AbortSignal): Promise<ElicitationAnswer> {
  if (!granted.has(server)) {
    granted.add(server);
    await ui.daemon.wallet.createGrant({ agent: AGENT, resource: server, scopes: ['mcp:read'] });
  }
  return postElicitation(ui.daemon.bridge.socketPath!, secret, { server, url, message: MESSAGE, ...(stage === undefined ? {} : { stage }) }, signal);
}

/** The "open a page" card of the request from `server` (by its host). */
function pageCard(server: string) {
  return page.getByRole('article', { name: `${AGENT} asks you to open a page` }).filter({ hasText: new URL(server).host });
}

/** Facts about the card that server data must never create (evaluated in the page as a string: tests have no DOM types). */
function inertFacts(): Promise<{ anchors: number; images: number; frames: number; links: number }> {
  return page.evaluate(`(() => ({
    anchors: document.querySelectorAll('a[href], area[href]').length,
    images: document.querySelectorAll('img, image, picture, source, video, audio').length,
    frames: document.querySelectorAll('iframe, object, embed').length,
    links: document.querySelectorAll('link[rel=prefetch], link[rel=preconnect], link[rel=dns-prefetch], link[rel=prerender]').length,
  }))()`);
}

function expectOnlyAction(answer: ElicitationAnswer, action: string, url: string): void {
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.raw)).toEqual({ action });
  expect(answer.raw).not.toContain(new URL(url).host);
}

describe('the window: pages a server asks the owner to open (E3)', () => {
  it('E3/E9: the card names server, agent and site, shows the URL and message as inert text; nothing is fetched until "Open page", then once', async () => {
    const server = serverNamed('shop');
    const path = '/checkout/cs_test_1';
    const url = `${counter.origin}${path}?session=abc`;
    const opened = opener.nextPage();
    const answer = ask(server, url);

    const card = pageCard(server);
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('shop.example.com'); // the server's host
    expect(text).toContain(AGENT);
    expect(text).toContain(url); // the whole address, as text
    expect(text).toContain(MESSAGE); // markup shown as text
    expect(await card.getByTestId('url-site').innerText()).toBe('127.0.0.1');
    const warnings = card.getByRole('list', { name: 'Warnings' }).getByRole('listitem');
    expect(await warnings.evaluateAll((items) => items.map((item) => item.getAttribute('data-warning')))).toEqual(['insecure', 'ip-literal', 'other-site']);
    // Not a page on a site without warnings: no "always allow".
    expect(await card.getByRole('checkbox').count()).toBe(0);
    await expect.poll(() => card.getByRole('timer', { name: 'Time left' }).innerText()).toMatch(/^\d+m \d\ds$|^\d+s$/);
    expect(await inertFacts()).toEqual({ anchors: 0, images: 0, frames: 0, links: 0 });
    expect(counter.count(path)).toBe(0);
    expect(opener.pages).toHaveLength(0);

    await card.getByRole('button', { name: 'Open page' }).click();
    expectOnlyAction(await answer, 'accept', url);
    expect((await opened).href).toBe(url);
    expect(counter.count(path)).toBe(1);
    await card.waitFor({ state: 'detached' });
    await ui.watch.expectClean();
  });

  it('E3: "Decline" → the agent gets decline; nothing is opened or fetched', async () => {
    const path = '/decline/1';
    const url = `${counter.origin}${path}`;
    const before = opener.pages.length;
    const server = serverNamed('decline');
    const answer = ask(server, url);
    await pageCard(server).getByRole('button', { name: 'Decline' }).click();
    expectOnlyAction(await answer, 'decline', url);
    await pageCard(server).waitFor({ state: 'detached' });
    expect(opener.pages).toHaveLength(before);
    expect(counter.count(path)).toBe(0);
  });

  it('E3: the agent withdrawing its request takes the card away', async () => {
    const controller = new AbortController();
    const server = serverNamed('withdraw');
    const answer = ask(server, 'https://pay.test/withdraw', 'open', controller.signal).catch((error: unknown) => error);
    await pageCard(server).waitFor();
    controller.abort();
    expect(await answer).toBeInstanceOf(Error);
    await pageCard(server).waitFor({ state: 'detached' });
  });
});

describe('the window: always allow a site, and the list of allowed sites (E3)', () => {
  const server = serverNamed('payments');
  const url = 'https://checkout.pay.test/session/cs_42';

  it('keyboard only: tick "Always allow pages on pay.test from this server" and Open page → remembered', async () => {
    const opened = opener.nextPage();
    const answer = ask(server, url);
    const card = pageCard(server);
    await card.waitFor();
    const remember = card.getByRole('checkbox', { name: 'Always allow pages on pay.test from this server' });
    await remember.focus();
    await page.keyboard.press('Space');
    expect(await remember.isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // the focused "Open page"
    expectOnlyAction(await answer, 'accept', url);
    expect((await opened).href).toBe(url);
    expect(await ui.daemon.wallet.listAllowedSites({ server })).toEqual([expect.objectContaining({ site: 'pay.test' })]);

    // The next page on that site from that server opens without asking (the agent holds a grant for it).
    const again = 'https://pay.test/receipt/7';
    const reopened = opener.nextPage();
    expectOnlyAction(await ask(server, again), 'accept', again);
    expect((await reopened).href).toBe(again);
  });

  it('Connections → Allowed sites lists it; Remove (confirmed) → the server asks again', async () => {
    await openScreen(page, 'Connections');
    const table = page.getByRole('table', { name: 'Allowed sites' });
    const row = table.getByRole('row').filter({ hasText: 'pay.test' });
    await row.waitFor();
    expect(await row.innerText()).toContain(server);
    await row.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this allowed site?' });
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No allowed sites.').waitFor();
    expect(await ui.daemon.wallet.listAllowedSites({ server })).toEqual([]);

    await openScreen(page, 'Approvals');
    const answer = ask(server, url);
    await pageCard(server).getByRole('button', { name: 'Decline' }).click();
    expect((await answer).action).toBe('decline');
  });

  it('an "always allow" made elsewhere (the CLI) appears in the list without a reload', async () => {
    await openScreen(page, 'Connections');
    await page.getByText('No allowed sites.').waitFor();
    const answer = ask(serverNamed('cli'), 'https://docs.example.org/setup');
    // The sidebar's badge says it is raised while the owner looks at Connections.
    await page.getByRole('navigation', { name: 'Sections' }).getByLabel('1 pending').waitFor();
    const pending = (await ui.daemon.wallet.listApprovals({ status: 'pending' })).find((a) => a.kind === 'url-elicitation');
    await ui.daemon.wallet.decideApproval({ id: pending!.id, decision: 'approve', remember: true });
    expect((await answer).action).toBe('accept');
    await page.getByRole('table', { name: 'Allowed sites' }).getByRole('row').filter({ hasText: 'example.org' }).waitFor();
    await openScreen(page, 'Approvals');
  });
});

describe('the window: hostile page addresses (E8, T21)', () => {
  const server = 'https://mcp.example.com/mcp';

  it('E8: a look-alike host shows its real site and the warnings; no always-allow; no link, no script', async () => {
    const url = 'https://accounts.example.com.evil.test/login?next=%2F';
    const answer = ask(server, url);
    const card = pageCard(server);
    await card.waitFor();
    expect(await card.getByTestId('url-site').innerText()).toBe('evil.test');
    const codes = await card.getByRole('list', { name: 'Warnings' }).getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('data-warning')));
    expect(codes).toEqual(['lookalike', 'other-site']);
    expect(await card.innerText()).toContain('looks like example.com but belongs to evil.test');
    expect(await card.getByRole('checkbox').count()).toBe(0);
    expect(await inertFacts()).toEqual({ anchors: 0, images: 0, frames: 0, links: 0 });
    await card.getByRole('button', { name: 'Decline' }).click();
    expect((await answer).action).toBe('decline');
  });

  it('E8: a punycode host and an https IP literal show their warnings', async () => {
    for (const [url, site, code] of [
      ['https://xn--exmple-cua.com/pay', 'xn--exmple-cua.com', 'punycode'],
      ['https://1.2.3.4/pay', '1.2.3.4', 'ip-literal'],
    ] as const) {
      const answer = ask(server, url);
      const card = pageCard(server);
      await card.waitFor();
      expect(await card.getByTestId('url-site').innerText()).toBe(site);
      expect(await card.locator(`[data-warning="${code}"]`).count()).toBe(1);
      expect(await card.getByRole('checkbox').count()).toBe(0);
      expect(await inertFacts()).toEqual({ anchors: 0, images: 0, frames: 0, links: 0 });
      await card.getByRole('button', { name: 'Decline' }).click();
      expect((await answer).action).toBe('decline');
      await card.waitFor({ state: 'detached' });
    }
  });

  it('E8: userinfo and plain-http addresses are declined at once: no card, nothing opened', async () => {
    const before = opener.pages.length;
    for (const url of ['https://example.com@evil.test/', 'http://1.2.3.4/']) {
      const answer = await ask(serverNamed('unsafe'), url);
      expectOnlyAction(answer, 'decline', url);
    }
    expect(await pageCard(serverNamed('unsafe')).count()).toBe(0);
    expect(opener.pages).toHaveLength(before);
    await ui.watch.expectClean();
  });
});

describe('the window: after the page, retry now or give up (E3 stage "wait")', () => {
  const server = serverNamed('retry');
  const retryCard = () => page.getByRole('article', { name: `${AGENT}'s request to retry.example.com waits for you to finish on pay.test` });

  it('"Retry now" → accept; "Give up" → cancel', async () => {
    const url = 'https://pay.test/checkout/9';
    const first = ask(server, url, 'wait');
    await retryCard().waitFor();
    expect(await retryCard().innerText()).toContain(url);
    await retryCard().getByRole('button', { name: 'Retry now' }).click();
    expectOnlyAction(await first, 'accept', url);
    await retryCard().waitFor({ state: 'detached' });

    const second = ask(server, url, 'wait');
    await retryCard().getByRole('button', { name: 'Give up' }).click();
    expectOnlyAction(await second, 'cancel', url);
    expect(opener.pages.some((opened) => opened.href === url)).toBe(false); // the wait stage never opens anything
  });
});

describe('the window: step-up (T3)', () => {
  const stepUpCard = () => page.getByRole('article', { name: `${AGENT} asks for more scopes` });

  it('T3/T13: what the agent holds now vs after, the new one marked; "Sign in again to grant" → the agent gets the wider token', async () => {
    await ui.daemon.wallet.connect({ url: world.mcpUrl, scopes: [MCP_READ] });
    await ui.daemon.wallet.createGrant({ agent: AGENT, resource: world.mcpUrl, scopes: [MCP_READ] });
    const asking = ui.bridge(secret).token(world.mcpUrl, [MCP_READ, MCP_WRITE]);
    const card = stepUpCard();
    await card.waitFor();
    expect(await card.getByRole('list', { name: 'Agent holds now' }).innerText()).toBe(MCP_READ);
    const requested = card.getByRole('list', { name: 'Agent holds after' }).getByRole('listitem');
    expect(await requested.evaluateAll((items) => items.map((i) => [i.textContent, i.getAttribute('data-added')]))).toEqual([
      [MCP_READ, null],
      [`${MCP_WRITE} new`, 'true'],
    ]);
    expect(await card.innerText()).toContain('If you decline, Latchkey remembers it');
    expect(await card.innerText()).toContain('re-authorizes Latchkey');
    await card.getByRole('button', { name: 'Sign in again to grant' }).click();
    const token = await asking;
    expect(token.scope.split(' ').sort()).toEqual([MCP_READ, MCP_WRITE].sort());
    await card.waitFor({ state: 'detached' });
  });

  it('"Decline" → StepUpDeclined; asking again for the same scopes is refused without a card', async () => {
    const other = await ui.daemon.wallet.enrolAgent({ name: 'agent-f' });
    const scopes = [MCP_READ, MCP_WRITE, 'mcp:admin'];
    const refused = ui.bridge(other.secret).token(world.mcpUrl, scopes).catch((error: unknown) => error);
    const card = page.getByRole('article', { name: 'agent-f asks for more scopes' });
    await card.getByRole('button', { name: 'Decline' }).click();
    const error = await refused;
    expect(isLatchkeyError(error) ? error.code : error).toBe(ErrorCode.StepUpDeclined);
    const again = await ui.bridge(other.secret).token(world.mcpUrl, scopes).catch((e: unknown) => e);
    expect(isLatchkeyError(again) ? again.code : again).toBe(ErrorCode.StepUpDeclined);
    // No new approval (the first card may still be on its way out of the window).
    expect((await ui.daemon.wallet.listApprovals({ status: 'pending' })).filter((a) => a.agentName === 'agent-f')).toEqual([]);
    await card.waitFor({ state: 'detached' });
    await ui.watch.expectClean();
  });
});

/**
 * E5 in the window: strings from servers and agents are inert text. A hostile MCP server / AS
 * (hostile-server.ts) feeds markup, `javascript:` URLs, right-to-left overrides and a 100 KB issuer
 * through a failed and a successful connect; agents ask to enrol under markup names, ask for
 * markup scopes, run a command with an RLO in it, and hold a grant whose URL carries markup. No
 * dialog fires, no element or link comes from that data, long strings are cut, hidden characters
 * are shown, the layout holds, and the page reports no error or CSP violation.
 */
import { realpath } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../shared/errors.js';
import { startWorld, type World } from '../../world/index.js';
import { startEnrolClient } from '../../electron/wallet/bridge/enrol-client.js';
import { HOSTILE_SCOPES, HUGE, JS_URL, RLO, XSS_IMG, XSS_SCOPE, startHostileServer, type HostileServer } from './hostile-server.js';
import { openScreen, saveScreenshot, startUi, type UiFixture } from './support.js';

let world: World;
let hostile: HostileServer;
let ui: UiFixture;
let page: Page;

beforeAll(async () => {
  world = await startWorld();
  hostile = await startHostileServer();
  ui = await startUi(world);
  page = ui.page;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await hostile?.close();
  await world?.close();
});

interface DomFacts {
  images: number;
  svgs: number;
  iframes: number;
  withHandlers: number;
  anchors: number;
  scriptUrls: number;
  scripts: number;
  longestText: number;
  longestTitle: number;
  rawHiddenChars: boolean;
  pageOverflowX: number;
  sidebarVisible: boolean;
}

/** What the DOM holds that server data must never create (evaluated in the page, as a string: tests have no DOM types). */
const DOM_FACTS = `(() => {
  const all = [...document.querySelectorAll('*')];
  const texts = [...document.querySelectorAll('.text')];
  const nav = document.querySelector('nav.sidebar');
  const box = nav ? nav.getBoundingClientRect() : { width: 0, height: 0, left: -1 };
  return {
    images: document.querySelectorAll('img, image, picture, source').length,
    svgs: document.querySelectorAll('svg').length,
    iframes: document.querySelectorAll('iframe, object, embed').length,
    withHandlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    anchors: document.querySelectorAll('a[href]').length,
    scriptUrls: all.filter((el) => [...el.attributes].some((a) => /^\\s*javascript:/i.test(a.value) && a.name !== 'title' && a.name !== 'value')).length,
    scripts: document.querySelectorAll('script').length,
    longestText: Math.max(0, ...texts.map((t) => (t.textContent || '').length)),
    longestTitle: Math.max(0, ...texts.map((t) => (t.getAttribute('title') || '').length)),
    rawHiddenChars: /[\\u202a-\\u202e\\u2066-\\u2069]/.test(document.body.innerText),
    pageOverflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    sidebarVisible: box.width > 100 && box.height > 100 && box.left >= 0,
  };
})()`;

async function expectInert(): Promise<DomFacts> {
  const facts = await page.evaluate<DomFacts>(DOM_FACTS);
  expect(facts).toMatchObject({
    images: 0,
    svgs: 0,
    iframes: 0,
    withHandlers: 0,
    anchors: 0,
    scriptUrls: 0,
    scripts: 1, // the window's own bundle
    rawHiddenChars: false,
    pageOverflowX: 0,
    sidebarVisible: true,
  });
  expect(facts.longestText).toBeLessThanOrEqual(400); // a 100 KB string is cut in the page
  expect(facts.longestTitle).toBeLessThanOrEqual(8_200); // and in its tooltip
  expect(ui.watch.dialogs).toEqual([]);
  return facts;
}

describe('E5: hostile strings render as inert text', () => {
  it('E5: a server whose metadata names a hostile issuer: the failure shows it as text, RLO made visible', async () => {
    await openScreen(page, 'Connections');
    const form = page.getByRole('region', { name: 'Add a server' });
    await form.getByLabel('MCP server URL').fill(hostile.failingMcpUrl);
    await form.getByRole('button', { name: 'Connect' }).click();
    const progress = page.getByRole('region', { name: 'Connection progress' });
    const status = progress.getByRole('status');
    await status.getByText('discovery.issuer_mismatch').waitFor();
    const text = await status.innerText();
    expect(text).toContain(`⟨U+202E⟩gnp.exe ${XSS_IMG} ${JS_URL}`);
    expect(text).not.toContain(RLO);
    await saveScreenshot(page, 'hostile-connect-failed');
    await expectInert();
    await progress.getByRole('button', { name: 'Close' }).click();
    await progress.waitFor({ state: 'detached' });
  });

  it('E5: a server with a 100 KB hostile issuer, a hostile client id and markup scopes connects; the row is cut and inert', async () => {
    const flow = world.opener.nextFlow();
    const form = page.getByRole('region', { name: 'Add a server' });
    await form.getByLabel('MCP server URL').fill(hostile.mcpUrl);
    await form.getByRole('button', { name: 'Connect' }).click();
    await flow;
    const progress = page.getByRole('region', { name: 'Connection progress' });
    await progress.getByRole('status').getByText('Connected.').waitFor();
    // The progress names the issuer: cut, as text.
    const discovered = progress.locator('li[data-step="discovered"] .text');
    expect((await discovered.textContent())?.length).toBeLessThanOrEqual(301);
    expect(await discovered.textContent()).toContain('/as-b/%3Cimg%20src=x%20onerror=alert(1)%3E/javascript:alert(1)/WWW');

    const row = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: hostile.mcpUrl });
    await row.waitFor();
    expect(await row.getByRole('list', { name: 'Scopes' }).getByRole('listitem').allInnerTexts()).toEqual(HOSTILE_SCOPES);
    const issuer = row.locator('.small-print .text');
    const shown = (await issuer.textContent()) ?? '';
    expect(shown.length).toBeLessThanOrEqual(301);
    expect(shown.endsWith('…')).toBe(true);
    expect(HUGE.length).toBe(100_000);
    // Cut visually as well: the cell does not push the table wider than the window.
    const cell = await row.locator('td.cell-url').boundingBox();
    expect(cell?.width ?? Infinity).toBeLessThan(1280);
    await saveScreenshot(page, 'hostile-connections');
    await expectInert();
  });

  it('E5: agents with markup names, scopes, commands and grant URLs: Approvals, Agents and Activity stay inert; deny them all', async () => {
    const names = [XSS_IMG, '"><svg onload=alert(1)>', JS_URL];
    // Each from its own process: one pending enrolment per requesting process (T32, T33).
    const enrolling = names.map((name) => startEnrolClient(ui.daemon.bridge.socketPath ?? '', name));
    const enrolments = enrolling.map((client) => client.done.then(([answer]) => answer?.code ?? answer?.error ?? 'enrolled'));
    const { secret } = await ui.daemon.wallet.enrolAgent({ name: 'bot' });
    await ui.daemon.wallet.startSession({ agent: 'bot', ttlSeconds: 600, command: `${RLO}txt.exe ${XSS_IMG} ${JS_URL}` });
    await ui.daemon.wallet.createGrant({ agent: 'bot', resource: `${hostile.url}/b/mcp?q=<img src=x onerror=alert(1)>&next=javascript:alert(1)`, scopes: [XSS_SCOPE] });
    const consent = ui
      .bridge(secret)
      .token(hostile.mcpUrl, [XSS_SCOPE, JS_URL])
      .then(() => 'issued', (error: unknown) => (isLatchkeyError(error) ? error.code : String(error)));

    await openScreen(page, 'Approvals');
    const cards = page.getByRole('list', { name: 'Pending approvals' }).getByRole('article');
    await expect.poll(() => cards.count()).toBe(4);
    const text = await page.getByRole('list', { name: 'Pending approvals' }).innerText();
    for (const name of names) expect(text).toContain(`${name} asks to enrol as a new agent`);
    // T32: each enrolment card names the real process that asks (its pid, program and working directory).
    for (const client of enrolling) expect(text).toContain(`pid ${await client.pid} · ${await realpath(process.execPath)} · cwd /`);
    expect(text).toContain('bot asks for a token');
    expect(text).toContain(XSS_SCOPE);
    await saveScreenshot(page, 'hostile-approvals');
    await expectInert();

    await openScreen(page, 'Agents');
    const bot = page.getByRole('article', { name: 'bot' });
    const agentText = await bot.innerText();
    expect(agentText).toContain(`⟨U+202E⟩txt.exe ${XSS_IMG} ${JS_URL}`);
    expect(agentText).toMatch(/q=(<|%3C)img/);
    await saveScreenshot(page, 'hostile-agents');
    await expectInert();

    await openScreen(page, 'Approvals');
    for (let left = 4; left > 0; left -= 1) {
      await cards.first().getByRole('button', { name: 'Deny' }).click();
      await expect.poll(() => cards.count()).toBe(left - 1);
    }
    expect(await Promise.all(enrolments)).toEqual(['grant.denied', 'grant.denied', 'grant.denied']);
    expect(await consent).toBe('grant.denied');

    await openScreen(page, 'Activity');
    const audit = page.getByRole('table', { name: 'Audit log' });
    await expect.poll(() => audit.getByRole('row').filter({ hasText: 'approval.decided' }).count()).toBe(4);
    const auditText = await audit.innerText();
    for (const name of names) expect(auditText).toContain(name);
    expect(auditText).toContain(XSS_SCOPE);
    await saveScreenshot(page, 'hostile-activity');
    await expectInert();
    await ui.watch.expectClean();
  });
});

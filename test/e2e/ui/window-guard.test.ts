/**
 * T20/E7 in a real browser: the window served by the headless host (the real renderer, signed in
 * through the daemon's link) in Chromium with a fake camera, where every permission it could ask
 * for is already granted to its origin (as if the owner had clicked Allow once). The window does
 * not leave itself (navigations it starts to another origin are cancelled), opens no window or
 * tab (window.open, and links to another site clicked with any button or modifier, go nowhere:
 * nothing reaches that site), and gets no
 * geolocation, camera or notification. A plain page on another loopback port in the same browser,
 * with the same grants, gets all of them: the control that shows the browser would allow them.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage, type PageServer } from '../../support/page-server.js';
import { launchChromium } from '../../world/chromium.js';
import { startWorld, type World } from '../../world/index.js';
import { startUi, type UiFixture } from './support.js';

/** A camera that exists, and media prompts that the browser itself would accept. */
const MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const PERMISSIONS = ['geolocation', 'notifications', 'camera', 'microphone'];

let world: World;
let ui: UiFixture;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let elsewhere: { server: PageServer; origin: string; paths: readonly string[] };

/** What a page may do that the window must not (evaluated in the page; tests have no DOM types). */
const PROBE = `async (elsewhere) => {
  const out = {};
  const opened = window.open(elsewhere + '/opened');
  out.windowOpen = opened === null ? 'refused' : 'opened';
  if (opened !== null) opened.close();
  out.geolocation = await new Promise((resolve) => navigator.geolocation.getCurrentPosition(() => resolve('granted'), (e) => resolve(e.code === 1 ? 'denied' : 'error ' + e.code), { timeout: 10000 }));
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    stream.getTracks().forEach((track) => track.stop());
    out.camera = 'granted';
  } catch (e) { out.camera = e.name; }
  out.notificationPermission = Notification.permission;
  out.notificationRequest = await Notification.requestPermission();
  try { new Notification('from the page'); out.notification = 'shown'; } catch (e) { out.notification = e.name; }
  return out;
}`;

/** Every way a script navigates its page; resolves with what the Navigation API saw of each (run after the window's own listener). */
const NAVIGATE = `async (elsewhere) => {
  const seen = [];
  const attempts = [
    () => { location.href = elsewhere + '/assigned'; },
    () => location.replace(elsewhere + '/replaced'),
    () => window.open(elsewhere + '/self', '_self'),
    () => { const f = document.createElement('form'); f.method = 'POST'; f.action = elsewhere + '/form'; document.body.append(f); f.submit(); f.remove(); },
  ];
  const all = new Promise((resolve) => navigation.addEventListener('navigate', (e) => {
    seen.push({ to: new URL(e.destination.url).pathname, cancelled: e.defaultPrevented });
    if (seen.length === attempts.length) resolve();
  }));
  for (const attempt of attempts) attempt();
  await all;
  return { seen, at: location.href };
}`;

function probe(target: Page): Promise<Record<string, string>> {
  return target.evaluate(`(${PROBE})(${JSON.stringify(elsewhere.origin)})`) as Promise<Record<string, string>>;
}

beforeAll(async () => {
  world = await startWorld();
  ui = await startUi(world);
  const server = await servePage('<!doctype html><title>elsewhere</title><p>another server on this machine</p><a id="out" target="_blank" href="/from-elsewhere">out</a>');
  elsewhere = { server, origin: `http://localhost:${server.port}`, paths: server.paths };
  browser = await launchChromium(MEDIA_ARGS);
  context = await browser.newContext({ geolocation: { latitude: 52.52, longitude: 13.4 } });
  for (const origin of [ui.daemon.ui!.url, elsewhere.origin]) await context.grantPermissions(PERMISSIONS, { origin });
  page = await context.newPage();
  await page.goto(ui.daemon.ui!.oneTimeUrl());
  await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await elsewhere?.server.close();
  await ui?.close();
  await world?.close();
});

describe('T20/E7: the window in a real browser', () => {
  it('T20/E7: the window cannot navigate itself to another origin (location, replace, _self, a form)', async () => {
    // A tab of its own: Playwright's own actions expect a new document after a navigation starts, even a cancelled one.
    const tab = await context.newPage();
    await tab.goto(ui.daemon.ui!.oneTimeUrl());
    await tab.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    const result = (await tab.evaluate(`(${NAVIGATE})(${JSON.stringify(elsewhere.origin)})`)) as { seen: Array<{ to: string; cancelled: boolean }>; at: string };
    expect(result.seen.map((s) => s.to)).toEqual(['/assigned', '/replaced', '/self', '/form']);
    const cancelled = result.seen.filter((s) => s.cancelled).length;
    console.info(`T20/E7: ${result.seen.length} navigations to another origin started by the window, ${cancelled} cancelled`);
    expect(cancelled).toBe(result.seen.length);
    expect(result.at).toBe(`${ui.daemon.ui!.url}/`);
    expect(await tab.evaluate("document.querySelector('h1')?.textContent")).toBe('Approvals');
    expect(tab.url()).toBe(`${ui.daemon.ui!.url}/`);
    expect(elsewhere.paths).toEqual([]);
    await tab.close();
  });

  it('T20/E7: links to another site (plain or target=_blank; clicked, ctrl-, shift- or middle-clicked) and window.open open nothing, inside or outside the app', async () => {
    const popups: string[] = [];
    const onPage = (opened: Page): void => void popups.push(opened.url());
    context.on('page', onPage);
    // Two links as if they had slipped into the window, and a record of what became of each click (after the window's own listeners).
    await page.evaluate(`(() => {
      for (const [id, target] of [['external-blank', '_blank'], ['external-plain', '']]) {
        const a = document.createElement('a');
        a.id = id;
        if (target) a.target = target;
        a.href = ${JSON.stringify(elsewhere.origin)} + '/' + id;
        a.textContent = 'a link to another site ';
        document.body.prepend(a);
      }
      globalThis.__clicks = [];
      for (const type of ['click', 'auxclick']) document.addEventListener(type, (e) => globalThis.__clicks.push(e.defaultPrevented), false);
    })()`);
    const clicks: Array<[string, Parameters<Page['click']>[1]]> = [];
    for (const id of ['#external-blank', '#external-plain']) {
      for (const options of [{ modifiers: ['ControlOrMeta'] }, { modifiers: ['Shift'] }, { button: 'middle' }, {}] as Array<Parameters<Page['click']>[1]>) clicks.push([id, options]);
    }
    for (const [id, options] of clicks) await page.click(id, options);
    await page.waitForFunction((count) => (globalThis as unknown as { __clicks: boolean[] }).__clicks.length === count, clicks.length);
    const prevented = (await page.evaluate('globalThis.__clicks')) as boolean[];
    const refusal = page.waitForEvent('console', (message) => message.text().startsWith('Blocked opening'));
    const opened = (await page.evaluate(`window.open(${JSON.stringify(`${elsewhere.origin}/opened`)}) === null`)) as boolean;
    await refusal; // the CSP sandbox: no allow-popups
    console.info(`T20/E7: ${clicks.length} clicks on links to another site, ${prevented.filter(Boolean).length} did nothing; window.open ${opened ? 'refused' : 'opened'}; ${popups.length} windows or tabs opened`);
    expect(prevented).toEqual(clicks.map(() => true));
    expect(opened).toBe(true);
    expect(popups).toEqual([]);
    expect(page.url()).toBe(`${ui.daemon.ui!.url}/`);
    expect(elsewhere.paths).toEqual([]);
    context.off('page', onPage);
    await page.evaluate("for (const id of ['external-blank', 'external-plain']) document.getElementById(id).remove()");
  });

  it('T20/E7: geolocation, camera and notifications are denied to the window though the browser granted them; a plain page on another port gets them', async () => {
    const inWindow = await probe(page);
    const reached = [...elsewhere.paths];
    const control = await context.newPage();
    await control.goto(`${elsewhere.origin}/control`);
    const allowed = await probe(control);
    await control.close();
    console.info(`T20/E7: the control page got ${JSON.stringify(allowed)}; the window got ${JSON.stringify(inWindow)}`);
    expect(reached).toEqual([]);
    expect(allowed).toEqual({ windowOpen: 'opened', geolocation: 'granted', camera: 'granted', notificationPermission: 'granted', notificationRequest: 'granted', notification: 'shown' });
    expect(inWindow).toEqual({ windowOpen: 'refused', geolocation: 'denied', camera: 'NotAllowedError', notificationPermission: 'denied', notificationRequest: 'denied', notification: 'NotAllowedError' });
  });
});

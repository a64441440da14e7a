/**
 * The headless host in real Chromium (threats T10, T31): the owner opens the one-time link, the
 * page trades the fragment's token for a session (as the window does) and the window's own origin
 * can call the API with it; the browser holds no cookie. A page on another loopback origin (same
 * site: 127.0.0.1 on another port; another site: localhost) cannot read anything: a credentialed
 * fetch with the custom header dies in its preflight, a no-cors POST and a form POST lack the
 * header, EventSource is refused for its Origin.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { formPostScript, servePage, type PageServer } from '../../../support/page-server.js';
import { launchChromium } from '../../../world/chromium.js';
import { startHostFixture, type HostFixture } from './support.js';

/** What the window does with the link (renderer/api/owner-session.ts), run in the page: the session, or the exchange's status. */
const SIGN_IN_IN_PAGE = `(async () => {
  const token = new URLSearchParams(location.hash.slice(1)).get('signin');
  history.replaceState(null, '', location.pathname);
  const r = await fetch('/api/v1/session', { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1' }, body: JSON.stringify({ token }) });
  if (!r.ok) return { status: r.status };
  const session = (await r.json()).result.session;
  sessionStorage.setItem('latchkey.session', session);
  return { status: r.status, session };
})()`;

/** The other page's attempts on `target`; reports only what the page itself could observe. */
function attackerPage(target: string): string {
  return `<!doctype html><html><body><iframe name="sink"></iframe><script>
const target = ${JSON.stringify(target)};
window.attack = async () => {
  const results = {};
  try {
    const r = await fetch(target + '/api/v1/call/listAgents', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1' }, body: '{}' });
    results.cors = { status: r.status, text: await r.text() };
  } catch (e) { results.cors = 'blocked'; }
  try {
    const r = await fetch(target + '/api/v1/call/enrolAgent', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"name":"from-attacker"}' });
    results.noCors = { type: r.type, status: r.status, text: await r.text() };
  } catch (e) { results.noCors = 'error'; }
  try {
    const r = await fetch(target + '/', { credentials: 'include' });
    results.page = { status: r.status, text: await r.text() };
  } catch (e) { results.page = 'blocked'; }
  results.events = await new Promise((resolve) => {
    const source = new EventSource(target + '/api/v1/events', { withCredentials: true });
    source.onmessage = (m) => { source.close(); resolve('message:' + m.data); };
    source.onerror = () => { source.close(); resolve('error'); };
  });
  results.form = await ${formPostScript("target + '/api/v1/call/enrolAgent'", { name: 'from-form' })};
  return results;
};
</script></body></html>`;
}

describe('T10: the headless host in real Chromium', () => {
  let f: HostFixture;
  let browser: Browser;
  let pageServer: PageServer;
  let pagePort: number;
  let context: BrowserContext;

  beforeAll(async () => {
    f = await startHostFixture();
    pageServer = await servePage(attackerPage(f.host.url));
    pagePort = pageServer.port;
    browser = await launchChromium();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await pageServer?.close();
    await f?.close();
  });

  it('T10, T31: the link signs the page in (fragment token → session header, once); the window\'s own origin calls the API; the browser holds no cookie', async () => {
    const page = await context.newPage();
    const link = f.host.oneTimeUrl();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(response?.request().url()).toBe(`${f.host.url}/`); // the fragment never left the browser
    expect(page.url()).toBe(link);
    expect(await page.title()).toBe('Latchkey test window');
    const signedIn = (await page.evaluate(SIGN_IN_IN_PAGE)) as { status: number; session?: string };
    expect(signedIn.status).toBe(200);
    expect(page.url()).toBe(`${f.host.url}/`);
    expect(await context.cookies()).toEqual([]);
    const answer = await page.evaluate(async (session) => {
      const r = await fetch('/api/v1/call/status', { method: 'POST', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1', 'x-latchkey-session': session }, body: '{}' });
      return { status: r.status, body: (await r.json()) as { result: { mode: string } } };
    }, signedIn.session!);
    expect(answer.status).toBe(200);
    expect(answer.body.result.mode).toBe('memory');
    const second = await context.newPage();
    await second.goto(link);
    expect(((await second.evaluate(SIGN_IN_IN_PAGE)) as { status: number }).status).toBe(403);
    expect(await context.cookies()).toEqual([]);
    await page.close();
    await second.close();
  });

  it('T10: a page on another loopback origin (same site) cannot read the API, the window, or the events; nothing reaches the wallet', async () => {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${pagePort}/`);
    const before = f.logger.refusals().length;
    const results = await page.evaluate(() => (globalThis as unknown as { attack(): Promise<Record<string, unknown>> }).attack());
    expect(results['cors']).toBe('blocked');
    expect(results['noCors']).toBe('error'); // Cross-Origin-Resource-Policy: same-origin: not even an opaque answer
    expect(results['page']).toBe('blocked');
    expect(results['events']).toBe('error');
    expect(results['form']).toBe('submitted');
    // Every attempt reached the host with the attacker's Origin and was refused before any wallet call.
    await expect.poll(() => f.logger.refusals().length - before).toBeGreaterThanOrEqual(5);
    expect(f.logger.refusals().slice(before).every((code) => code === ErrorCode.ForbiddenOrigin)).toBe(true);
    const agents = await f.composed.wallet.listAgents();
    expect(agents.map((a) => a.name)).not.toContain('from-attacker');
    expect(agents.map((a) => a.name)).not.toContain('from-form');
    await page.close();
  });

  it('T10: a page on another site (localhost) fails the same way', async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${pagePort}/`);
    const results = await page.evaluate(() => (globalThis as unknown as { attack(): Promise<Record<string, unknown>> }).attack());
    expect(results['cors']).toBe('blocked');
    expect(results['page']).toBe('blocked');
    expect(results['events']).toBe('error');
    expect((await f.composed.wallet.listAgents()).map((a) => a.name)).not.toContain('from-form');
    await page.close();
  });
});

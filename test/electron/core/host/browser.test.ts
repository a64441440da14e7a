/**
 * The headless host in real Chromium (threat T10): the owner signs in through the one-time URL and
 * the window's own origin can call the API; a page on another loopback origin (same site for
 * cookies: 127.0.0.1 on another port) cannot read anything: a credentialed fetch with the custom
 * header dies in its preflight, a no-cors POST and a form POST lack the header, EventSource is
 * refused for its Origin. A page on localhost (another site) is not even sent the cookie.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { CHROMIUM_PATH } from '../../../world/chromium.js';
import { startHostFixture, type HostFixture } from './support.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
  results.form = await new Promise((resolve) => {
    const frame = document.querySelector('iframe');
    frame.addEventListener('load', () => resolve('submitted'), { once: true });
    const form = document.createElement('form');
    form.method = 'POST';
    form.enctype = 'text/plain';
    form.target = 'sink';
    form.action = target + '/api/v1/call/enrolAgent';
    const input = document.createElement('input');
    input.name = '{"name":"from-form","x":"';
    input.value = '"}';
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  });
  return results;
};
</script></body></html>`;
}

describe('T10: the headless host in real Chromium', () => {
  let f: HostFixture;
  let browser: Browser;
  let pageServer: Server;
  let pagePort: number;
  let context: BrowserContext;

  beforeAll(async () => {
    f = await startHostFixture();
    pageServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(attackerPage(f.host.url));
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    pagePort = (pageServer.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    pageServer?.closeAllConnections();
    await new Promise((resolve) => pageServer?.close(resolve));
    await f?.close();
  });

  it('T10: the one-time URL signs the browser in; the window\'s own origin calls the API; the link is then spent', async () => {
    const page = await context.newPage();
    const link = f.host.oneTimeUrl();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${f.host.url}/`);
    expect(await page.title()).toBe('Latchkey test window');
    const cookies = await context.cookies(f.host.url);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(cookies[0]!.expires).toBe(-1); // a session cookie
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/call/status', { method: 'POST', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1' }, body: '{}' });
      return { status: r.status, body: (await r.json()) as { result: { mode: string } } };
    });
    expect(answer.status).toBe(200);
    expect(answer.body.result.mode).toBe('memory');
    const second = await context.newPage();
    expect((await second.goto(link))?.status()).toBe(403);
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

  it('T10: the SameSite=Strict cookie is not sent from another site (localhost), whose fetches fail the same way', async () => {
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

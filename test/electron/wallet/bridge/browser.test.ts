/**
 * B5 (threat T10): a real Chromium page tries the drive-by attacks a web page can make on a
 * loopback service: a no-cors fetch, a form POST, an <img> GET, a fetch with the custom header
 * (which needs a preflight), and DNS rebinding (a page on attacker.example whose name resolves to
 * 127.0.0.1, fetching its "own" origin: the bridge). The wallet side is never reached; every
 * attempt is reported as a rejection. Chromium's own Private Network Access checks are switched
 * off so that the bridge's defences alone are tested.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { FAKE_AGENT_SECRET, FAKE_TOKEN } from '../../../fakes/fake-bridge-handler.js';
import { formPostScript, servePage, type PageServer } from '../../../support/page-server.js';
import { launchChromium } from '../../../world/chromium.js';
import { startTestBridge, type TestBridge } from './support.js';

/** On top of the usual switches: attacker.example resolves to loopback, and Chromium's own Private Network Access checks are off. */
const ATTACKER_ARGS = [
  '--host-resolver-rules=MAP attacker.example 127.0.0.1, EXCLUDE localhost',
  '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
];

/** The attacker's page: runs every drive-by against `bridge` and reports what it could observe. */
function attackPage(bridge: string): string {
  return `<!doctype html><html><body><iframe name="sink"></iframe><script>
const bridge = ${JSON.stringify(bridge)};
const body = JSON.stringify({ resource: 'https://mcp.example/mcp' });
window.attack = async () => {
  const results = {};
  try {
    const r = await fetch(bridge + '/v1/token', { mode: 'no-cors', method: 'POST', body, headers: { 'content-type': 'text/plain', 'latchkey-bridge': '1' } });
    results.noCors = { type: r.type, status: r.status, text: await r.text() };
  } catch (e) { results.noCors = 'error'; }
  try {
    const r = await fetch(bridge + '/v1/token', { method: 'POST', body, headers: { 'content-type': 'application/json', 'latchkey-bridge': '1', authorization: 'Bearer ${FAKE_AGENT_SECRET}' } });
    results.cors = { status: r.status, text: await r.text() };
  } catch (e) { results.cors = 'blocked'; }
  results.img = await new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve('load');
    img.onerror = () => resolve('error');
    img.src = bridge + '/v1/whoami';
  });
  results.form = await ${formPostScript("bridge + '/v1/token'", { resource: 'https://mcp.example/mcp' })};
  return results;
};
window.rebind = async () => {
  const results = {};
  const who = await fetch('/v1/whoami', { headers: { 'latchkey-bridge': '1', authorization: 'Bearer ${FAKE_AGENT_SECRET}' } });
  results.whoami = { status: who.status, text: await who.text() };
  const token = await fetch('/v1/token', { method: 'POST', body, headers: { 'content-type': 'application/json', 'latchkey-bridge': '1', authorization: 'Bearer ${FAKE_AGENT_SECRET}' } });
  results.token = { status: token.status, text: await token.text() };
  return results;
};
</script></body></html>`;
}

describe('B5: drive-by from a real Chromium page', () => {
  let bridge: TestBridge;
  let browser: Browser;
  let pageServer: PageServer;
  let pageOrigin: string;

  beforeAll(async () => {
    bridge = await startTestBridge({ socket: false });
    pageServer = await servePage(attackPage(bridge.server.url ?? ''));
    pageOrigin = `http://127.0.0.1:${pageServer.port}`;
    browser = await launchChromium(ATTACKER_ARGS);
  });

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
    await bridge?.close();
  });

  it('B5: no-cors fetch, preflighted fetch, <img> GET and form POST from another loopback origin never reach the wallet', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      const results = await page.evaluate(() => (globalThis as unknown as { attack(): Promise<Record<string, unknown>> }).attack());
      // The page learnt nothing: opaque no-cors answer, a failed CORS fetch, a broken image.
      expect(results['noCors']).toEqual({ type: 'opaque', status: 0, text: '' });
      expect(results['cors']).toBe('blocked');
      expect(results['img']).toBe('error');
      expect(JSON.stringify(results)).not.toContain(FAKE_TOKEN);
      // no-cors POST, preflight OPTIONS, form POST (all with Origin) and the <img> GET (no bridge header).
      await bridge.handler.waitForRejections(4);
      const codes = bridge.handler.rejections.map((r) => r.code);
      expect(codes.filter((code) => code === ErrorCode.ForbiddenOrigin).length).toBeGreaterThanOrEqual(3);
      expect(codes).toContain(ErrorCode.MissingBridgeHeader);
      expect(bridge.handler.handledCalls).toBe(0);
      expect(bridge.handler.authenticateCalls).toHaveLength(0);
    } finally {
      await context.close();
    }
  });

  it('B5/B1: DNS rebinding (attacker.example resolving to 127.0.0.1, same-origin fetches with the secret) gets 421', async () => {
    const before = bridge.handler.rejections.length;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const origin = `http://attacker.example:${bridge.port}`;
      // The first answer for attacker.example comes from the attacker; after "rebinding" its name points at the bridge.
      await page.route(`${origin}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: attackPage(origin) }));
      await page.goto(`${origin}/`);
      const results = await page.evaluate(() => (globalThis as unknown as { rebind(): Promise<Record<string, { status: number; text: string }>> }).rebind());
      expect(results['whoami']?.status).toBe(421);
      expect(JSON.parse(results['whoami']?.text ?? '{}').code).toBe(ErrorCode.BadHost);
      expect([421, 403]).toContain(results['token']?.status);
      expect(JSON.stringify(results)).not.toContain(FAKE_TOKEN);
      await bridge.handler.waitForRejections(before + 2);
      expect(bridge.handler.rejections.slice(before).map((r) => r.code)).toContain(ErrorCode.BadHost);
      expect(bridge.handler.handledCalls).toBe(0);
      expect(bridge.handler.authenticateCalls).toHaveLength(0);
    } finally {
      await context.close();
    }
  });
});

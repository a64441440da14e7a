/**
 * T31 in the window: browsers do not scope cookies (or anything else they send by themselves) by
 * port, so whatever the owner's browser sends to another server on 127.0.0.1 / localhost must not
 * open the owner API. The owner signs in through the daemon's link in real Chromium (the e2e
 * support's startUi); then, in the same browser profile, loads pages from a recording server on
 * another loopback port; everything that server received (every header, cookies included) is
 * replayed, with the window's custom header added, against every owner endpoint: all refused.
 * Also: the link works once, a reload stays signed in, a new tab gets the sign-in screen.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerMethods } from '../../../shared/api.js';
import { startWorld, type World } from '../../world/index.js';
import { startUi, type UiFixture } from './support.js';

let world: World;
let ui: UiFixture;
let recorder: Recorder;

interface Recorder {
  readonly port: number;
  readonly received: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** Another user's dev server: records every request; its page pulls a few more (image, style, credentialed fetch). */
async function startRecorder(): Promise<Recorder> {
  const received: Recorder['received'] = [];
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end("fetch('/fetched', { credentials: 'include' }).then(() => { document.title = 'recorded'; });");
      return;
    }
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><head><title>dev server</title><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head><body><img src="/pixel.png" alt=""></body></html>');
      return;
    }
    res.writeHead(204);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plausible body for each endpoint (a refusal must come from who is asking, not from what). */
function bodyFor(method: string): unknown {
  if (method === 'enrolAgent') return { name: 'replayed' };
  if (method === 'accessToken' || method === 'disconnect') return { url: world.mcpUrl };
  return {};
}

/** Sends one request and resolves with its status as soon as the head arrives (the event stream never ends). */
function replay(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, setHost: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What an attacker's process would send: everything recorded (hop-by-hop and browser-only provenance headers aside). */
function attackerHeaders(recorded: IncomingHttpHeaders, hostPort: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'origin', 'referer'].includes(name) || name.startsWith('sec-fetch-')) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { ...headers, host: `127.0.0.1:${hostPort}`, 'x-latchkey-ui': '1', 'content-type': 'application/json', accept: headers['accept'] ?? '*/*' };
}

beforeAll(async () => {
  world = await startWorld();
  ui = await startUi(world);
  recorder = await startRecorder();
}, 60_000);

afterAll(async () => {
  await recorder?.close();
  await ui?.close();
  await world?.close();
});

describe('T31: the owner UI is not opened by what the browser sends to other loopback ports', () => {
  it('T31: a page on another loopback port replays what it got and is refused', async () => {
    // The signed-in owner, in the same browser profile, visits a dev server on 127.0.0.1 and on localhost.
    for (const name of ['127.0.0.1', 'localhost']) {
      const page = await ui.context.newPage();
      await page.goto(`http://${name}:${recorder.port}/`);
      await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'recorded');
      await page.close();
    }
    expect(recorder.received.length).toBeGreaterThanOrEqual(8);
    const withCookie = recorder.received.filter((r) => r.headers.cookie !== undefined).length;

    const port = ui.daemon.ui!.port;
    const endpoints = [
      ...Object.keys(OwnerMethods).map((method) => ({ method: 'POST', path: `/api/v1/call/${method}`, body: JSON.stringify(bodyFor(method)) })),
      { method: 'POST', path: '/api/v1/connect', body: JSON.stringify({ url: world.mcpUrl }) },
      { method: 'GET', path: '/api/v1/events', body: undefined },
      { method: 'POST', path: '/api/v1/session', body: JSON.stringify({ token: 'x'.repeat(43) }) },
    ];
    const opened = new Map<string, number>();
    let attempts = 0;
    let refused = 0;
    let served = 0;
    for (const recorded of recorder.received) {
      const headers = attackerHeaders(recorded.headers, port);
      for (const endpoint of endpoints) {
        const status = await replay(port, endpoint.method, endpoint.path, headers, endpoint.body);
        attempts += 1;
        if (status === 401 || status === 403) refused += 1;
        else opened.set(endpoint.path, status);
        if (status >= 200 && status < 300) served += 1;
      }
    }
    console.info(
      `T31: ${recorder.received.length} requests recorded on the other port (${withCookie} with a Cookie header); ` +
        `${attempts} replays against ${endpoints.length} endpoints: ${refused} refused (401/403), ${served} served (2xx), ` +
        `${opened.size} endpoints answered otherwise: ${[...opened].map(([path, status]) => `${path}=${status}`).join(' ')}`,
    );
    expect([...opened.keys()]).toEqual([]);
    expect(refused).toBe(attempts);
    expect(served).toBe(0);
    expect((await ui.daemon.wallet.listAgents()).map((agent) => agent.name)).not.toContain('replayed');
  });
});

describe('T31: signing in through the link', () => {
  const signInHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'Sign in to Latchkey' });
  const approvalsHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'Approvals' });

  it('T31: the link leaves the address bar at once; the session lives in this tab\'s sessionStorage; the browser holds no cookie', async () => {
    expect(ui.page.url()).toBe(`${ui.daemon.ui!.url}/`);
    expect(await ui.context.cookies()).toEqual([]);
    const stored = await ui.page.evaluate(() => {
      const scope = globalThis as unknown as { sessionStorage: { key(i: number): string | null; length: number }; localStorage: { length: number; key(i: number): string | null } };
      const keys = (storage: { length: number; key(i: number): string | null }) => Array.from({ length: storage.length }, (_, i) => storage.key(i));
      return { session: keys(scope.sessionStorage), local: keys(scope.localStorage) };
    });
    expect(stored.session).toEqual(['latchkey.session']);
    expect(stored.local).not.toContain('latchkey.session');
  });

  it('T31: a reload keeps the window signed in', async () => {
    await ui.page.reload();
    await approvalsHeading(ui.page).waitFor();
    await ui.watch.expectClean();
  });

  it('T31: the link works once: opened again in another tab, it shows the sign-in screen saying so', async () => {
    const link = ui.daemon.ui!.oneTimeUrl();
    const first = await ui.context.newPage();
    await first.goto(link);
    await approvalsHeading(first).waitFor();
    const second = await ui.context.newPage();
    await second.goto(link);
    await signInHeading(second).waitFor();
    const text = await second.locator('body').innerText();
    expect(text).toContain('This sign-in link was already used');
    expect(text).toContain('latchkey ui');
    expect(second.url()).toBe(`${ui.daemon.ui!.url}/`);
    await first.close();
    await second.close();
  });

  it('T31: a new tab without the link (127.0.0.1 or localhost) gets the sign-in screen naming the command that prints a new link', async () => {
    for (const origin of [ui.daemon.ui!.url, `http://localhost:${ui.daemon.ui!.port}`]) {
      const tab = await ui.context.newPage();
      await tab.goto(`${origin}/`);
      await signInHeading(tab).waitFor();
      const text = await tab.locator('body').innerText();
      expect(text).toContain('This tab is not signed in');
      expect(text).toMatch(/run latchkey ui in a terminal on this computer/);
      await tab.close();
    }
  });

  it('T31: a session the daemon does not know (it restarted, or the session idled out) shows the sign-in screen', async () => {
    const tab = await ui.context.newPage();
    await tab.goto(ui.daemon.ui!.oneTimeUrl());
    await approvalsHeading(tab).waitFor();
    // Planted before the reloaded page's scripts run: the old page, still polling, could otherwise
    // spend the planted session on a 401 and clear it before the reload.
    await tab.addInitScript(() => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('latchkey.session', 'A'.repeat(43)));
    await tab.reload();
    await signInHeading(tab).waitFor();
    expect(await tab.locator('body').innerText()).toContain('This window was signed out');
    await tab.close();
  });
});

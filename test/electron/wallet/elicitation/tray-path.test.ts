/**
 * "E9/E8: the tray path": an agent hands a URL elicitation to a real wallet
 * over the real bridge (Unix socket); the owner sees a tray notice (the Notifier port, a test
 * double) naming the server, the agent, the page's site and its warnings; nothing touches the page
 * before the click; "Open page" on the notice opens it in real Chromium, whose one request reaches
 * a counting server; "Decline" opens nothing. The agent never receives the URL; the audit shows
 * every decision.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_HEADER, ElicitationResponse } from '../../../../shared/bridge.js';
import { startBridgeServer, type BridgeServer } from '../../../../electron/wallet/bridge/server.js';
import type { Opener } from '../../../../electron/base/ports.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { ChromiumHost } from '../../../world/chromium.js';
import { FakeNotifier } from '../../../fakes/fake-notifier.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { httpCall } from '../bridge/support.js';

const SERVER = 'https://mcp.example.com/mcp';
const MESSAGE = 'Pay 5 EUR at https://pay.example.org to continue.';

/** The system browser: real Chromium visits the page (loopback only) and closes it. */
class ChromiumOpener implements Opener {
  constructor(private readonly chromium: ChromiumHost) {}
  async open(url: URL): Promise<void> {
    const context = await this.chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url.href);
    } finally {
      await context.close();
    }
  }
}

/** A page that counts every request it gets and says when the first one arrives. */
async function startCountingPage(): Promise<{ server: Server; url: string; count: () => number; firstRequest: Promise<string> }> {
  let count = 0;
  let seen: (path: string) => void = () => undefined;
  const firstRequest = new Promise<string>((resolve) => (seen = resolve));
  const server = createServer((req, res) => {
    count += 1;
    seen(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><link rel="icon" href="data:,"><title>Pay</title><p>Pay here</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/pay?session=s3cret-session`, count: () => count, firstRequest };
}

describe('E9/E8: the tray path', () => {
  const chromium = new ChromiumHost();
  let dir: string;
  let composed: ComposedWallet;
  let bridge: BridgeServer;
  let notifier: FakeNotifier;
  let secret: string;
  let page: Awaited<ReturnType<typeof startCountingPage>>;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/lkA-');
  });
  afterAll(async () => {
    await chromium.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<void> {
    notifier = new FakeNotifier();
    page = await startCountingPage();
    composed = await composeWallet(
      { home: dir, allowInsecureLoopback: true, vault: { mode: 'memory' } },
      { fetch: new FakeTokenEndpoint().fetch, opener: new ChromiumOpener(chromium), notifier },
    );
    secret = (await composed.wallet.enrolAgent({ name: 'claude-code' })).secret;
    // Only an agent holding a grant for the server may hand over its pages (T33).
    await composed.wallet.createGrant({ agent: 'claude-code', resource: SERVER, scopes: ['mcp:read'] });
    bridge = await startBridgeServer({ handler: composed.bridge, runtimeDir: `${dir}/run`, tcp: false });
  }

  afterEach(async () => {
    await bridge.close();
    await composed.wallet.close();
    await new Promise<void>((resolve) => page.server.close(() => resolve()));
  });

  /** What an agent does: POST /v1/elicitations over the bridge's Unix socket. */
  function agentElicits(): Promise<{ status: number; body: string }> {
    return httpCall(
      { path: bridge.socketPath! },
      {
        method: 'POST',
        path: '/v1/elicitations',
        headers: { [BRIDGE_HEADER]: '1', authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ server: SERVER, url: page.url, message: MESSAGE }),
      },
    );
  }

  it('E9/E8: the notice names server, agent and site with the warnings; 0 requests before Open page, exactly 1 after; the agent gets accept, never the URL', async () => {
    await start();
    const answer = agentElicits();
    const notice = await notifier.next();
    expect(notice.title).toContain('mcp.example.com');
    expect(notice.title).toContain('claude-code');
    expect(notice.emphasis).toBe('127.0.0.1');
    expect(notice.body).toContain('Not encrypted');
    expect(notice.body).toContain('bare IP number');
    expect(notice.body).toContain("not on the server's own site example.com");
    expect(notice.body.split('\n').at(-1)).toBe(`“${MESSAGE}”`);
    expect(notice.body).not.toContain('s3cret');
    expect(notice.actions.map((a) => a.label)).toEqual(['Open page', 'Decline']);
    expect(page.count()).toBe(0);
    expect(chromium.launched).toBe(false);

    notifier.press(notice.id, 'approve');
    expect(await page.firstRequest).toBe('/pay?session=s3cret-session');
    const response = await answer;
    expect(response.status).toBe(200);
    expect(ElicitationResponse.parse(JSON.parse(response.body))).toEqual({ action: 'accept' });
    expect(response.body).not.toContain('127.0.0.1');
    expect(response.body).not.toContain('s3cret');
    expect(page.count()).toBe(1);
    expect(notifier.dismissed).toEqual([notice.id]);

    const audit = await composed.wallet.queryAudit();
    const trail = audit.filter((e) => e.type.startsWith('approval.') || e.type.startsWith('elicitation.'));
    expect(trail.map((e) => [e.type, e.actor, e.site, e.agentName])).toEqual([
      ['approval.raised', undefined, '127.0.0.1', 'claude-code'],
      ['approval.decided', 'owner', '127.0.0.1', 'claude-code'],
      ['elicitation.opened', 'owner', '127.0.0.1', 'claude-code'],
    ]);
    expect(JSON.stringify(audit)).not.toContain('s3cret');
  });

  it('E9: Decline on the notice → 0 requests, the agent gets decline', async () => {
    await start();
    const answer = agentElicits();
    const notice = await notifier.next();
    notifier.press(notice.id, 'deny');
    const response = await answer;
    expect(ElicitationResponse.parse(JSON.parse(response.body))).toEqual({ action: 'decline' });
    expect(response.body).not.toContain('s3cret');
    expect(page.count()).toBe(0);
    expect(notifier.dismissed).toEqual([notice.id]);
    const decided = (await composed.wallet.queryAudit()).filter((e) => e.type === 'approval.decided' || e.type === 'elicitation.opened');
    expect(decided.map((e) => [e.type, e.reason, e.actor])).toEqual([['approval.decided', 'denied', 'owner']]);
  });
});

/**
 * POST /v1/elicitations through the broker (protocol.md E1–E3): the owner decides, only an approval opens the
 * URL (through a fake Opener that counts), the agent gets the action and never the URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { Opener } from '../../../../electron/base/ports.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';

const SERVER = 'https://mcp.example.test/mcp';
const PAGE = 'https://pay.example.test/checkout?session=abc#step';
const MESSAGE = 'Please confirm the payment of 5 EUR.';

class CountingOpener implements Opener {
  readonly opened: string[] = [];
  open(url: URL): Promise<void> {
    this.opened.push(url.href);
    return Promise.resolve();
  }
}

const composed: ComposedWallet[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(composed.splice(0).map((c) => c.wallet.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function setup(options: { approvalTimeoutMs?: number; allowInsecureLoopback?: boolean } = {}) {
  const opener = new CountingOpener();
  const c = await composeWallet(
    { home: '/nonexistent', allowInsecureLoopback: options.allowInsecureLoopback ?? false, vault: { mode: 'memory' } },
    { fetch: new FakeTokenEndpoint().fetch, opener },
    options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs },
  );
  composed.push(c);
  const a = await c.wallet.enrolAgent({ name: 'agent-a' });
  // An agent hands over pages only for servers it holds a grant for (T33).
  await c.wallet.createGrant({ agent: 'agent-a', resource: SERVER, scopes: ['mcp:read'] });
  const caller = c.broker.authenticate(a.secret)!;
  return { wallet: c.wallet, broker: c.broker, opener, caller, never: new AbortController().signal };
}

async function pending(wallet: Wallet) {
  let found;
  await expect.poll(async () => (found = (await wallet.listApprovals({ status: 'pending' }))[0]) !== undefined).toBe(true);
  return found!;
}

/** A loopback server that counts every request it sees (E9: nothing pre-fetches the URL). */
async function countingServer(): Promise<{ url: string; count: () => number }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/pay`, count: () => requests };
}

describe('url elicitation', () => {
  it('approved → exactly one open of the re-serialised URL, action accept, URL never returned', async () => {
    const { wallet, broker, opener, caller, never } = await setup();
    const answer = broker.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    const approval = await pending(wallet);
    expect(approval).toMatchObject({ kind: 'url-elicitation', agentName: 'agent-a', resource: SERVER, url: new URL(PAGE).href, message: MESSAGE });
    expect(opener.opened).toEqual([]);
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });
    const result = await answer;
    expect(result).toEqual({ action: 'accept' });
    expect(JSON.stringify(result)).not.toContain('pay.example');
    expect(opener.opened).toEqual([new URL(PAGE).href]);
    const audit = await wallet.queryAudit();
    const types = audit.map((e) => [e.type, e.reason]);
    expect(types).toContainEqual(['approval.raised', `url-elicitation:${approval.id}`]);
    expect(types).toContainEqual(['approval.decided', 'approved']);
    expect(JSON.stringify(audit)).not.toContain('pay.example');
  });

  it('denied → decline and nothing opened', async () => {
    const { wallet, broker, opener, caller, never } = await setup();
    const answer = broker.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(answer).resolves.toEqual({ action: 'decline' });
    expect(opener.opened).toEqual([]);
  });

  it('no decision in time → cancel and nothing opened', async () => {
    const { wallet, broker, opener, caller, never } = await setup({ approvalTimeoutMs: 50 });
    await expect(broker.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never)).resolves.toEqual({ action: 'cancel' });
    expect(opener.opened).toEqual([]);
    const decided = (await wallet.queryAudit()).filter((e) => e.type === 'approval.decided');
    expect(decided.map((e) => [e.reason, e.actor])).toEqual([['expired', 'timeout']]);
  });

  it('the caller going away withdraws the approval', async () => {
    const { wallet, broker, opener, caller } = await setup();
    const controller = new AbortController();
    const answer = broker.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, controller.signal);
    await pending(wallet);
    controller.abort();
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(await wallet.listApprovals({ status: 'pending' })).toEqual([]);
    expect(opener.opened).toEqual([]);
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['userinfo', 'https://user:pw@pay.example.test/'],
    ['http to a non-loopback host', 'http://pay.example.test/'],
  ])('T04: declines %s before any approval, nothing opened, audited as refused', async (_name, url) => {
    const { wallet, broker, opener, caller, never } = await setup();
    await expect(broker.elicit(caller, { server: SERVER, url, message: MESSAGE }, never)).resolves.toEqual({ action: 'decline' });
    expect(await wallet.listApprovals()).toEqual([]);
    expect(opener.opened).toEqual([]);
    const refused = (await wallet.queryAudit()).filter((e) => e.type === 'elicitation.refused');
    expect(refused.map((e) => e.reason?.startsWith('unsafe:'))).toEqual([true]);
  });

  it('E9: the page sees 0 requests before approval; only the opener opens it', async () => {
    const page = await countingServer();
    const { wallet, broker, opener, caller, never } = await setup({ allowInsecureLoopback: true });
    const answer = broker.elicit(caller, { server: SERVER, url: page.url, message: MESSAGE }, never);
    const approval = await pending(wallet);
    expect(page.count()).toBe(0);
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });
    await expect(answer).resolves.toEqual({ action: 'accept' });
    expect(page.count()).toBe(0);
    expect(opener.opened).toEqual([page.url]);
  });
});

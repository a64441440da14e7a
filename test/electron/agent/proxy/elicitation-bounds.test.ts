/**
 * T15 for URL elicitation in `latchkey mcp`: one server answer may not prompt the owner without
 * bound. The first page the owner does not accept ends the round; more pages than MAX_PAGES in
 * one answer are refused without asking. What the proxy keeps about the agent's requests is
 * bounded too, and a withdrawn request leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { MAX_PAGES } from '../../../../electron/agent/proxy/elicitation-interceptor.js';
import { call, cancelled, expectNoPage, harness, inputRequired, marker, required, urlRequest } from './interceptor-harness.js';
import { answering, WalletDouble } from './wallet-double.js';

const many = (count: number): string[] => Array.from({ length: count }, (_, index) => `page-${index}`);

describe('T15: pages per round (-32042)', () => {
  it('T15 E1 the first declined page ends the round: the owner is not asked about the others', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'a', 'b', 'c'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationDeclined } });
    expect(wallet.stages()).toEqual(['open']);
    expect(h.toServer.messages).toHaveLength(1);
    expectNoPage(h);
  });

  it(`T15 E1 more than ${MAX_PAGES} pages in one answer: ElicitationLimit, the owner is never asked`, async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, ...many(MAX_PAGES + 1)));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationLimit } });
    expect(wallet.calls).toEqual([]);
    expectNoPage(h);
  });

  it(`T15 E1 ${MAX_PAGES} pages are still asked, one after the other`, async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, ...many(MAX_PAGES)));
    expect(await h.toServer.nth(1)).toEqual(call(1));
    expect(wallet.stages()).toEqual([...Array.from({ length: MAX_PAGES }, () => 'open'), 'wait']);
  });
});

describe('T15: pages per round (input_required)', () => {
  it('T15 E2 the first declined URL entry ends the round: the others are answered cancel without asking', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(inputRequired(1, { one: urlRequest(), two: urlRequest(), three: urlRequest() }, 's'));
    expect((await h.toServer.nth(1))['params']).toMatchObject({
      inputResponses: { one: { action: 'decline' }, two: { action: 'cancel' }, three: { action: 'cancel' } },
      requestState: 's',
    });
    expect(wallet.stages()).toEqual(['open']);
  });

  it(`T15 E2 more than ${MAX_PAGES} URL entries: ElicitationLimit, the owner is never asked`, async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    const entries = Object.fromEntries(many(MAX_PAGES + 1).map((key) => [key, urlRequest()]));
    await h.server.send(inputRequired(1, entries, 's'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationLimit } });
    expect(wallet.calls).toEqual([]);
    expect(h.toServer.messages).toHaveLength(1);
    expectNoPage(h);
  });
});

describe('T15: what the proxy keeps about requests', () => {
  it('T15 a request withdrawn outside a round is let go: a late -32042 for it asks nothing and reaches no one', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.agent.send(cancelled(1));
    await h.server.send(required(1, 'x'));
    await h.server.send(marker);
    expect(await h.toAgent.nth(0)).toEqual(marker);
    expect(wallet.calls).toEqual([]);
    expectNoPage(h);
  });

  it('T15 a withdrawn request is no longer owed an answer: the end of stdin closes the proxy at once', async () => {
    const h = await harness(new WalletDouble(answering('accept')));
    await h.agent.send(call(1));
    await h.agent.send(cancelled(1));
    h.local.onend?.();
    expect(await h.proxy.done).toEqual({ reason: 'local-closed' });
  });

  it('T15 the requests followed are bounded: the oldest is let go, its -32042 gets the unreadable error and no URL', async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'));
    const h = await harness(wallet, { maxTracked: 2 });
    for (const id of [1, 2, 3]) await h.agent.send(call(id));
    await h.server.send(required(1, 'x'));
    expect(await h.toAgent.nth(0)).toMatchObject({ id: 1, error: { data: { latchkey_code: ErrorCode.BadResponse } } });
    expect(wallet.calls).toEqual([]);
    await h.server.send(required(3, 'y'));
    expect(await h.toServer.nth(3)).toEqual(call(3));
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expectNoPage(h);
  });
});

/**
 * T15 for URL elicitation in `latchkey mcp`: one server answer may not prompt the owner without
 * bound. The first page the owner does not accept ends the round; more pages than MAX_PAGES in
 * one answer are refused without asking.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { MAX_PAGES } from '../../../../electron/core/proxy/elicitation-interceptor.js';
import { call, expectNoPage, harness, inputRequired, required, urlRequest } from './interceptor-harness.js';
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

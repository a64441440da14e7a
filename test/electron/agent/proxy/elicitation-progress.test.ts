/**
 * Progress to the agent while its request is held in a URL elicitation round (E1, E2): only for a
 * request that carried a progressToken, with increasing values and a fixed message (no page, no
 * site), stopped on every way the round ends. Intervals are vitest fake timers (only
 * setInterval/clearInterval), except in the first test, which waits on real 20 ms ticks.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WAITING_MESSAGE } from '../../../../electron/agent/proxy/round-progress.js';
import { call, cancelled, complete, drainMicrotasks, expectNoPage, harness, inputRequired, marker, PAGE, required, urlRequest, type Harness } from './interceptor-harness.js';
import { answering, WalletDouble } from './wallet-double.js';

const INTERVAL = 20;
const withToken = (id: number, progressToken: string | number): JSONRPCMessage => call(id, { _meta: { progressToken } });
const progressOf = (h: Harness): Array<Record<string, unknown>> =>
  h.toAgent.messages.filter((m) => (m as { method?: string }).method === 'notifications/progress').map((m) => (m as { params: Record<string, unknown> }).params);

function fakeIntervals(): void {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
}

/** Ticks `count` intervals, each delivered before the next. */
async function tick(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    vi.advanceTimersByTime(INTERVAL);
    await drainMicrotasks();
  }
}

/** A -32042 round for request 1 whose wait holds until withdrawn or completed. */
async function heldRound(request: JSONRPCMessage): Promise<{ h: Harness; wallet: WalletDouble }> {
  const wallet = new WalletDouble(answering('accept', 'hold'));
  const h = await harness(wallet, { progressIntervalMs: INTERVAL });
  await h.agent.send(request);
  await h.toServer.nth(0);
  await h.server.send(required(1, 'x'));
  await wallet.waitForCalls(2);
  return { h, wallet };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('E1: progress while a request waits for the owner', () => {
  it('E1 a request with a progressToken gets increasing progress during a -32042 wait; the message names no page or site', async () => {
    const { h } = await heldRound(withToken(1, 'tok'));
    await h.toAgent.nth(2);
    const progress = progressOf(h).slice(0, 3);
    expect(progress).toEqual([1, 2, 3].map((n) => ({ progressToken: 'tok', progress: n, message: WAITING_MESSAGE })));
    expect(JSON.stringify(progress)).not.toMatch(/example\.test|https?:/);
    expectNoPage(h);
    await h.server.send(complete('x'));
    expect((await h.toServer.nth(1))['id']).toBe(1);
  });

  it('E1 no progress for a request without a progressToken', async () => {
    fakeIntervals();
    const { h } = await heldRound(call(1));
    expect(vi.getTimerCount()).toBe(0);
    await tick(5);
    await h.server.send(marker);
    await h.toAgent.nth(0);
    expect(h.toAgent.messages).toEqual([marker]);
  });

  it('E1 progress stops when the retry is sent: nothing after the final answer; values keep rising in a later round', async () => {
    fakeIntervals();
    const { h, wallet } = await heldRound(withToken(1, 7));
    await tick(2);
    expect(progressOf(h).map((p) => [p['progressToken'], p['progress']])).toEqual([
      [7, 1],
      [7, 2],
    ]);
    await h.server.send(complete('x'));
    expect(await h.toServer.nth(1)).toEqual(withToken(1, 7));
    expect(vi.getTimerCount()).toBe(0);
    // The retry asks again: a second round continues from where the first stopped.
    await h.server.send(required(1, 'y'));
    await wallet.waitForCalls(4);
    await tick(1);
    expect(progressOf(h).map((p) => p['progress'])).toEqual([1, 2, 3]);
    await h.server.send(complete('y'));
    await h.toServer.nth(2);
    await h.server.send({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    await h.toAgent.nth(3);
    await tick(5);
    expect(vi.getTimerCount()).toBe(0);
    expect(h.toAgent.messages).toHaveLength(4);
    expect(h.toAgent.messages.at(-1)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [] } });
  });

  it('E1 progress stops when the agent cancels its request', async () => {
    fakeIntervals();
    const { h } = await heldRound(withToken(1, 'tok'));
    await tick(1);
    await h.agent.send(cancelled(1));
    expect((await h.toServer.nth(1))['method']).toBe('notifications/cancelled');
    expect(vi.getTimerCount()).toBe(0);
    await tick(5);
    expect(progressOf(h)).toHaveLength(1);
  });

  it('E1 progress stops when the proxy closes', async () => {
    fakeIntervals();
    const { h } = await heldRound(withToken(1, 'tok'));
    await tick(1);
    await h.proxy.close();
    expect(vi.getTimerCount()).toBe(0);
    await tick(5);
    expect(progressOf(h)).toHaveLength(1);
  });
});

describe('E2: progress during an input_required round', () => {
  it('E2 a held input_required round sends progress until the owner answers; the retry ends it', async () => {
    fakeIntervals();
    let answerWait: () => void = () => undefined;
    const waited = new Promise<void>((resolve) => (answerWait = resolve));
    const wallet = new WalletDouble(async (request) => {
      if ((request.stage ?? 'open') === 'wait') await waited;
      return { action: 'accept' };
    });
    const h = await harness(wallet, { progressIntervalMs: INTERVAL });
    await h.agent.send(withToken(1, 'in'));
    await h.toServer.nth(0);
    await h.server.send(inputRequired(1, { pay: urlRequest() }, 's'));
    await wallet.waitForCalls(2);
    await tick(2);
    expect(progressOf(h)).toEqual([1, 2].map((n) => ({ progressToken: 'in', progress: n, message: WAITING_MESSAGE })));
    answerWait();
    expect((await h.toServer.nth(1))['params']).toMatchObject({ inputResponses: { pay: { action: 'accept' } }, requestState: 's' });
    expect(vi.getTimerCount()).toBe(0);
    await tick(5);
    expect(progressOf(h)).toHaveLength(2);
    expect(JSON.stringify(h.toAgent.messages)).not.toContain(PAGE);
  });
});

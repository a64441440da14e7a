/**
 * E1/E2/T21 defence in depth for `latchkey mcp`: a message that carries an elicitation URL never
 * reaches the agent, whatever its id: a duplicate -32042, an answer after the proxy already
 * answered, an input_required result for a request the proxy does not follow, a url-mode
 * elicitation/create without an id.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { MAX_CREATES } from '../../../../electron/agent/proxy/elicitation-interceptor.js';
import { call, cancelled, drainMicrotasks, expectNoPage, harness, inputRequired, marker, PAGE, required, urlRequest, type Harness } from './interceptor-harness.js';
import { answering, WalletDouble } from './wallet-double.js';

/** Sends the marker behind whatever the server sent and returns what the agent got before it. */
async function beforeMarker(h: Harness): Promise<JSONRPCMessage[]> {
  await h.server.send(marker);
  for (let index = 0; ; index += 1) {
    if ((await h.toAgent.nth(index)) === marker) return h.toAgent.messages.slice(0, index);
  }
}

describe('E1: URL-bearing messages no request waits for', () => {
  it('E1 T21 a second -32042 after the proxy answered the request is dropped', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationDeclined } });
    await h.server.send(required(1, 'x'));
    expect(await beforeMarker(h)).toHaveLength(1);
    expect(wallet.calls).toHaveLength(1);
    expectNoPage(h);
  });

  it('E1 T21 a duplicate -32042 while the round runs is dropped; the round answers once', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    await wallet.waitForCalls(2);
    await h.server.send(required(1, 'x'));
    expect(await beforeMarker(h)).toEqual([]);
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expect(wallet.calls[1]?.signal?.aborted).toBe(false);
    expectNoPage(h);
  });

  it('E1 T21 a -32042 for an id the agent never used, or with no id, is dropped', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.server.send(required(99, 'x'));
    const withoutId = { ...(required(0, 'x') as Record<string, unknown>), id: null } as unknown as JSONRPCMessage;
    await h.server.send(withoutId);
    expect(await beforeMarker(h)).toEqual([]);
    expect(wallet.calls).toEqual([]);
    expectNoPage(h);
  });

  it('E2 T21 an input_required result with URL entries for a request the proxy does not follow is dropped', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.server.send(inputRequired(7, { pay: urlRequest() }, 's'));
    expect(await beforeMarker(h)).toEqual([]);
    expect(wallet.calls).toEqual([]);
    expectNoPage(h);
  });

  it('E1 T21 a url-mode elicitation/create without an id is dropped, not forwarded', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.server.send({ jsonrpc: '2.0', method: 'elicitation/create', params: { mode: 'url', elicitationId: 'x', url: PAGE, message: 'Open it.' } } as JSONRPCMessage);
    expect(await beforeMarker(h)).toEqual([]);
    expect(wallet.calls).toEqual([]);
    expect(h.toServer.messages).toEqual([]);
    expectNoPage(h);
  });
});

describe('E2: a request withdrawn while the owner decides', () => {
  it('E2 the owner answers after the agent withdrew the request: nothing is retried, least of all the server\'s answer', async () => {
    let answer: () => void = () => undefined;
    // A wallet that answers even though the ask was withdrawn (the bridge may answer before the abort lands).
    const wallet = new WalletDouble(() => new Promise((resolve) => (answer = () => resolve({ action: 'decline' }))));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(inputRequired(1, { pay: urlRequest() }, 's'));
    await wallet.waitForCalls(1);
    await h.agent.send(cancelled(1));
    answer();
    await drainMicrotasks();
    expect(h.toServer.messages.map((m) => (m as { method?: string }).method)).toEqual(['tools/call', 'notifications/cancelled']);
    expect(h.toAgent.messages).toEqual([]);
  });
});

describe('E1: the server withdraws its url elicitation/create', () => {
  /** A wallet whose every ask waits for the owner until withdrawn. */
  const holding = (): WalletDouble =>
    new WalletDouble(
      (_request, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new DOMException('withdrawn', 'AbortError')), { once: true })),
    );
  const create = (id: string, elicitationId: string): JSONRPCMessage => ({
    jsonrpc: '2.0',
    id,
    method: 'elicitation/create',
    params: { mode: 'url', elicitationId, url: PAGE, message: 'Open it.' },
  });

  it('E1 the server\'s notifications/cancelled withdraws the wallet\'s ask; no answer goes to the server, nothing to the agent', async () => {
    const wallet = holding();
    const h = await harness(wallet);
    await h.server.send(create('e1', 'x'));
    await wallet.waitForCalls(1);
    await h.server.send(cancelled('e1'));
    expect(wallet.calls[0]?.signal?.aborted).toBe(true);
    expect(await beforeMarker(h)).toEqual([]);
    await drainMicrotasks();
    expect(h.toServer.messages).toEqual([]);
    expect(h.reports).toEqual([]);
  });

  it('E1 T15 at most MAX_CREATES are asked about at once; the next is answered cancel without asking', async () => {
    const wallet = holding();
    const h = await harness(wallet);
    for (let index = 0; index < MAX_CREATES; index += 1) await h.server.send(create(`e${index}`, `x${index}`));
    await wallet.waitForCalls(MAX_CREATES);
    await h.server.send(create('one-more', 'y'));
    expect(await h.toServer.nth(0)).toEqual({ jsonrpc: '2.0', id: 'one-more', result: { action: 'cancel' } });
    expect(wallet.calls).toHaveLength(MAX_CREATES);
  });
});

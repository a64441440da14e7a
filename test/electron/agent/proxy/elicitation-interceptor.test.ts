/**
 * The message proxy with the URL elicitation interceptor, message by message
 * (interceptor-harness.ts). For what real SDK servers and clients do, see elicitation.test.ts.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { CLIENT_CAPABILITIES_META, declareUrlElicitation, withUrlElicitation } from '../../../../electron/agent/proxy/capabilities.js';
import { call, complete, expectNoPage, harness, inputRequired, PAGE, paramsOf, required, SERVER } from './interceptor-harness.js';
import { answering, WalletDouble } from './wallet-double.js';

describe('E3: capabilities', () => {
  it('E3 adds url and keeps form mode as the agent declared it', () => {
    expect(withUrlElicitation(undefined)).toEqual({ elicitation: { url: {} } });
    expect(withUrlElicitation({ roots: {} })).toEqual({ roots: {}, elicitation: { url: {} } });
    expect(withUrlElicitation({ elicitation: {} })).toEqual({ elicitation: { form: {}, url: {} } });
    expect(withUrlElicitation({ elicitation: { form: { applyDefaults: true } } })).toEqual({ elicitation: { form: { applyDefaults: true }, url: {} } });
  });

  it('E3 initialize params and 2026-07-28 capability _meta on any request; nothing else changes', () => {
    const init = declareUrlElicitation({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
    expect(paramsOf(init)['capabilities']).toEqual({ elicitation: { url: {} } });
    const withMeta = declareUrlElicitation(call(2, { _meta: { [CLIENT_CAPABILITIES_META]: { elicitation: {} }, other: 1 } }));
    expect(paramsOf(withMeta)['_meta']).toEqual({ [CLIENT_CAPABILITIES_META]: { elicitation: { form: {}, url: {} } }, other: 1 });
    const plain = call(3);
    expect(declareUrlElicitation(plain)).toBe(plain);
    const notification: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(declareUrlElicitation(notification)).toBe(notification);
  });

  it('E3 through the proxy: the server sees url declared on every 2026-07-28 request', async () => {
    const h = await harness(new WalletDouble(answering('decline')));
    await h.agent.send(call(1, { _meta: { [CLIENT_CAPABILITIES_META]: {} } }));
    expect((await h.toServer.nth(0))['params']).toMatchObject({ _meta: { [CLIENT_CAPABILITIES_META]: { elicitation: { url: {} } } } });
  });
});

describe('E1: server requests and notifications', () => {
  it('E1 form-mode elicitation/create passes to the agent untouched', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    const form: JSONRPCMessage = { jsonrpc: '2.0', id: 7, method: 'elicitation/create', params: { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: {} } } };
    await h.server.send(form);
    expect(await h.toAgent.nth(0)).toEqual(form);
    expect(wallet.calls).toEqual([]);
  });

  it('E1 url-mode elicitation/create: the wallet answers the server; control characters leave the message', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.server.send({ jsonrpc: '2.0', id: 'e1', method: 'elicitation/create', params: { mode: 'url', elicitationId: 'x', url: PAGE, message: 'line one\nline two' } });
    expect(await h.toServer.nth(0)).toEqual({ jsonrpc: '2.0', id: 'e1', result: { action: 'accept' } });
    expect(wallet.calls[0]?.request).toEqual({ server: SERVER, url: PAGE, message: 'line one line two', stage: 'open' });
    expect(h.toAgent.messages).toEqual([]);
    expectNoPage(h);
  });

  it('B14 a completion for an unknown id is not forwarded and changes nothing', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.toServer.nth(0);
    await h.server.send(required(1, 'known'));
    await wallet.waitForCalls(2);
    await h.server.send(complete('unknown'));
    await h.server.send({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: 42 } });
    // A message behind them on the same stream proves they were processed.
    await h.server.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after' } });
    expect((await h.toAgent.nth(0))['method']).toBe('notifications/message');
    expect(h.toAgent.messages).toHaveLength(1);
    expect(wallet.calls[1]?.signal?.aborted).toBe(false);
    expect(h.toServer.messages).toHaveLength(1);
    // The known id releases it: the wait is withdrawn and the same request goes again.
    await h.server.send(complete('known'));
    expect(await h.toServer.nth(1)).toEqual(call(1));
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
    await h.server.send({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    expect(await h.toAgent.nth(1)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    expectNoPage(h);
  });
});

describe('E1: -32042', () => {
  it('E1 a completion that arrives before the wallet answers needs no wait: the request goes again at once', async () => {
    let release: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (release = resolve));
    const wallet = new WalletDouble(async () => {
      await opened;
      return { action: 'accept' };
    });
    const h = await harness(wallet);
    await h.agent.send(call(5));
    await h.server.send(required(5, 'early'));
    await wallet.waitForCalls(1);
    await h.server.send(complete('early'));
    release();
    expect(await h.toServer.nth(1)).toEqual(call(5));
    expect(wallet.stages()).toEqual(['open']);
  });

  it('E1 an error without a readable elicitation is answered without forwarding it', async () => {
    const h = await harness(new WalletDouble(answering('accept')));
    await h.agent.send(call(1));
    await h.server.send({ jsonrpc: '2.0', id: 1, error: { code: -32042, message: `go to ${PAGE}`, data: { elicitations: [{ mode: 'url' }] } } });
    const answer = await h.toAgent.nth(0);
    expect(answer['error']).toMatchObject({ code: -32000, data: { latchkey_code: ErrorCode.BadResponse } });
    expectNoPage(h);
  });

  it('E1 a wallet that fails: the agent gets the bridge error, with its code and no URL', async () => {
    const wallet = new WalletDouble(() => Promise.reject(new LatchkeyError(ErrorCode.BridgeNotRunning, 'The Latchkey bridge is not running.')));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.BridgeNotRunning } });
    expect(h.reports.map((r) => r.code)).toEqual([ErrorCode.BridgeNotRunning]);
    expectNoPage(h);
  });

  it('E1 the user gives up while waiting (wait cancel): ElicitationDeclined, no retry', async () => {
    const wallet = new WalletDouble(answering('accept', 'cancel'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationDeclined } });
    expect(h.toServer.messages).toHaveLength(1);
    expectNoPage(h);
  });

  it('E1 the agent cancels its request while it waits: the wait is withdrawn, nothing is retried or answered', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    await wallet.waitForCalls(2);
    await h.agent.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    expect((await h.toServer.nth(1))['method']).toBe('notifications/cancelled');
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
    await h.server.send(complete('x'));
    await h.server.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after' } });
    await h.toAgent.nth(0);
    expect(h.toAgent.messages.map((m) => (m as { method?: string }).method)).toEqual(['notifications/message']);
    expect(h.toServer.messages).toHaveLength(2);
  });

  it('E1 closing the proxy withdraws a pending wait', async () => {
    const wallet = new WalletDouble(answering('accept', 'hold'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    await wallet.waitForCalls(2);
    await h.proxy.close();
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
  });
});

describe('E2: input_required', () => {
  const urlRequest = { method: 'elicitation/create', params: { mode: 'url', url: PAGE, message: 'Pay.' } };
  const formRequest = { method: 'elicitation/create', params: { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: {} } } };

  it('E2 only URL entries: open, wait, retry with inputResponses and the echoed requestState', async () => {
    const wallet = new WalletDouble(answering('accept', 'accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1, { _meta: { [CLIENT_CAPABILITIES_META]: {} } }));
    await h.server.send(inputRequired(1, { pay: urlRequest }, 'state-1'));
    const retry = await h.toServer.nth(1);
    expect(retry['id']).toBe(1);
    expect(retry['params']).toMatchObject({ name: 'pay', inputResponses: { pay: { action: 'accept' } }, requestState: 'state-1' });
    expect(retry['params']).toMatchObject({ _meta: { [CLIENT_CAPABILITIES_META]: { elicitation: { url: {} } } } });
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expect(h.toAgent.messages).toEqual([]);
  });

  it('E2 a result without URL entries goes to the agent as it is', async () => {
    const wallet = new WalletDouble(answering('accept'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    const result = inputRequired(1, { name: formRequest }, 's');
    await h.server.send(result);
    expect(await h.toAgent.nth(0)).toEqual(result);
    expect(wallet.calls).toEqual([]);
  });

  it('E2 mixed: the agent gets only its entries; its retry with that requestState gets the wallet\'s answers', async () => {
    const wallet = new WalletDouble(answering('decline'));
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(inputRequired(1, { pay: urlRequest, name: formRequest }, 'state-2'));
    expect(await h.toAgent.nth(0)).toEqual(inputRequired(1, { name: formRequest }, 'state-2'));
    expect(wallet.stages()).toEqual(['open']);
    await h.agent.send(call(2, { inputResponses: { name: { action: 'accept', content: {} } }, requestState: 'state-2' }));
    expect((await h.toServer.nth(1))['params']).toMatchObject({
      inputResponses: { name: { action: 'accept', content: {} }, pay: { action: 'decline' } },
      requestState: 'state-2',
    });
    // Used once: a second retry with the same state is the agent's own.
    await h.agent.send(call(3, { inputResponses: { name: { action: 'accept', content: {} } }, requestState: 'state-2' }));
    expect((await h.toServer.nth(2))['params']).toEqual({ name: 'pay', arguments: {}, inputResponses: { name: { action: 'accept', content: {} } }, requestState: 'state-2' });
    expectNoPage(h);
  });

  it('E2 the user gives up while waiting: ElicitationDeclined', async () => {
    const h = await harness(new WalletDouble(answering('accept', 'decline')));
    await h.agent.send(call(1));
    await h.server.send(inputRequired(1, { pay: urlRequest }, 's'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationDeclined } });
    expectNoPage(h);
  });

  it('E2 rounds are bounded per request', async () => {
    const h = await harness(new WalletDouble(answering('accept', 'accept')));
    await h.agent.send(call(1));
    for (let round = 0; round < 3; round += 1) {
      await h.toServer.nth(round);
      await h.server.send(inputRequired(1, { pay: urlRequest }, `s${round}`));
    }
    await h.toServer.nth(3);
    await h.server.send(inputRequired(1, { pay: urlRequest }, 's3'));
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.ElicitationLimit } });
    expect(h.toServer.messages).toHaveLength(4);
  });
});

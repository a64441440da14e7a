/**
 * The agent-side bridge client's elicitation call (protocol.md E1–E3) against the real bridge server: the
 * request reaches the handler as sent, the answer comes back, and aborting withdraws the request
 * (the handler's signal fires), which is how `latchkey mcp` ends a wait when the server completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElicitationRequest, ElicitationResponse } from '../../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { createBridgeClient, type BridgeClient } from '../../../../electron/agent/bridge-client/client.js';
import type { BridgeCaller } from '../../../../electron/wallet/bridge/handler.js';
import { FAKE_AGENT_SECRET } from '../../../fakes/fake-bridge-handler.js';
import { startTestBridge, type TestBridge } from '../../wallet/bridge/support.js';

const REQUEST: ElicitationRequest = { server: 'https://mcp.example/mcp', url: 'https://accounts.example/link', message: 'Link it.', stage: 'wait' };

describe('bridge client: elicit', () => {
  let bridge: TestBridge;
  let client: BridgeClient;
  beforeAll(async () => {
    bridge = await startTestBridge();
    client = createBridgeClient({ socketPath: bridge.socketPath, secret: FAKE_AGENT_SECRET });
  });
  afterAll(async () => {
    client.close();
    await bridge.close();
  });

  it('posts the elicitation and returns the action', async () => {
    bridge.handler.elicit = (_caller: BridgeCaller, request: ElicitationRequest): Promise<ElicitationResponse> => {
      bridge.handler.elicitCalls.push(request);
      return Promise.resolve({ action: 'accept' });
    };
    expect(await client.elicit(REQUEST)).toEqual({ action: 'accept' });
    expect(bridge.handler.elicitCalls.at(-1)).toEqual(REQUEST);
  });

  it('an abort withdraws the request: the handler sees its signal fire, the caller gets the reason', async () => {
    let reached: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    let withdrawn: () => void = () => undefined;
    const sawAbort = new Promise<void>((resolve) => (withdrawn = resolve));
    bridge.handler.elicit = (_caller: BridgeCaller, _request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationResponse> =>
      new Promise((_resolve, reject) => {
        reached();
        signal.addEventListener('abort', () => {
          withdrawn();
          reject(new LatchkeyError(ErrorCode.ElicitationDeclined, 'withdrawn'));
        });
      });
    const controller = new AbortController();
    const asked = client.elicit(REQUEST, controller.signal);
    await arrived;
    const reason = new DOMException('completed', 'AbortError');
    controller.abort(reason);
    await expect(asked).rejects.toBe(reason);
    await sawAbort;
  });

  it('a wait outlives the usual request timeout (the wallet waits minutes for "retry now"); an open does not', async () => {
    const short = createBridgeClient({ socketPath: bridge.socketPath, secret: FAKE_AGENT_SECRET, timeoutMs: 200 });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    bridge.handler.elicit = async (_caller: BridgeCaller, request: ElicitationRequest): Promise<ElicitationResponse> => {
      await released;
      return { action: request.stage === 'wait' ? 'accept' : 'decline' };
    };
    try {
      const waiting = short.elicit(REQUEST);
      await expect(short.elicit({ ...REQUEST, stage: 'open' })).rejects.toMatchObject({ code: ErrorCode.Timeout });
      release();
      expect(await waiting).toEqual({ action: 'accept' });
    } finally {
      short.close();
    }
  });

  it('a request the bridge would refuse is refused locally', async () => {
    const before = bridge.handler.elicitCalls.length;
    await expect(client.elicit({ ...REQUEST, url: 'https://accounts.example/ü' })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    expect(bridge.handler.elicitCalls.length).toBe(before);
  });
});

/**
 * T15 for URL elicitation in `latchkey mcp`: the wallet's approval queue allows one pending
 * approval per (kind, agent, resource) and answers 429 to a second. Parallel agent requests that
 * need the same page share the proxy's ask instead; a wait the wallet refuses as busy falls back
 * to the server's completion alone, bounded.
 */
import { describe, expect, it } from 'vitest';
import type { ElicitationRequest, ElicitationResponse } from '../../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { call, cancelled, complete, expectNoPage, harness, marker, required } from './interceptor-harness.js';
import { WalletDouble, type WalletScript } from './wallet-double.js';

/**
 * The wallet's queue in miniature: a second pending ask of the same stage is refused with 429.
 * Opens are held until `releaseOpens`; waits are held until withdrawn (or answered by `answerWaits`).
 */
function queueLikeWallet(): { wallet: WalletDouble; releaseOpens: () => void; answerWaits: (action: ElicitationResponse['action']) => void } {
  const pending = new Map<string, number>();
  const opens: Array<() => void> = [];
  const waits: Array<(action: ElicitationResponse['action']) => void> = [];
  const script: WalletScript = (request: ElicitationRequest, signal) => {
    const stage = request.stage ?? 'open';
    if ((pending.get(stage) ?? 0) > 0) return Promise.reject(new LatchkeyError(ErrorCode.RateLimited, 'An approval is already pending.'));
    pending.set(stage, 1);
    return new Promise<ElicitationResponse>((resolve, reject) => {
      const settle = (): void => void pending.set(stage, 0);
      signal?.addEventListener('abort', () => (settle(), reject(new DOMException('withdrawn', 'AbortError'))), { once: true });
      if (stage === 'open') opens.push(() => (settle(), resolve({ action: 'accept' })));
      else waits.push((action) => (settle(), resolve({ action })));
    });
  };
  return {
    wallet: new WalletDouble(script),
    releaseOpens: () => opens.splice(0).forEach((release) => release()),
    answerWaits: (action) => waits.splice(0).forEach((answer) => answer(action)),
  };
}

describe('T15: parallel requests that need the same page', () => {
  it('T15 E1 two requests, one elicitation id: one open ask, one wait; the completion retries both', async () => {
    const { wallet, releaseOpens } = queueLikeWallet();
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.agent.send(call(2));
    await h.server.send(required(1, 'same'));
    await h.server.send(required(2, 'same'));
    await wallet.waitForCalls(1);
    releaseOpens();
    await wallet.waitForCalls(2);
    await h.server.send(complete('same'));
    expect([await h.toServer.nth(2), await h.toServer.nth(3)]).toEqual([call(1), call(2)]);
    expect(wallet.stages()).toEqual(['open', 'wait']);
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
    expect(h.toAgent.messages).toEqual([]);
    expect(h.reports).toEqual([]);
  });

  it('T15 E1 the owner\'s retry on the shared wait releases both requests', async () => {
    const { wallet, releaseOpens, answerWaits } = queueLikeWallet();
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'same'));
    await wallet.waitForCalls(1);
    releaseOpens();
    await wallet.waitForCalls(2);
    // The second request comes while the first already waits: the page counts as opened.
    await h.agent.send(call(2));
    await h.server.send(required(2, 'same'));
    await h.server.send(marker);
    await h.toAgent.nth(0);
    answerWaits('accept');
    expect([await h.toServer.nth(2), await h.toServer.nth(3)]).toEqual([call(1), call(2)]);
    expect(wallet.stages()).toEqual(['open', 'wait']);
  });

  it('T15 E1 one of two requests withdrawn: the shared wait stays for the other, and is withdrawn with the last', async () => {
    const { wallet, releaseOpens } = queueLikeWallet();
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.agent.send(call(2));
    await h.server.send(required(1, 'same'));
    await h.server.send(required(2, 'same'));
    await wallet.waitForCalls(1);
    releaseOpens();
    await wallet.waitForCalls(2);
    await h.agent.send(cancelled(1));
    expect(wallet.calls[1]?.signal?.aborted).toBe(false);
    await h.agent.send(cancelled(2));
    expect(wallet.calls[1]?.signal?.aborted).toBe(true);
    expect(h.toAgent.messages).toEqual([]);
  });

  it('T15 E1 a wait refused as busy (429) waits for the completions alone', async () => {
    const { wallet, releaseOpens } = queueLikeWallet();
    const h = await harness(wallet);
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    await wallet.waitForCalls(1);
    releaseOpens();
    await wallet.waitForCalls(2);
    // Another page as well: a different wait, which the wallet refuses while the first is pending.
    await h.agent.send(call(2));
    await h.server.send(required(2, 'x', 'y'));
    await wallet.waitForCalls(3);
    releaseOpens();
    await wallet.waitForCalls(4);
    expect(wallet.stages()).toEqual(['open', 'wait', 'open', 'wait']);
    await h.server.send(complete('x'));
    expect(await h.toServer.nth(2)).toEqual(call(1));
    await h.server.send(complete('y'));
    expect(await h.toServer.nth(3)).toEqual(call(2));
    expect(h.toAgent.messages).toEqual([]);
    expect(h.reports).toEqual([]);
    expectNoPage(h);
  });

  it('T15 E1 the completion-only wait is bounded: Timeout, no URL', async () => {
    const { wallet, releaseOpens } = queueLikeWallet();
    const h = await harness(wallet, { completionTimeoutMs: 50 });
    await h.agent.send(call(1));
    await h.server.send(required(1, 'x'));
    await wallet.waitForCalls(1);
    releaseOpens();
    await wallet.waitForCalls(2);
    await h.agent.send(call(2));
    await h.server.send(required(2, 'x', 'y'));
    await wallet.waitForCalls(3);
    releaseOpens();
    expect((await h.toAgent.nth(0))['error']).toMatchObject({ data: { latchkey_code: ErrorCode.Timeout } });
    expect((await h.toAgent.nth(0))['id']).toBe(2);
    expectNoPage(h);
  });
});

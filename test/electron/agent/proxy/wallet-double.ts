/**
 * A port double for the wallet's elicitation call (the bridge's POST /v1/elicitations): records
 * every request with its signal and answers from a script. `opensPages` makes an accepted 'open'
 * visit the URL, as the wallet's browser would.
 */
import type { ElicitationRequest, ElicitationResponse } from '../../../../shared/bridge.js';
import type { ElicitationPort } from '../../../../electron/agent/proxy/index.js';

export interface WalletCall {
  request: ElicitationRequest;
  signal: AbortSignal | undefined;
}

export type WalletScript = (request: ElicitationRequest, signal: AbortSignal | undefined) => Promise<ElicitationResponse>;

export class WalletDouble implements ElicitationPort {
  readonly calls: WalletCall[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private script: WalletScript,
    private readonly opensPages = false,
  ) {}

  setScript(script: WalletScript): void {
    this.script = script;
  }

  async elicit(request: ElicitationRequest, signal?: AbortSignal): Promise<ElicitationResponse> {
    this.calls.push({ request, signal });
    for (const waiter of this.waiters.filter((w) => this.calls.length >= w.count)) waiter.resolve();
    const answer = await this.script(request, signal);
    if (this.opensPages && (request.stage ?? 'open') === 'open' && answer.action === 'accept') {
      const page = await fetch(request.url);
      await page.text();
    }
    return answer;
  }

  /** Resolves once `count` calls were made. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  stages(): string[] {
    return this.calls.map((call) => call.request.stage ?? 'open');
  }
}

/** Answers every 'open' with `open` and every 'wait' with `wait` (a wait may never answer: 'hold' resolves only on abort). */
export function answering(open: ElicitationResponse['action'], wait: ElicitationResponse['action'] | 'hold' = 'accept'): WalletScript {
  return (request, signal) => {
    if ((request.stage ?? 'open') === 'open') return Promise.resolve({ action: open });
    if (wait !== 'hold') return Promise.resolve({ action: wait });
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new DOMException('withdrawn', 'AbortError')), { once: true });
    });
  };
}

/**
 * Keeps the agent's MCP client from timing out while its request is held in a URL elicitation
 * round: when the request carried `params._meta.progressToken`, the agent gets
 * `notifications/progress` for that token at a steady interval until the round ends. Requests
 * without a token get none (the spec forbids progress for them). The message is fixed: it never
 * names the page or its site.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isObject } from './remote-messages.js';

/** How often the agent hears about a held request (default of progressIntervalMs). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 15_000;
export const WAITING_MESSAGE = 'Waiting for you to answer a page request in Latchkey';

export type ProgressToken = string | number;

/** The request's `params._meta.progressToken`, when it carries one. */
export function progressTokenOf(message: JSONRPCMessage | undefined): ProgressToken | undefined {
  const params = (message as { params?: unknown } | undefined)?.params;
  const meta = isObject(params) ? params['_meta'] : undefined;
  const token = isObject(meta) ? meta['progressToken'] : undefined;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

export interface ProgressOptions {
  token: ProgressToken | undefined;
  intervalMs: number;
  /** The next progress value for this request (increasing across its rounds). */
  next: () => number;
  send: (message: JSONRPCMessage) => void;
  /** The round's signal: its abort (cancel, answer, proxy close) stops the progress. */
  signal: AbortSignal;
}

/** Starts sending progress for a round; the returned function stops it (safe to call twice). */
export function startRoundProgress(options: ProgressOptions): () => void {
  const { token, signal } = options;
  if (token === undefined || signal.aborted) return () => undefined;
  const timer = setInterval(() => {
    options.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: options.next(), message: WAITING_MESSAGE } });
  }, options.intervalMs);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    signal.removeEventListener('abort', stop);
  };
  signal.addEventListener('abort', stop, { once: true });
  return stop;
}

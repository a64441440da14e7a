/**
 * URL elicitation in `latchkey mcp` (protocol.md E1–E3): the proxy handles URL mode for
 * the agent, so the agent never sees an elicitation URL.
 *
 * From the agent: `initialize` (and 2026-07-28 capability `_meta`) gets `elicitation.url`; a retry
 * of an input-required request gets the wallet's remembered answers merged in.
 * From the server:
 *   - `elicitation/create` mode url → the wallet (stage 'open'), the server gets {action}; the
 *     server's `notifications/cancelled` for it withdraws the wallet's ask (no answer then);
 *   - `notifications/elicitation/complete` → releases a waiting request (unknown ids: ignored);
 *   - error -32042 to an agent's request → the wallet opens each page, the request waits for the
 *     completions or the user's retry (stage 'wait'), then goes to the server again, same id;
 *   - `resultType: "input_required"` → the wallet answers the URL entries, the request is retried
 *     with `inputResponses` and the echoed `requestState`; other entries go to the agent.
 * Each agent request gets at most MAX_ROUNDS such rounds, each with at most MAX_PAGES pages, asked
 * one after the other until the first the owner does not accept. While a round holds a request
 * that carried a progressToken, the agent gets progress for it (round-progress.ts). Form-mode
 * elicitation passes untouched.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { LatchkeyError } from '../../../shared/errors.js';
import { declareUrlElicitation } from './capabilities.js';
import { buildRetry, PendingInputAnswers, readInputRequired, resultForAgent, type InputRequired } from './input-required.js';
import { RequestTracker } from './request-tracker.js';
import { DEFAULT_PROGRESS_INTERVAL_MS, progressTokenOf, startRoundProgress } from './round-progress.js';
import { idOf, isObject, isUrlCreate, pageOf, requiredErrorOf, requiredPages, unreadable, type Json } from './remote-messages.js';
import {
  bridgeFailure,
  declinedError,
  limitError,
  pagesLimitError,
  UrlElicitations,
  type ElicitAction,
  type ElicitationPort,
  type UrlPage,
} from './url-elicitations.js';

export { URL_ELICITATION_REQUIRED } from './remote-messages.js';
/** Rounds of elicitation per agent request before the proxy gives up (ElicitationLimit). */
export const MAX_ROUNDS = 3;
/** Pages one server answer may ask for; more are refused without asking the owner (ElicitationLimit). */
export const MAX_PAGES = 3;
/** The server's url elicitation/create requests asked about at once; more are answered cancel (T15). */
export const MAX_CREATES = 8;

/** What the message proxy lets the interceptor do. */
export interface ProxyChannel {
  /** To the remote, with the proxy's usual failure handling (a failed request is answered to the agent). */
  sendToRemote(message: JSONRPCMessage): void;
  /** An answer to one of the agent's requests (settles it). */
  answerAgent(message: JSONRPCMessage): void;
  answerWithError(id: RequestId, error: LatchkeyError): void;
  /** A notification to the agent (progress while a request is held); nothing is settled. */
  notifyAgent(message: JSONRPCMessage): void;
  /** The agent withdrew the request: no answer is owed. */
  forget(id: RequestId): void;
  /** Whether the agent still waits for an answer to this request. */
  owes(id: RequestId): boolean;
  report(error: LatchkeyError): void;
  /** Aborted when the proxy finishes. */
  readonly signal: AbortSignal;
}

export interface MessageInterceptor {
  /** The agent's message as it goes to the remote. */
  fromAgent(message: JSONRPCMessage): JSONRPCMessage;
  /** True when the interceptor took the remote's message (it is not passed to the agent). */
  fromRemote(message: JSONRPCMessage): boolean;
  /** The agent's request was answered (or forgotten) by the proxy. */
  settled(id: RequestId): void;
}

export interface ElicitationInterceptorOptions {
  port: ElicitationPort;
  /** The remote MCP server's URL. */
  server: string;
  origin: string;
  debug?: (message: string) => void;
  /** When the wallet is already waiting about a page, how long a request waits for the completion alone. */
  completionTimeoutMs?: number;
  /** The agent's requests followed at once (default DEFAULT_MAX_TRACKED); past it the oldest not in a round is let go. */
  maxTracked?: number;
  /** While a request with a progressToken is held in a round, how often the agent gets progress (default 15 s). */
  progressIntervalMs?: number;
}

export function createElicitationInterceptor(channel: ProxyChannel, options: ElicitationInterceptorOptions): MessageInterceptor {
  const elicitations = new UrlElicitations({
    port: options.port,
    server: options.server,
    origin: options.origin,
    ...(options.debug === undefined ? {} : { debug: options.debug }),
    ...(options.completionTimeoutMs === undefined ? {} : { completionTimeoutMs: options.completionTimeoutMs }),
  });
  const pendingInputs = new PendingInputAnswers();
  /** The agent's requests still waiting for the server, as sent (the retry sends them again). */
  const requests = new RequestTracker(options.maxTracked);
  const done = (id: RequestId): void => requests.done(id);

  /** Runs one round for an agent's request; undefined when the request is out of rounds (answered). */
  const startRound = (id: RequestId): AbortSignal | undefined => {
    const signal = requests.startRound(id, MAX_ROUNDS);
    if (signal === undefined) {
      done(id);
      channel.answerWithError(id, limitError(options.origin, MAX_ROUNDS));
      return undefined;
    }
    return AbortSignal.any([signal, channel.signal]);
  };

  /** Progress to the agent while the round holds its request (only when it carried a progressToken); returns the stop. */
  const keepAgentWaiting = (id: RequestId, signal: AbortSignal): (() => void) =>
    startRoundProgress({
      token: progressTokenOf(requests.original(id)),
      intervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      next: () => requests.nextProgress(id),
      send: (message) => channel.notifyAgent(message),
      signal,
    });

  const fail = (id: RequestId, signal: AbortSignal, error: unknown): void => {
    if (signal.aborted) return; // the agent withdrew it, or the proxy is closing
    const failure = bridgeFailure(error);
    channel.report(failure);
    done(id);
    channel.answerWithError(id, failure);
  };

  /** Asks for the pages one after the other; the first answer that is not accept ends it (T15). */
  const askInTurn = async (pages: readonly UrlPage[], signal: AbortSignal): Promise<ElicitAction[]> => {
    const actions: ElicitAction[] = [];
    for (const page of pages) {
      const action = await elicitations.askToOpen(page, signal);
      actions.push(action);
      if (action !== 'accept') break;
    }
    return actions;
  };

  /** A round that asks for too many pages is refused before the owner is asked (T15). */
  const refuseTooMany = (id: RequestId, count: number): boolean => {
    if (count <= MAX_PAGES) return false;
    done(id);
    channel.answerWithError(id, pagesLimitError(options.origin, MAX_PAGES));
    return true;
  };

  /** The server's url elicitation/create requests the wallet is asked about, so the server can withdraw them. */
  const creates = new Map<RequestId, AbortController>();

  /** 2025-11-25 elicitation/create, mode url: the wallet answers the server (at most MAX_CREATES at once, T15). */
  const answerCreate = async (id: RequestId, params: Json): Promise<void> => {
    const page = pageOf(params);
    let action: ElicitAction = 'cancel';
    if (page !== undefined && creates.size < MAX_CREATES && !creates.has(id)) {
      const controller = new AbortController();
      creates.set(id, controller);
      const signal = AbortSignal.any([controller.signal, channel.signal]);
      try {
        action = await elicitations.askToOpen(page, signal);
      } catch (error) {
        if (!signal.aborted) channel.report(bridgeFailure(error));
      } finally {
        if (creates.get(id) === controller) creates.delete(id);
      }
      if (signal.aborted) return; // the server withdrew it (no answer is owed), or the proxy is closing
    }
    channel.sendToRemote({ jsonrpc: '2.0', id, result: { action } });
  };

  /** The server's notifications/cancelled: true when it withdrew one of its url elicitations (the wallet's ask is withdrawn). */
  const withdrawCreate = (params: unknown): boolean => {
    const id = isObject(params) ? idOf(params['requestId']) : undefined;
    const controller = id === undefined ? undefined : creates.get(id);
    if (id === undefined || controller === undefined) return false;
    options.debug?.(`url elicitation from ${options.origin}: the server withdrew its request; withdrawing the wallet's ask`);
    creates.delete(id);
    controller.abort();
    return true;
  };

  /** -32042 in answer to an agent's request. */
  const handleRequired = async (id: RequestId, error: Json): Promise<void> => {
    const signal = startRound(id);
    if (signal === undefined) return;
    const pages = requiredPages(error);
    if (pages.length === 0) {
      done(id);
      channel.answerWithError(id, unreadable(options.origin));
      return;
    }
    if (refuseTooMany(id, pages.length)) return;
    const stopProgress = keepAgentWaiting(id, signal);
    try {
      for (const page of pages) if (page.elicitationId !== undefined) elicitations.remember(page.elicitationId);
      const actions = await askInTurn(pages, signal);
      if (signal.aborted) return; // withdrawn while the owner decided
      if (actions.some((action) => action !== 'accept')) return declined(id);
      const ids = pages.flatMap((page) => (page.elicitationId === undefined ? [] : [page.elicitationId]));
      const outcome = await elicitations.waitForUser(pages[0] as UrlPage, ids, signal);
      if (outcome === 'give-up') return declined(id);
      resend(id, requests.original(id));
    } catch (failure) {
      fail(id, signal, failure);
    } finally {
      stopProgress();
    }
  };

  /** 2026-07-28 input_required result with URL entries. */
  const handleInputRequired = async (id: RequestId, message: JSONRPCMessage, input: InputRequired): Promise<void> => {
    const signal = startRound(id);
    if (signal === undefined || refuseTooMany(id, input.pages.size)) return;
    const stopProgress = keepAgentWaiting(id, signal);
    try {
      const keys = [...input.pages.keys()];
      const actions = await askInTurn([...input.pages.values()], signal);
      if (signal.aborted) return; // withdrawn while the owner decided
      if (actions.length === keys.length && actions.every((action) => action === 'accept')) {
        const outcome = await elicitations.waitForUser(input.pages.get(keys[0] as string) as UrlPage, [], signal);
        if (outcome === 'give-up') return declined(id);
      }
      const answers = Object.fromEntries(keys.map((key, index) => [key, { action: actions[index] ?? 'cancel' }]));
      if (Object.keys(input.others).length === 0) {
        // Only the agent's own request is ever retried (never the server's answer sent back to it).
        const original = requests.original(id);
        if (original !== undefined) resend(id, buildRetry(original, answers, input.requestState));
        return;
      }
      pendingInputs.remember(input.requestState, Object.keys(input.others), answers);
      done(id);
      channel.answerAgent(resultForAgent(message, input.others));
    } catch (failure) {
      fail(id, signal, failure);
    } finally {
      stopProgress();
    }
  };

  /**
   * An answer asking for pages that no round can take: a duplicate, an answer after the proxy
   * already answered, one without an id. Never forwarded (the URL would reach the agent); a
   * request the agent still waits for, and no round answers, gets the 'unreadable' error.
   */
  const refuseStray = (id: RequestId | undefined): true => {
    options.debug?.(`url elicitation from ${options.origin}: an answer asking for a page that no request waits for was dropped`);
    if (id !== undefined && channel.owes(id) && !requests.inRound(id)) {
      done(id);
      channel.answerWithError(id, unreadable(options.origin));
    }
    return true;
  };

  const declined = (id: RequestId): void => {
    done(id);
    channel.answerWithError(id, declinedError(options.origin));
  };

  const resend = (id: RequestId, message: JSONRPCMessage | undefined): void => {
    requests.endRound(id);
    if (message === undefined) return;
    options.debug?.(`url elicitation from ${options.origin}: retrying the request`);
    channel.sendToRemote(message);
  };

  return {
    fromAgent(message) {
      const record = message as Json;
      if (record['method'] === 'notifications/cancelled' && isObject(record['params'])) {
        // Whether or not a round runs for it, the request is let go: nothing about it stays, and
        // a late answer to it is dropped.
        const cancelled = idOf(record['params']['requestId']);
        if (cancelled !== undefined) {
          requests.cancel(cancelled);
          channel.forget(cancelled);
        }
        return message;
      }
      const id = idOf(record['id']);
      if (typeof record['method'] !== 'string' || id === undefined) return message;
      const outgoing = pendingInputs.merge(declareUrlElicitation(message));
      requests.track(id, outgoing);
      return outgoing;
    },

    fromRemote(message) {
      const record = message as Json;
      const method = record['method'];
      const id = idOf(record['id']);
      if (isUrlCreate(record)) {
        if (id === undefined) options.debug?.(`url elicitation from ${options.origin}: a url elicitation without an id was dropped`);
        else void answerCreate(id, record.params);
        return true;
      }
      if (method === 'notifications/elicitation/complete') {
        elicitations.complete(isObject(record['params']) ? record['params']['elicitationId'] : undefined);
        return true;
      }
      if (method === 'notifications/cancelled') return withdrawCreate(record['params']);
      if (typeof method === 'string') return false;
      const error = requiredErrorOf(record);
      const input = error === undefined ? readInputRequired(message) : undefined;
      const asksForPages = error !== undefined || (input !== undefined && input.pages.size > 0);
      if (id !== undefined && requests.wasCancelled(id)) return true; // the agent withdrew it: a late answer is dropped
      if (id === undefined || !requests.isTracked(id) || requests.inRound(id)) return asksForPages ? refuseStray(id) : false;
      if (error !== undefined) void handleRequired(id, error);
      else if (input !== undefined && asksForPages) void handleInputRequired(id, message, input);
      else done(id);
      return asksForPages;
    },

    settled(id) {
      if (!requests.inRound(id)) done(id);
    },
  };
}

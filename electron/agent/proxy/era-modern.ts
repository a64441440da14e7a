/**
 * A 2025 agent and a 2026-07-28 server (protocol.md, "MCP revisions"). The agent's `initialize` is answered
 * from the server's `server/discover`; `notifications/initialized` stays here; every message
 * upstream carries the envelope in `params._meta` (the transport derives MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name from it); results lose `resultType: "complete"`.
 *
 * An `input_required` result: form elicitation, sampling and roots entries become real requests
 * to the agent (only those its `initialize` declared; otherwise the request fails with a clear
 * error), and the request is retried with their answers and the echoed `requestState`. URL
 * entries stay the wallet's when it handles them: the elicitation interceptor gets a result with
 * only those, and its retry gets the agent's answers merged in here.
 *
 * Cancellation: on the modern wire closing a request's stream is the cancellation, so the agent's
 * `notifications/cancelled` aborts that request's HTTP stream (and withdraws the adapter's own
 * questions to the agent for it); progress notifications pass as they are (the agent's
 * `progressToken` stays in `_meta`).
 */
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { buildRetry } from './input-required.js';
import type { RemoteTransport } from './message-proxy.js';
import { describeRemoteFailure } from './remote-errors.js';
import {
  asMessage,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  errorAnswer,
  idOf,
  INPUT_METHODS,
  isObject,
  MODERN_PROTOCOL_VERSION,
  paramsOf,
  PROTOCOL_VERSION_META_KEY,
  recordOf,
  requestOf,
  responseIdOf,
  resultForLegacyAgent,
  SERVER_INFO_META_KEY,
  type Json,
  type OwnRequests,
} from './era-wire.js';

/** What a 2025 agent is told when it asks for a revision this proxy does not know. */
const FALLBACK_AGENT_VERSION = '2025-11-25';
const AGENT_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
/** Input rounds one agent request may take before it fails. */
export const MAX_INPUT_ROUNDS = 8;
/** The agent's requests followed at once; past it the oldest is let go. */
const MAX_TRACKED = 256;
/** How long a question to the agent (a form a person fills in) may stay open. */
export const DEFAULT_AGENT_ASK_TIMEOUT_MS = 10 * 60_000;

type SendOptions = TransportSendOptions & { requestSignal?: AbortSignal };

interface Tracked {
  /** The request as the agent sent it (a retry is built from it). */
  message: JSONRPCMessage;
  controller: AbortController;
  rounds: number;
  /** The agent's answers waiting for the wallet's retry of URL entries. */
  held?: { requestState: string | undefined; answers: Json };
}

interface Ask {
  owner: RequestId;
  resolve: (answer: Json) => void;
  reject: (error: LatchkeyError) => void;
}

export interface ModernBridgeOptions {
  inner: RemoteTransport;
  own: OwnRequests;
  deliver: (message: JSONRPCMessage) => void;
  origin: string;
  /** URL elicitations are the wallet's (the elicitation interceptor handles them). */
  walletTakesUrl: boolean;
  agentAskTimeoutMs?: number;
}

export interface ModernBridge {
  /** Asks `server/discover` for the agent's `initialize`; true (and the agent answered) when the server speaks 2026-07-28. */
  open(initialize: Json): Promise<boolean>;
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;
  receive(message: JSONRPCMessage): void;
}

export function createModernBridge(options: ModernBridgeOptions): ModernBridge {
  const { inner, deliver, origin } = options;
  let envelope: Json = {};
  let agentCapabilities: Json = {};
  const tracked = new Map<RequestId, Tracked>();
  const asks = new Map<RequestId, Ask>();
  let askCount = 0;

  const stamp = (message: JSONRPCMessage): JSONRPCMessage => {
    const record = recordOf(message);
    const params = paramsOf(record);
    const meta = isObject(params['_meta']) ? params['_meta'] : {};
    return asMessage({ ...record, params: { ...params, _meta: { ...meta, ...envelope } } });
  };

  const untrack = (id: RequestId): void => {
    tracked.get(id)?.controller.abort();
    tracked.delete(id);
    for (const [askId, ask] of asks) {
      if (ask.owner !== id) continue;
      asks.delete(askId);
      ask.reject(new LatchkeyError(ErrorCode.Internal, 'withdrawn'));
      deliver(asMessage({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: askId, reason: 'The request was withdrawn.' } }));
    }
  };

  const fail = (id: RequestId, error: LatchkeyError): void => {
    untrack(id);
    deliver(errorAnswer(id, error));
  };

  const sendTracked = async (id: RequestId, message: JSONRPCMessage, sendOptions?: TransportSendOptions): Promise<void> => {
    const entry = tracked.get(id);
    const withSignal: SendOptions = { ...sendOptions, ...(entry === undefined ? {} : { requestSignal: entry.controller.signal }) };
    await inner.send(stamp(message), withSignal);
  };

  /** Whether the agent declared what this input request needs. */
  const allows = (request: Json): boolean => {
    const method = request['method'];
    if (method === 'sampling/createMessage') return isObject(agentCapabilities['sampling']);
    if (method === 'roots/list') return isObject(agentCapabilities['roots']);
    if (method !== 'elicitation/create') return false;
    const elicitation = agentCapabilities['elicitation'];
    if (!isObject(elicitation)) return false;
    const mode = paramsOf(request)['mode'] === 'url' ? 'url' : 'form';
    return mode === 'url' ? isObject(elicitation['url']) : Object.keys(elicitation).length === 0 || isObject(elicitation['form']);
  };

  const askAgent = (owner: RequestId, request: Json, timeoutMs: number): Promise<Json> => {
    askCount += 1;
    const id = `latchkey-input-${askCount}`;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        asks.delete(id);
        reject(new LatchkeyError(ErrorCode.Timeout, `The agent did not answer the MCP server's ${String(request['method'])} request in time.`));
      }, timeoutMs);
      const settle = <T>(then: (value: T) => void) => (value: T): void => {
        clearTimeout(timer);
        then(value);
      };
      asks.set(id, { owner, resolve: settle(resolve), reject: settle(reject) });
      deliver(asMessage({ jsonrpc: '2.0', id, method: request['method'], params: paramsOf(request) }));
    });
  };

  const isWalletUrl = (request: unknown): boolean =>
    options.walletTakesUrl && isObject(request) && request['method'] === 'elicitation/create' && paramsOf(request)['mode'] === 'url';

  const handleInputRequired = async (id: RequestId, entry: Tracked, record: Json, result: Json): Promise<void> => {
    entry.rounds += 1;
    if (entry.rounds > MAX_INPUT_ROUNDS) {
      fail(id, new LatchkeyError(ErrorCode.ElicitationLimit, `The MCP server at ${origin} asked for input more than ${MAX_INPUT_ROUNDS} times for one request.`));
      return;
    }
    const requests = isObject(result['inputRequests']) ? result['inputRequests'] : {};
    const requestState = typeof result['requestState'] === 'string' ? result['requestState'] : undefined;
    const walletEntries = Object.entries(requests).filter(([, request]) => isWalletUrl(request));
    const agentEntries = Object.entries(requests).filter(([, request]) => !isWalletUrl(request));
    const refused = agentEntries.find(([, request]) => !isObject(request) || !INPUT_METHODS.has(String(request['method'])) || !allows(request));
    if (refused !== undefined) {
      const method = isObject(refused[1]) ? String(refused[1]['method']) : 'an unknown request';
      fail(
        id,
        new LatchkeyError(ErrorCode.RemoteRejected, `The MCP server at ${origin} asked the agent for ${method}, which the agent did not declare it can answer.`, {
          hint: 'The agent (MCP client) needs that capability for this tool.',
        }),
      );
      return;
    }
    let answers: Json;
    try {
      const timeoutMs = options.agentAskTimeoutMs ?? DEFAULT_AGENT_ASK_TIMEOUT_MS;
      const answered = await Promise.all(agentEntries.map(async ([key, request]) => [key, await askAgent(id, request as Json, timeoutMs)] as const));
      answers = Object.fromEntries(answered);
    } catch (error) {
      if (tracked.get(id) === entry) fail(id, error instanceof LatchkeyError ? error : new LatchkeyError(ErrorCode.Internal, String(error)));
      return;
    }
    if (tracked.get(id) !== entry) return; // withdrawn meanwhile
    if (walletEntries.length > 0) {
      entry.held = { requestState, answers };
      deliver(asMessage({ ...record, result: { ...result, inputRequests: Object.fromEntries(walletEntries) } }));
      return;
    }
    entry.message = buildRetry(entry.message, answers, requestState);
    await sendTracked(id, entry.message).catch((error: unknown) => {
      if (tracked.get(id) === entry) fail(id, describeRemoteFailure(error, origin, inner.sessionId !== undefined).error);
    });
  };

  /** The agent's own request, or the wallet's retry of one (the agent's held answers merged in). */
  const sendRequest = async (id: RequestId, message: JSONRPCMessage, sendOptions?: TransportSendOptions): Promise<void> => {
    const existing = tracked.get(id);
    const params = paramsOf(recordOf(message));
    if (existing?.held !== undefined && params['requestState'] === existing.held.requestState && isObject(params['inputResponses'])) {
      const held = existing.held;
      delete existing.held;
      existing.message = asMessage({ ...recordOf(message), params: { ...params, inputResponses: { ...held.answers, ...params['inputResponses'] } } });
      await sendTracked(id, existing.message, sendOptions);
      return;
    }
    if (existing === undefined) {
      tracked.set(id, { message, controller: new AbortController(), rounds: 0 });
      if (tracked.size > MAX_TRACKED) {
        const oldest = tracked.keys().next().value;
        if (oldest !== undefined) tracked.delete(oldest);
      }
    } else {
      existing.message = message;
    }
    await sendTracked(id, message, sendOptions).catch((error: unknown) => {
      tracked.delete(id); // the proxy answers the agent with the failure
      throw error;
    });
  };

  return {
    async open(initialize) {
      const params = paramsOf(initialize);
      const candidate: Json = {
        [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
        [CLIENT_INFO_META_KEY]: isObject(params['clientInfo']) ? params['clientInfo'] : { name: 'latchkey-mcp', version: '0' },
        [CLIENT_CAPABILITIES_META_KEY]: isObject(params['capabilities']) ? params['capabilities'] : {},
      };
      const response = await options.own.ask('server/discover', { _meta: candidate });
      const result = response?.['result'];
      if (!isObject(result) || !Array.isArray(result['supportedVersions']) || !result['supportedVersions'].includes(MODERN_PROTOCOL_VERSION)) return false;
      envelope = candidate;
      agentCapabilities = candidate[CLIENT_CAPABILITIES_META_KEY] as Json;
      const asked = params['protocolVersion'];
      const meta = isObject(result['_meta']) ? result['_meta'] : {};
      const answer: Json = {
        protocolVersion: typeof asked === 'string' && AGENT_VERSIONS.has(asked) ? asked : FALLBACK_AGENT_VERSION,
        capabilities: isObject(result['capabilities']) ? result['capabilities'] : {},
        serverInfo: isObject(meta[SERVER_INFO_META_KEY]) ? meta[SERVER_INFO_META_KEY] : { name: 'mcp-server', version: '0' },
        ...(typeof result['instructions'] === 'string' ? { instructions: result['instructions'] } : {}),
      };
      deliver(asMessage({ jsonrpc: '2.0', id: initialize['id'], result: answer }));
      return true;
    },

    async send(message, sendOptions) {
      const record = recordOf(message);
      const method = record['method'];
      // 2026-07-28 has no initialized notification: the discover result was the handshake.
      if (method === 'notifications/initialized') return;
      if (method === 'notifications/cancelled') {
        // Closing the request's stream is the cancellation on the modern wire.
        const cancelled = idOf(paramsOf(record)['requestId']);
        if (cancelled !== undefined) untrack(cancelled);
        return;
      }
      const answered = responseIdOf(record);
      const ask = answered === undefined ? undefined : asks.get(answered);
      if (answered !== undefined && ask !== undefined) {
        asks.delete(answered);
        if (isObject(record['result'])) ask.resolve(record['result']);
        else ask.reject(new LatchkeyError(ErrorCode.RemoteRejected, `The agent refused the MCP server's request for input (from ${origin}).`));
        return;
      }
      const request = requestOf(record);
      if (request === undefined) {
        await inner.send(message, sendOptions);
        return;
      }
      await sendRequest(request.id, message, sendOptions);
    },

    receive(message) {
      const record = recordOf(message);
      const id = responseIdOf(record);
      const entry = id === undefined ? undefined : tracked.get(id);
      if (id === undefined || entry === undefined) {
        deliver(resultForLegacyAgent(message));
        return;
      }
      const result = record['result'];
      if (isObject(result) && result['resultType'] === 'input_required') {
        void handleInputRequired(id, entry, record, result);
        return;
      }
      tracked.delete(id);
      deliver(resultForLegacyAgent(message));
    },
  };
}

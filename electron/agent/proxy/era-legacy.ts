/**
 * A 2026-07-28 agent and a 2025 server (protocol.md, "MCP revisions"). The agent's `server/discover` is
 * answered here from a 2025 `initialize` run upstream on its behalf (its clientInfo and
 * capabilities from the envelope, then `notifications/initialized`); afterwards the envelope keys
 * leave every message before it goes upstream (so the transport sends the session id and the
 * negotiated MCP-Protocol-Version as for a 2025 client), and results get the 2026-07-28 shape
 * (`resultType: "complete"`, cache fields where required).
 *
 * The server's own requests (form elicitation, sampling, roots) while one agent request is under
 * way become an `input_required` answer to it, keyed, with a request state generated and kept
 * here; the agent's retry answers the server's requests and then gets the original call's final
 * result under the retry's id. URL elicitations pass on to the wallet when it handles them. With
 * no agent request under way, or several (nothing says which one the server means), the server's
 * request gets a JSON-RPC error. `ping` from the server is answered here. The agent's
 * `notifications/cancelled` reaches the server under the id the server knows.
 */
import { randomUUID } from 'node:crypto';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { RemoteTransport } from './message-proxy.js';
import {
  asMessage,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  errorAnswer,
  idOf,
  INPUT_CAPABLE_METHODS,
  INPUT_METHODS,
  isObject,
  LEGACY_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  paramsOf,
  recordOf,
  requestOf,
  responseIdOf,
  resultForModernAgent,
  SERVER_INFO_META_KEY,
  stripEnvelope,
  type Json,
  type OwnRequests,
} from './era-wire.js';

/** Input rounds one agent request may take before it fails. */
export const MAX_LEGACY_ROUNDS = 8;
/** Request states kept at once (each waits for the agent's retry). */
export const MAX_REQUEST_STATES = 32;
/** How long a request state waits for the agent's retry before the server's requests are refused. */
export const DEFAULT_STATE_TIMEOUT_MS = 10 * 60_000;
const MAX_TRACKED = 256;
/** JSON-RPC "internal error", for a server request nobody can answer. */
const UNANSWERABLE = -32603;

interface Pending {
  method: string;
  /** The id the agent now waits on (its retry's, after an input round). */
  agentId: RequestId;
  rounds: number;
}

interface HeldState {
  /** The server's request id (the upstream id of the agent's request). */
  upstreamId: RequestId;
  /** Input key → the server's request id. */
  serverRequests: Map<string, RequestId>;
  timer: NodeJS.Timeout;
}

export interface LegacyBridgeOptions {
  inner: RemoteTransport;
  own: OwnRequests;
  deliver: (message: JSONRPCMessage) => void;
  origin: string;
  walletTakesUrl: boolean;
  stateTimeoutMs?: number;
}

export interface LegacyBridge {
  /**
   * Runs `initialize` upstream with the envelope of the agent's first request; when that is
   * `server/discover`, answers it. False when the server refuses.
   */
  open(first: Json): Promise<boolean>;
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;
  receive(message: JSONRPCMessage): void;
}

export function createLegacyBridge(options: LegacyBridgeOptions): LegacyBridge {
  const { inner, deliver, origin } = options;
  /** Agent requests under way, by the id the server knows. */
  const pending = new Map<RequestId, Pending>();
  const states = new Map<string, HeldState>();

  const answerServer = (id: RequestId, body: { result: Json } | { error: Json }): void => {
    void inner.send(asMessage({ jsonrpc: '2.0', id, ...body })).catch(() => undefined);
  };

  const refuseServer = (id: RequestId, message: string): void => answerServer(id, { error: { code: UNANSWERABLE, message } });

  const dropState = (key: string, refuse: boolean): void => {
    const state = states.get(key);
    if (state === undefined) return;
    clearTimeout(state.timer);
    states.delete(key);
    if (refuse) for (const serverId of state.serverRequests.values()) refuseServer(serverId, 'The agent did not answer.');
  };

  const holdState = (upstreamId: RequestId, serverRequests: Map<string, RequestId>): string => {
    const key = randomUUID();
    const timer = setTimeout(() => dropState(key, true), options.stateTimeoutMs ?? DEFAULT_STATE_TIMEOUT_MS);
    timer.unref();
    states.set(key, { upstreamId, serverRequests, timer });
    if (states.size > MAX_REQUEST_STATES) {
      const oldest = states.keys().next().value;
      if (oldest !== undefined) dropState(oldest, true);
    }
    return key;
  };

  /** A server request for the agent: an input_required answer to the one agent request under way. */
  const askAgent = (serverId: RequestId, record: Json): void => {
    const method = String(record['method']);
    const waiting = [...pending.entries()].filter(([, entry]) => INPUT_CAPABLE_METHODS.has(entry.method));
    if (waiting.length !== 1) {
      refuseServer(serverId, `The agent speaks ${MODERN_PROTOCOL_VERSION} and can answer ${method} only during one request at a time.`);
      return;
    }
    const [upstreamId, entry] = waiting[0] as [RequestId, Pending];
    entry.rounds += 1;
    if (entry.rounds > MAX_LEGACY_ROUNDS) {
      refuseServer(serverId, 'Too many input requests for one call.');
      return;
    }
    const requestState = holdState(upstreamId, new Map([['input', serverId]]));
    const inputRequests = { input: { method, params: paramsOf(record) } };
    deliver(asMessage({ jsonrpc: '2.0', id: entry.agentId, result: { resultType: 'input_required', inputRequests, requestState } }));
  };

  /** The agent's retry: its answers go to the server's requests; the call's result will carry the retry's id. */
  const answerRetry = (retryId: RequestId, params: Json): boolean => {
    const key = params['requestState'];
    const state = typeof key === 'string' ? states.get(key) : undefined;
    if (typeof key !== 'string' || state === undefined) return false;
    dropState(key, false);
    const entry = pending.get(state.upstreamId);
    if (entry !== undefined) entry.agentId = retryId;
    const responses = isObject(params['inputResponses']) ? params['inputResponses'] : {};
    for (const [inputKey, serverId] of state.serverRequests) {
      const answer = responses[inputKey];
      if (isObject(answer)) answerServer(serverId, { result: answer });
      else refuseServer(serverId, 'The agent gave no answer.');
    }
    if (entry === undefined) {
      deliver(errorAnswer(retryId, new LatchkeyError(ErrorCode.BadResponse, `The MCP server at ${origin} ended the call before the agent answered.`)));
    }
    return true;
  };

  return {
    async open(first) {
      const meta = isObject(paramsOf(first)['_meta']) ? (paramsOf(first)['_meta'] as Json) : {};
      const response = await options.own.ask('initialize', {
        protocolVersion: LEGACY_PROTOCOL_VERSION,
        capabilities: isObject(meta[CLIENT_CAPABILITIES_META_KEY]) ? meta[CLIENT_CAPABILITIES_META_KEY] : {},
        clientInfo: isObject(meta[CLIENT_INFO_META_KEY]) ? meta[CLIENT_INFO_META_KEY] : { name: 'latchkey-mcp', version: '0' },
      });
      const result = response?.['result'];
      if (!isObject(result) || typeof result['protocolVersion'] !== 'string') return false;
      inner.setProtocolVersion?.(result['protocolVersion']);
      await inner.send(asMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      if (first['method'] !== 'server/discover') return true;
      const answer: Json = {
        resultType: 'complete',
        supportedVersions: [MODERN_PROTOCOL_VERSION],
        capabilities: isObject(result['capabilities']) ? result['capabilities'] : {},
        ttlMs: 0,
        cacheScope: 'private',
        ...(typeof result['instructions'] === 'string' ? { instructions: result['instructions'] } : {}),
        _meta: { [SERVER_INFO_META_KEY]: isObject(result['serverInfo']) ? result['serverInfo'] : { name: 'mcp-server', version: '0' } },
      };
      deliver(asMessage({ jsonrpc: '2.0', id: first['id'], result: answer }));
      return true;
    },

    async send(message, sendOptions) {
      const record = recordOf(message);
      const request = requestOf(record);
      if (request !== undefined && answerRetry(request.id, paramsOf(record))) return;
      if (request !== undefined) {
        pending.set(request.id, { method: request.method, agentId: request.id, rounds: 0 });
        if (pending.size > MAX_TRACKED) {
          const oldest = pending.keys().next().value;
          if (oldest !== undefined) pending.delete(oldest);
        }
      }
      if (record['method'] === 'notifications/cancelled') {
        // The agent cancels the id it waits on; the server knows the first one.
        const cancelled = idOf(paramsOf(record)['requestId']);
        const upstream = [...pending.entries()].find(([, entry]) => entry.agentId === cancelled)?.[0];
        if (upstream !== undefined) {
          pending.delete(upstream);
          // The server's questions held for that call are refused at once, not at the state's timeout.
          for (const [key, state] of [...states]) if (state.upstreamId === upstream) dropState(key, true);
          const stripped = recordOf(stripEnvelope(message));
          await inner.send(asMessage({ ...stripped, params: { ...paramsOf(stripped), requestId: upstream } }), sendOptions);
          return;
        }
      }
      await inner.send(stripEnvelope(message), sendOptions);
    },

    receive(message) {
      const record = recordOf(message);
      const serverRequest = requestOf(record);
      if (serverRequest !== undefined) {
        if (serverRequest.method === 'ping') return answerServer(serverRequest.id, { result: {} });
        const url = serverRequest.method === 'elicitation/create' && paramsOf(record)['mode'] === 'url';
        if (url && options.walletTakesUrl) return deliver(message);
        if (INPUT_METHODS.has(serverRequest.method)) return askAgent(serverRequest.id, record);
        return refuseServer(serverRequest.id, `The agent speaks ${MODERN_PROTOCOL_VERSION} and is not asked ${serverRequest.method}.`);
      }
      const id = responseIdOf(record);
      if (id === undefined) return deliver(message);
      const entry = pending.get(id);
      pending.delete(id);
      const answer = resultForModernAgent(message, entry?.method);
      deliver(entry === undefined || entry.agentId === id ? answer : asMessage({ ...recordOf(answer), id: entry.agentId }));
    },
  };
}

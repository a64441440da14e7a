/**
 * 2026-07-28 multi-round-trip requests (protocol.md E2): a server answers a request with
 * `{ resultType: "input_required", inputRequests: { key: { method, params } }, requestState }`
 * and the client retries the original request with `params.inputResponses` (key → result) and
 * the echoed `params.requestState`. URL-mode elicitations among the input requests are the
 * wallet's; everything else (form elicitation, sampling, roots) is the agent's. When both occur,
 * the agent gets only its own entries and the wallet's answers wait here, keyed by the request
 * state, to be merged into the agent's retry.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitAction, UrlPage } from './url-elicitations.js';

type Json = Record<string, unknown>;

export interface InputRequired {
  /** URL-mode elicitations: key → page. */
  pages: Map<string, UrlPage>;
  /** Everything else, as the server sent it: key → input request. */
  others: Json;
  requestState: string | undefined;
}

/** Answers the wallet gave, waiting for the agent's retry. */
interface RememberedInput {
  requestState: string | undefined;
  /** The keys the agent was given; its retry answers them. */
  agentKeys: string[];
  answers: Record<string, { action: ElicitAction }>;
}

const MAX_REMEMBERED = 32;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of a JSON-RPC message with some fields changed is still one. */
function asMessage(value: Json): JSONRPCMessage {
  return value as unknown as JSONRPCMessage;
}

/** The input-required result in a response, or undefined for any other message. */
export function readInputRequired(message: JSONRPCMessage): InputRequired | undefined {
  const result = (message as Json)['result'];
  if (!isObject(result) || result['resultType'] !== 'input_required' || !isObject(result['inputRequests'])) return undefined;
  const pages = new Map<string, UrlPage>();
  const others: Json = {};
  for (const [key, request] of Object.entries(result['inputRequests'])) {
    const page = urlPageOf(request);
    if (page === undefined) others[key] = request;
    else pages.set(key, page);
  }
  const state = result['requestState'];
  return { pages, others, requestState: typeof state === 'string' ? state : undefined };
}

function urlPageOf(request: unknown): UrlPage | undefined {
  if (!isObject(request) || request['method'] !== 'elicitation/create' || !isObject(request['params'])) return undefined;
  const params = request['params'];
  if (params['mode'] !== 'url' || typeof params['url'] !== 'string') return undefined;
  return { url: params['url'], message: typeof params['message'] === 'string' ? params['message'] : '' };
}

/** The original request again, answering the input requests and echoing the request state. */
export function buildRetry(original: JSONRPCMessage, answers: Json, requestState: string | undefined): JSONRPCMessage {
  const record = original as Json;
  const params = isObject(record['params']) ? record['params'] : {};
  const earlier = isObject(params['inputResponses']) ? params['inputResponses'] : {};
  const retried: Json = { ...params, inputResponses: { ...earlier, ...answers } };
  if (requestState === undefined) delete retried['requestState'];
  else retried['requestState'] = requestState;
  return asMessage({ ...record, params: retried });
}

/** The server's result with only the agent's input requests in it (no URL reaches the agent). */
export function resultForAgent(message: JSONRPCMessage, others: Json): JSONRPCMessage {
  const record = message as Json;
  const result = record['result'] as Json;
  return asMessage({ ...record, result: { ...result, inputRequests: others } });
}

/** The wallet's answers for input requests the agent also has to answer, merged into the agent's retry. */
export class PendingInputAnswers {
  private readonly entries: RememberedInput[] = [];

  remember(requestState: string | undefined, agentKeys: string[], answers: Record<string, { action: ElicitAction }>): void {
    this.entries.push({ requestState, agentKeys, answers });
    if (this.entries.length > MAX_REMEMBERED) this.entries.shift();
  }

  /** The agent's retry with the wallet's answers added, or the same message when none belong to it. */
  merge(message: JSONRPCMessage): JSONRPCMessage {
    const params = (message as Json)['params'];
    if (!isObject(params) || !isObject(params['inputResponses'])) return message;
    const responses = params['inputResponses'];
    const state = typeof params['requestState'] === 'string' ? params['requestState'] : undefined;
    const index = this.entries.findIndex(
      (entry) => entry.requestState === state && entry.agentKeys.every((key) => Object.hasOwn(responses, key)),
    );
    if (index < 0) return message;
    const [entry] = this.entries.splice(index, 1);
    return asMessage({ ...(message as Json), params: { ...params, inputResponses: { ...responses, ...entry?.answers } } });
  }
}

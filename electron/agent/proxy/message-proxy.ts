/**
 * Joins two MCP transports at the JSON-RPC message level: whatever one side sends, the other
 * receives, in both directions (requests, responses, notifications, server-initiated requests).
 * The proxy reads only what a transport needs: the `initialize` answer's protocol version (for
 * the remote's MCP-Protocol-Version header) and request ids (to answer a request the remote
 * could not take with a JSON-RPC error instead of leaving the client waiting). An interceptor
 * (URL elicitation, elicitation-interceptor.ts) may see every message first and take some.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { LatchkeyError } from '../../../shared/errors.js';
import type { MessageInterceptor, ProxyChannel } from './elicitation-interceptor.js';
import { describeRemoteFailure, PROXY_ERROR_CODE } from './remote-errors.js';

export interface RemoteTransport extends Transport {
  terminateSession?(): Promise<void>;
}

/** The client side; `onend` (stdio) means "no more input", while answers can still be written. */
export interface LocalTransport extends Transport {
  onend?: (() => void) | undefined;
}

export type ProxyExit = { reason: 'local-closed' } | { reason: 'remote-gone'; error: LatchkeyError } | { reason: 'closed' };

export interface MessageProxyOptions {
  /** The MCP client's side (stdio). */
  local: LocalTransport;
  /** The remote MCP server (Streamable HTTP). */
  remote: RemoteTransport;
  /** The remote's origin, for messages. */
  origin: string;
  /** One problem worth telling the user (stderr): a message that could not be delivered. */
  report: (error: LatchkeyError) => void;
  /** Everything else (transport chatter such as SSE reconnects), for --verbose. */
  debug?: (message: string) => void;
  /** How long to wait for the remote to end its session on close (default 2 s). */
  terminateTimeoutMs?: number;
  /** After stdin ends, how long to wait for answers to requests already sent (default 30 s). */
  drainTimeoutMs?: number;
  /** Sees every message first and may take it (URL elicitation, elicitation-interceptor.ts). */
  intercept?: (channel: ProxyChannel) => MessageInterceptor;
}

export interface MessageProxy {
  /** Resolves once, when either side is gone or close() was called. */
  readonly done: Promise<ProxyExit>;
  close(): Promise<void>;
}

export async function startMessageProxy(options: MessageProxyOptions): Promise<MessageProxy> {
  const { local, remote } = options;
  /** Requests from the client still waiting for the server's answer. */
  const pending = new Set<RequestId>();
  /** Of those, the ones whose answer is being written to the client. */
  const answering = new Set<RequestId>();
  const initializeIds = new Set<RequestId>();
  let exit: ProxyExit | undefined;
  let draining = false;
  const closing = new AbortController();
  let resolveDone: (exit: ProxyExit) => void = () => undefined;
  const done = new Promise<ProxyExit>((resolve) => {
    resolveDone = resolve;
  });

  const settle = (id: RequestId): void => {
    pending.delete(id);
    answering.delete(id);
    interceptor?.settled(id);
    if (draining && pending.size === 0) void finish({ reason: 'local-closed' });
  };

  const answerWithError = (id: RequestId, error: LatchkeyError): void => {
    const data = { latchkey_code: error.code, ...(error.hint === undefined ? {} : { hint: error.hint }) };
    answering.add(id);
    void local
      .send({ jsonrpc: '2.0', id, error: { code: PROXY_ERROR_CODE, message: error.message, data } })
      .catch(() => undefined)
      .finally(() => settle(id));
  };

  const finish = async (result: ProxyExit): Promise<void> => {
    if (exit !== undefined) return;
    exit = result;
    closing.abort();
    if (result.reason === 'remote-gone') {
      for (const id of [...pending]) answerWithError(id, result.error);
    }
    if (result.reason !== 'remote-gone') await endRemoteSession(remote, options.terminateTimeoutMs ?? 2000);
    await remote.close().catch(() => undefined);
    await local.close().catch(() => undefined);
    resolveDone(result);
  };

  const answerAgent = (id: RequestId, message: JSONRPCMessage): void => {
    answering.add(id);
    void local
      .send(message)
      .catch(() => undefined)
      .finally(() => settle(id));
  };

  const sendToRemote = (message: JSONRPCMessage): void => {
    const request = requestOf(message);
    const hadSession = remote.sessionId !== undefined;
    remote.send(message).catch((error: unknown) => {
      if (exit !== undefined) return; // our own close aborted it
      const failure = describeRemoteFailure(error, options.origin, hadSession);
      options.report(failure.error);
      if (request !== undefined) answerWithError(request.id, failure.error);
      if (failure.fatal) void finish({ reason: 'remote-gone', error: failure.error });
    });
  };

  const interceptor: MessageInterceptor | undefined = options.intercept?.({
    sendToRemote: (message) => {
      if (exit === undefined) sendToRemote(message);
    },
    answerAgent: (message) => {
      const id = responseIdOf(message);
      if (id !== undefined && exit === undefined) answerAgent(id, message);
    },
    notifyAgent: (message) => {
      if (exit === undefined) void local.send(message).catch(() => undefined);
    },
    answerWithError: (id, error) => {
      if (exit === undefined) answerWithError(id, error);
    },
    forget: settle,
    owes: (id) => pending.has(id) && !answering.has(id),
    report: options.report,
    signal: closing.signal,
  });

  local.onmessage = (message: JSONRPCMessage) => {
    if (exit !== undefined) return;
    const outgoing = interceptor === undefined ? message : interceptor.fromAgent(message);
    const request = requestOf(outgoing);
    if (request !== undefined) {
      pending.add(request.id);
      if (request.method === 'initialize') initializeIds.add(request.id);
    }
    sendToRemote(outgoing);
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    if (exit !== undefined) return;
    if (interceptor?.fromRemote(message) === true) return;
    const id = responseIdOf(message);
    if (id === undefined) {
      void local.send(message).catch(() => undefined);
      return;
    }
    if (initializeIds.delete(id)) adoptProtocolVersion(remote, message);
    answerAgent(id, message);
  };
  local.onclose = () => void finish({ reason: 'local-closed' });
  local.onend = () => {
    if (pending.size === 0) {
      void finish({ reason: 'local-closed' });
      return;
    }
    draining = true;
    setTimeout(() => void finish({ reason: 'local-closed' }), options.drainTimeoutMs ?? 30_000).unref();
  };
  remote.onclose = () => void finish({ reason: 'closed' });
  local.onerror = (error) => options.debug?.(`stdin: ${error.message}`);
  remote.onerror = (error) => options.debug?.(`remote: ${error.message}`);

  await remote.start();
  await local.start();
  return { done, close: () => finish({ reason: 'closed' }) };
}

function requestOf(message: JSONRPCMessage): { id: RequestId; method: string } | undefined {
  const record = message as Record<string, unknown>;
  const id = record['id'];
  const method = record['method'];
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? { id, method } : undefined;
}

function responseIdOf(message: JSONRPCMessage): RequestId | undefined {
  const record = message as Record<string, unknown>;
  const id = record['id'];
  if (typeof record['method'] === 'string') return undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The transport sends MCP-Protocol-Version on every request after initialize, as the SDK client would. */
function adoptProtocolVersion(remote: RemoteTransport, message: JSONRPCMessage): void {
  const result = (message as { result?: unknown }).result;
  if (typeof result !== 'object' || result === null) return;
  const version = (result as Record<string, unknown>)['protocolVersion'];
  if (typeof version === 'string') remote.setProtocolVersion?.(version);
}

/** Best effort: DELETE the session (servers may answer 405), bounded so exit is never stuck. */
async function endRemoteSession(remote: RemoteTransport, timeoutMs: number): Promise<void> {
  if (remote.sessionId === undefined || remote.terminateSession === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([remote.terminateSession().catch(() => undefined), timeout]);
  clearTimeout(timer);
}

/**
 * The message proxy with the URL elicitation interceptor, driven message by message: both sides
 * are in-memory transports the tests drive with raw JSON-RPC, the wallet is a port double.
 */
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect } from 'vitest';
import type { LatchkeyError } from '../../../../shared/errors.js';
import { createElicitationInterceptor, type ElicitationInterceptorOptions } from '../../../../electron/agent/proxy/elicitation-interceptor.js';
import { startMessageProxy, type LocalTransport, type MessageProxy } from '../../../../electron/agent/proxy/message-proxy.js';
import type { WalletDouble } from './wallet-double.js';

export const SERVER = 'https://mcp.example.test/mcp';
export const ORIGIN = 'https://mcp.example.test';
export const PAGE = 'https://accounts.example.test/link?session=abc';

/** Messages one side received, with a way to wait for the next ones. */
export class Inbox {
  readonly messages: JSONRPCMessage[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  push(message: JSONRPCMessage): void {
    this.messages.push(message);
    for (const waiter of this.waiters.filter((w) => this.messages.length >= w.count)) waiter.resolve();
  }

  async nth(index: number): Promise<Record<string, unknown>> {
    if (this.messages.length <= index) await new Promise<void>((resolve) => this.waiters.push({ count: index + 1, resolve }));
    return this.messages[index] as Record<string, unknown>;
  }
}

export interface Harness {
  proxy: MessageProxy;
  agent: InMemoryTransport;
  server: InMemoryTransport;
  /** The proxy's side of the agent's transport (its `onend` is what stdin's end calls). */
  local: LocalTransport;
  toAgent: Inbox;
  toServer: Inbox;
  reports: LatchkeyError[];
  debug: string[];
}

const running: MessageProxy[] = [];
afterEach(async () => {
  for (const proxy of running.splice(0)) await proxy.close();
});

/** The interceptor's limits a test may lower. */
export type HarnessOptions = Omit<Partial<ElicitationInterceptorOptions>, 'port' | 'server' | 'origin' | 'debug'>;

export async function harness(wallet: WalletDouble, options: HarnessOptions = {}): Promise<Harness> {
  const [agent, proxyLocal] = InMemoryTransport.createLinkedPair();
  const [proxyRemote, server] = InMemoryTransport.createLinkedPair();
  const toAgent = new Inbox();
  const toServer = new Inbox();
  agent.onmessage = (message) => toAgent.push(message);
  server.onmessage = (message) => toServer.push(message);
  const reports: LatchkeyError[] = [];
  const debug: string[] = [];
  const local: LocalTransport = proxyLocal;
  const proxy = await startMessageProxy({
    local,
    remote: proxyRemote,
    origin: ORIGIN,
    report: (error) => reports.push(error),
    debug: (line) => debug.push(line),
    drainTimeoutMs: 60_000,
    intercept: (channel) =>
      createElicitationInterceptor(channel, { port: wallet, server: SERVER, origin: ORIGIN, debug: (line) => debug.push(line), ...options }),
  });
  await agent.start();
  await server.start();
  running.push(proxy);
  return { proxy, agent, server, local, toAgent, toServer, reports, debug };
}

export const call = (id: number, extra: Record<string, unknown> = {}): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'pay', arguments: {}, ...extra },
});

export const urlEntry = (elicitationId: string, url = PAGE): Record<string, unknown> => ({ mode: 'url', elicitationId, url, message: 'Link it.' });

export const required = (id: number, ...elicitationIds: string[]): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32042, message: 'URL elicitation required', data: { elicitations: elicitationIds.map((e) => urlEntry(e)) } },
});

export const complete = (elicitationId: string): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } });

export const cancelled = (requestId: string | number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } });

export const inputRequired = (id: number, requests: Record<string, unknown>, requestState?: string): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  result: { content: [], resultType: 'input_required', inputRequests: requests, ...(requestState === undefined ? {} : { requestState }) },
});

export const urlRequest = (url = PAGE): Record<string, unknown> => ({ method: 'elicitation/create', params: { mode: 'url', url, message: 'Pay.' } });

/** A message behind others on the same stream: once it arrives, the ones before it were processed. */
export const marker: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after' } };

export function paramsOf(message: JSONRPCMessage): Record<string, unknown> {
  return (message as { params?: Record<string, unknown> }).params ?? {};
}

/**
 * Lets every promise chain already started run to its end (one macrotask turn; the in-memory
 * transports deliver synchronously, so nothing here waits on time or I/O).
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function expectNoPage(h: Harness): void {
  expect(JSON.stringify(h.toAgent.messages)).not.toContain('accounts.example.test');
  expect(JSON.stringify(h.reports.map((r) => r.toJSON()))).not.toContain('accounts.example.test');
  expect(h.debug.join('\n')).not.toContain('accounts.example.test');
}

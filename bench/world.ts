/**
 * The parent's side of the world host (hosts/world-host.ts): the real test world (oidc-provider AS,
 * MCP SDK server, Chromium), a wallet connected to it through a real browser sign-in, and the real
 * bridge with the real broker, all in one child process apart from the measuring client.
 */
import { resolve } from 'node:path';
import { startHost, type HostHandle } from './hosts/ipc.js';

export interface WorldHostReady {
  mcpUrl: string;
  issuer: string;
  bridge: { socketPath: string; url: string };
  /** An enrolled agent with an mcp:read grant on mcpUrl (for `latchkey mcp`). */
  proxyAgentSecret: string;
  setupMs: number;
}

export interface WorldCounters {
  /** Token endpoint requests by grant type. */
  tokenRequests: Record<string, number>;
  mcpRequests: number;
  toolCalls: Record<string, number>;
}

export interface StormRun {
  asRequests: number;
  samplesMs: number[];
  wallMs: number;
  distinctTokens: number;
  failures: number;
}

export type WorldHost = HostHandle<WorldHostReady>;

export function startWorldHost(options: { execArgv?: string[] } = {}): Promise<WorldHost> {
  return startHost<WorldHostReady>(resolve(import.meta.dirname, 'hosts/world-host.ts'), {
    execArgv: options.execArgv ?? [],
    readyTimeoutMs: 180_000,
  });
}

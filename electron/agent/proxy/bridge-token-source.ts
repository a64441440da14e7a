/**
 * The agent-mode token source: the bridge client, bound to one resource. The bridge decides
 * (grant, approval, narrowing) and audits; the proxy only asks.
 */
import type { TokenSource } from './token-cache.js';

/** The part of the bridge client (electron/agent/bridge-client/client.ts) the proxy uses. */
export interface BridgeTokenClient {
  token(resource: string, scopes?: string[]): Promise<unknown>;
}

export function bridgeTokenSource(client: BridgeTokenClient, resource: string): TokenSource {
  return {
    fetchToken: (scopes) => (scopes === undefined ? client.token(resource) : client.token(resource, [...scopes])),
  };
}
